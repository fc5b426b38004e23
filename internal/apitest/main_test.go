package apitest_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/laborx/laborx/internal/pgtest"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Every test has its own database and server and spends most of its time waiting
	// on PostgreSQL and HTTP, not on the CPU: run more of them at once than there are
	// cores, unless -parallel says how many.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
	dir, err := newGoldenDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	golden.dir = dir
	code := pgtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}
