package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/laborx/laborx/internal/demo"
)

const operatorHelp = `Usage: laborx operator init [--data-dir DIR]

Creates a development operator key (<data-dir>/operator/operator-dev.pem) and the JWKS
that "laborx serve" verifies operator tokens with (<data-dir>/operator/jwks.json).
In production, give serve your own JWKS with --operator-jwks.
`

func runOperator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, operatorHelp, "init")
	if err != nil {
		return err
	}
	fs := newFlags("operator "+verb, "operator init [--data-dir DIR]", stderr)
	dataDir := fs.String("data-dir", env("LABORX_DATA_DIR", "./.laborx"), "data directory (LABORX_DATA_DIR)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if _, err := os.Stat(demo.OperatorKeyPath(*dataDir)); err == nil {
		fmt.Fprintf(stdout, "operator key already exists: %s\n", demo.OperatorKeyPath(*dataDir))
	}
	if _, err := demo.EnsureOperatorKeys(*dataDir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator key: %s\noperator JWKS: %s\n", demo.OperatorKeyPath(*dataDir), demo.OperatorJWKSPath(*dataDir))
	return nil
}
