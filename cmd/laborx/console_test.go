package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

// --cors-origin repeats; LABORX_CORS_ORIGINS (comma-separated) is the default that the
// first flag replaces.
func TestCORSOriginFlag(t *testing.T) {
	t.Setenv("LABORX_CORS_ORIGINS", "https://a.example.vn,https://b.example.vn")
	parse := func(args ...string) []string {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := newListFlag(fs, "cors-origin", "LABORX_CORS_ORIGINS", "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return f.values
	}
	if got := parse(); !slices.Equal(got, []string{"https://a.example.vn", "https://b.example.vn"}) {
		t.Errorf("from the environment: %v", got)
	}
	if got := parse("--cors-origin", "https://c.example.vn", "--cors-origin", "http://localhost:5173"); !slices.Equal(got,
		[]string{"https://c.example.vn", "http://localhost:5173"}) {
		t.Errorf("from flags: %v", got)
	}
}
