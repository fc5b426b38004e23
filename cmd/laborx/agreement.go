package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/proof"
)

const agreementHelp = `Usage: laborx agreement verify FILE
       laborx agreement sign --center CODE --hash TERMSHASH [--key FILE] [--kid KID]

verify checks every signature of an agreement offline: it recomputes each revision's
termsHash from its title, parties and terms and verifies each signature's JWS with the
signing center's published key. FILE ("-" for standard input) is
{"agreement": <the agreement as the query of docs/agreement-signatures.md returns it>,
 "jwks": {"CODE": <GET /.well-known/centers/CODE/jwks.json>, ...}}.
It prints one line per signature and exits 1 unless every one is proven.

sign prints the detached JWS a center's system sends as signAgreement's jws: the
termsHash signed with the center's private key (without --key, the demo key kept under
--data-dir).
`

func runAgreement(_ context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, agreementHelp, "verify", "sign")
	if err != nil {
		return err
	}
	if verb == "sign" {
		return runAgreementSign(rest, stdout, stderr)
	}
	fs := newFlags("agreement verify", "agreement verify FILE", stderr)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("give one FILE (or - for standard input)")
	}
	in := io.Reader(os.Stdin)
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("agreement verify: %w", err)
		}
		defer f.Close()
		in = f
	}
	return proof.Run(in, stdout)
}

var termsHashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func runAgreementSign(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("agreement sign", "agreement sign --center CODE --hash TERMSHASH [--key FILE] [--kid KID]", stderr)
	dataDir := fs.String("data-dir", env("LABORX_DATA_DIR", "./.laborx"), "where the demo keys are kept (LABORX_DATA_DIR)")
	center := fs.String("center", "", "signing center code (picks its demo key when --key is not given)")
	hash := fs.String("hash", "", "the revision's termsHash (64 lowercase hex digits)")
	keyFile := fs.String("key", "", "private key PEM file; its base name without .pem is the kid unless --kid is given")
	kid := fs.String("kid", "", "key id (the kid header)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !termsHashPattern.MatchString(*hash) {
		return fmt.Errorf("--hash must be a termsHash: 64 lowercase hex digits")
	}
	path := *keyFile
	if path == "" {
		if *center == "" {
			return fmt.Errorf("give --key FILE or --center CODE")
		}
		path = demo.CenterKeyPath(*dataDir, strings.ToUpper(*center))
	}
	priv, fileKID, err := demo.ReadKey(path)
	if err != nil {
		return err
	}
	if *kid == "" {
		*kid = fileKID
	}
	jws, err := auth.SignDetached(priv, *kid, []byte(*hash))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, jws)
	return nil
}
