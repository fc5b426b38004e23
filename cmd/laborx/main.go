// Command laborx runs the inter-provincial labor supply exchange and its tools: the
// server, migrations, center and key registration, token minting and demo data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/laborx/laborx/internal/redact"
)

const usage = `laborx — the inter-provincial labor supply exchange

Usage: laborx <command> [flags]

Commands:
  serve      run the GraphQL API (embedded PostgreSQL unless LABORX_DATABASE_URL is set)
  migrate    up | down | status: apply or inspect database migrations
  center     add | add-key | list: register centers and their token keys
  token      mint: sign a token with a center's (or the operator's) private key
  operator   init: create the operator key pair and JWKS for development
  seed       --demo: load the demo centers, keys and data
  bench      load a local server with a request mix and report throughput and latency
  import     supply | demand FILE --center CODE: publish postings from a CSV file
  agreement  verify FILE | sign: check an agreement's signatures offline, or make a JWS
  schema     print the whole GraphQL SDL (the committed schema.graphql)
  data-dir   remove: delete a data dir and its embedded cluster, wherever it lives

Run "laborx <command> --help" for a command's flags. Flags also read LABORX_*
environment variables (LABORX_DATABASE_URL, LABORX_ADDR, LABORX_DATA_DIR, ...).
`

func main() {
	ctx, stop := signalContext(context.Background(), os.Stderr, os.Exit)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "laborx:", redact.String(err.Error()))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "center":
		return runCenter(ctx, rest, stdout, stderr)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "operator":
		return runOperator(ctx, rest, stdout, stderr)
	case "seed":
		return runSeed(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "schema":
		return runSchema(ctx, rest, stdout, stderr)
	case "agreement":
		return runAgreement(ctx, rest, stdout, stderr)
	case "data-dir":
		return runDataDir(ctx, rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// subcommand splits "center add ..." into its verb and the verb's flags.
func subcommand(args []string, stdout io.Writer, help string, verbs ...string) (string, []string, error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, help)
		if len(args) == 0 {
			return "", nil, fmt.Errorf("expected one of %v", verbs)
		}
		return "", nil, flag.ErrHelp
	}
	for _, v := range verbs {
		if args[0] == v {
			return v, args[1:], nil
		}
	}
	fmt.Fprint(stdout, help)
	return "", nil, fmt.Errorf("unknown subcommand %q, expected one of %v", args[0], verbs)
}

// newFlags returns a flag set that prints its usage to w and reports errors instead
// of exiting.
func newFlags(name, synopsis string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: laborx %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// env returns the LABORX_* environment variable or a default, so every flag can be
// set from the environment.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
