package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

const centerHelp = `Usage: laborx center add|add-key|list [flags]

  add      register a center: --code BKN --name "..." --province 19 [--email] [--phone]
  add-key  register a token key for a center: generates an Ed25519 pair and writes the
           private key to --out, or registers --public-key FILE with --alg
  list     list the registered centers
`

// withCenters runs fn with the center service, acting as the operator on this machine
// (the audit trail names the OS user).
func withCenters(ctx context.Context, db *dbFlags, stderr io.Writer, fn func(ctx context.Context, s *postgres.CenterService) error) error {
	return db.withStore(ctx, stderr, func(store *postgres.DB, subject string) error {
		return fn(demo.OperatorContext(ctx, subject), postgres.NewCenterService(store))
	})
}

func runCenter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, centerHelp, "add", "add-key", "list")
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		return centerAdd(ctx, rest, stdout, stderr)
	case "add-key":
		return centerAddKey(ctx, rest, stdout, stderr)
	}
	return centerList(ctx, rest, stdout, stderr)
}

func centerAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("center add", "center add --code CODE --name NAME --province CODE [--email E] [--phone P]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	code := fs.String("code", "", "center code, 2–16 of A-Z 0-9 - (required)")
	name := fs.String("name", "", "center name (required)")
	province := fs.String("province", "", "2-digit code of a current province (required)")
	email := fs.String("email", "", "contact e-mail")
	phone := fs.String("phone", "", "contact phone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withCenters(ctx, &db, stderr, func(ctx context.Context, s *postgres.CenterService) error {
		c, err := s.RegisterCenter(ctx, exchange.RegisterCenterInput{Code: *code, Name: *name, ProvinceCode: *province, Email: email, Phone: phone})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "registered %s %s (province %s)\n", c.Code, c.Name, c.ProvinceCode)
		return nil
	})
}

func centerAddKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("center add-key", "center add-key --center CODE [--kid KID] [--out FILE | --public-key FILE --alg ALG]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	center := fs.String("center", "", "center code (required)")
	kid := fs.String("kid", "", "key id; default CODE-YYYYMMDD-HHMMSS, or the --out file's base name")
	out := fs.String("out", "", "where to write the generated private key (default <data-dir>/keys/<kid>.pem)")
	pubFile := fs.String("public-key", "", "register this PEM public key instead of generating a pair")
	alg := fs.String("alg", exchange.AlgEdDSA, "algorithm of --public-key: EdDSA, ES256 or RS256")
	notAfter := fs.Duration("valid-for", 0, "key expires after this long (0: no expiry)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	code := strings.ToUpper(*center)
	if code == "" {
		return fmt.Errorf("--center is required")
	}
	if *kid == "" && *out != "" {
		*kid = demo.KIDOf(*out)
	}
	if *kid == "" {
		*kid = fmt.Sprintf("%s-%s", code, time.Now().UTC().Format("20060102-150405"))
	}
	var pubPEM, keyPath string
	if *pubFile != "" {
		b, err := os.ReadFile(*pubFile)
		if err != nil {
			return err
		}
		pubPEM = string(b)
	} else {
		keyPath = *out
		if keyPath == "" {
			keyPath = filepath.Join(db.dataDir, "keys", *kid+".pem")
		}
		if _, err := os.Stat(keyPath); err == nil {
			return fmt.Errorf("%s exists; choose another --out or --kid", keyPath)
		}
		priv, _, err := demo.WriteNewKey(keyPath)
		if err != nil {
			return err
		}
		b, err := auth.MarshalPublicKeyPEM(priv.Public())
		if err != nil {
			return err
		}
		pubPEM, *alg = string(b), exchange.AlgEdDSA
	}
	in := exchange.AddCenterKeyInput{CenterCode: code, Kid: *kid, Alg: *alg, PublicKeyPem: pubPEM}
	if *notAfter > 0 {
		t := time.Now().Add(*notAfter).UTC()
		in.NotAfter = &t
	}
	return withCenters(ctx, &db, stderr, func(ctx context.Context, s *postgres.CenterService) error {
		k, err := s.AddCenterKey(ctx, in)
		if err != nil {
			if keyPath != "" {
				_ = os.Remove(keyPath)
			}
			return describe(err)
		}
		fmt.Fprintf(stdout, "registered key %s (%s) for %s\n", k.KID, k.Alg, code)
		if keyPath != "" {
			fmt.Fprintf(stdout, "private key: %s\nmint a token: laborx token mint --center %s --key %s --roles publisher\n", keyPath, code, keyPath)
		}
		return nil
	})
}

func centerList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("center list", "center list [flags]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withCenters(ctx, &db, stderr, func(ctx context.Context, s *postgres.CenterService) error {
		after := ""
		for {
			page, err := s.Centers(ctx, exchange.CenterFilter{}, exchange.PageArgs{First: exchange.MaxPageSize, After: after})
			if err != nil {
				return err
			}
			for _, c := range page.Items {
				fmt.Fprintf(stdout, "%-16s %-2s %-9s %s\n", c.Code, c.ProvinceCode, c.Status, c.Name)
			}
			if !page.HasNextPage {
				return nil
			}
			after = page.Cursors[len(page.Cursors)-1]
		}
	})
}

// describe turns validation errors into one readable line per field for the terminal.
func describe(err error) error {
	errs := exchange.AsErrors(err)
	if errs == nil {
		return err
	}
	var b strings.Builder
	for i, e := range errs {
		if i > 0 {
			b.WriteString("; ")
		}
		if len(e.Field) > 0 {
			fmt.Fprintf(&b, "%s: ", e.Field[len(e.Field)-1])
		}
		fmt.Fprintf(&b, "%s (%s)", e.Message, e.Code)
	}
	return fmt.Errorf("%s", b.String())
}
