package main

import (
	"flag"
	"os"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/server"
)

// listFlag is a repeatable string flag whose default comes from a comma-separated
// environment variable; the first use on the command line replaces that default.
type listFlag struct {
	values []string
	set    bool
}

func newListFlag(fs *flag.FlagSet, name, envName, usage string) *listFlag {
	f := &listFlag{}
	if v := os.Getenv(envName); v != "" {
		f.values = strings.Split(v, ",")
	}
	fs.Var(f, name, usage)
	return f
}

func (f *listFlag) String() string { return strings.Join(f.values, ",") }

func (f *listFlag) Set(v string) error {
	if !f.set {
		f.values, f.set = nil, true
	}
	f.values = append(f.values, v)
	return nil
}

// demoSignIn is the console's "sign in as a demo center": a 15-minute token of the
// center's demo key with the roles the demo tokens have.
func demoSignIn(dataDir string) *server.DemoSignIn {
	d := &server.DemoSignIn{Mint: func(code string) (string, error) {
		return demo.Token(dataDir, code, "console-demo", []string{"publisher", "coordinator"}, 15*time.Minute)
	}}
	for _, c := range demo.Centers {
		d.Centers = append(d.Centers, server.DemoCenter{Code: c.Code, Name: c.Name})
	}
	return d
}
