package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/pii"
)

// piiKey decides the key that protects workers' national IDs: the flag or
// LABORX_PII_KEY; with --demo, a key kept under the data dir; otherwise none, and the
// server refuses to start rather than store personal data under a made-up key.
func piiKey(value, dataDir string, withDemo bool) ([]byte, error) {
	if value != "" {
		key, err := pii.ParseKey(value)
		if err != nil {
			return nil, fmt.Errorf("--pii-key / LABORX_PII_KEY: %w", err)
		}
		return key, nil
	}
	if withDemo {
		return demo.EnsurePIIKey(dataDir)
	}
	msg := "no PII key: set LABORX_PII_KEY (or --pii-key) to 32 random bytes in base64, e.g. `openssl rand -base64 32`; " +
		"it encrypts workers' national IDs and must stay the same across restarts (--demo generates one under the data dir)"
	if _, err := os.Stat(demo.PIIKeyPath(dataDir)); err == nil {
		msg += fmt.Sprintf("; a demo key is at %s: LABORX_PII_KEY=$(cat %s)", demo.PIIKeyPath(dataDir), demo.PIIKeyPath(dataDir))
	}
	return nil, errors.New(msg)
}
