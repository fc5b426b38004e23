package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
)

const tokenHelp = `Usage: laborx token mint --center CODE --roles publisher,coordinator [--ttl 15m] [--key FILE]
       laborx token mint --operator [--ttl 15m]
       laborx token proof --center CODE --key NEWKEY.pem [--kid KID]

Prints only the token. Without --key it signs with the demo key of the center kept
under --data-dir (created by "laborx serve --demo" or "laborx seed --demo").
proof prints the proof of possession of a new key that addCenterKey's proof takes when
a center's coordinator adds the key (docs/agreement-signatures.md, key rotation).
`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, tokenHelp, "mint", "proof")
	if err != nil {
		return err
	}
	if verb == "proof" {
		return runTokenProof(rest, stdout, stderr)
	}
	fs := newFlags("token "+verb, "token mint --center CODE --roles ROLES [--ttl 15m] [--key FILE] | --operator", stderr)
	dataDir := fs.String("data-dir", env("LABORX_DATA_DIR", "./.laborx"), "where the demo and operator keys are kept (LABORX_DATA_DIR)")
	center := fs.String("center", "", "issuing center code (the iss claim)")
	operator := fs.Bool("operator", false, "mint an operator token with the development operator key")
	roles := fs.String("roles", "publisher", "comma-separated roles: publisher, coordinator, viewer")
	ttl := fs.Duration("ttl", 15*time.Minute, "lifetime, at most 1h")
	keyFile := fs.String("key", "", "private key PEM file; its base name without .pem is the kid unless --kid is given")
	kid := fs.String("kid", "", "key id (the kid header)")
	subject := fs.String("sub", "", "user within the center (the sub claim); default cli-user")
	audience := fs.String("audience", env("LABORX_AUDIENCE", auth.DefaultAudience), "aud claim")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > auth.MaxLifetime {
		return fmt.Errorf("--ttl must be more than 0 and at most %s", auth.MaxLifetime)
	}
	sub := *subject
	if sub == "" {
		sub = "cli-user"
	}
	path := *keyFile
	issuer := strings.ToUpper(*center)
	switch {
	case *operator:
		issuer = auth.OperatorIssuer
		if path == "" {
			path = demo.OperatorKeyPath(*dataDir)
		}
	case issuer == "":
		return fmt.Errorf("give --center CODE or --operator")
	case path == "":
		path = demo.CenterKeyPath(*dataDir, issuer)
	}
	priv, fileKID, err := demo.ReadKey(path)
	if err != nil {
		return err
	}
	if *kid == "" {
		*kid = fileKID
	}
	var roleList []string
	if !*operator {
		for _, r := range strings.Split(*roles, ",") {
			if r = strings.TrimSpace(r); r != "" {
				roleList = append(roleList, r)
			}
		}
	}
	tok, err := auth.Mint(priv, *kid, auth.Claims{Issuer: issuer, Subject: sub, Audience: []string{*audience}, Roles: roleList, TTL: *ttl})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
