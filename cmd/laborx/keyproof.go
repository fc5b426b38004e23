package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
)

// runTokenProof prints a proof of possession of a new key, for addCenterKey's proof
// when a center's coordinator rotates the center's keys.
func runTokenProof(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token proof", "token proof --center CODE --key NEWKEY.pem [--kid KID] [--ttl 10m]", stderr)
	center := fs.String("center", "", "the center that registers the key (the iss claim)")
	keyFile := fs.String("key", "", "the NEW private key PEM file; its base name without .pem is the kid unless --kid is given")
	kid := fs.String("kid", "", "the new key's kid (the kid header and the sub claim)")
	ttl := fs.Duration("ttl", 10*time.Minute, "lifetime, at most 1h")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *center == "" || *keyFile == "" {
		return fmt.Errorf("give --center CODE and --key NEWKEY.pem")
	}
	if *ttl <= 0 || *ttl > auth.MaxLifetime {
		return fmt.Errorf("--ttl must be more than 0 and at most %s", auth.MaxLifetime)
	}
	priv, fileKID, err := demo.ReadKey(*keyFile)
	if err != nil {
		return err
	}
	if *kid == "" {
		*kid = fileKID
	}
	proof, err := auth.MintKeyPossession(priv, *kid, strings.ToUpper(*center), *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, proof)
	return nil
}
