// Package demo builds the demonstration exchange of DESIGN §9: five provincial centers
// with keys kept under the data directory, operator keys for development, and
// realistic data, so a new user can query a live exchange with a printed token.
package demo

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/laborx/laborx/internal/auth"
)

// A key file is a PKCS#8 private key PEM whose base name (without .pem) is its kid:
// the file says which key it is, with nothing else to keep in step.

// CenterKeyPath is where the demo key of a center is kept: <code>-demo.pem, or
// <code>-demo-<fingerprint>.pem when another data dir's instance had registered the
// first name on the same database.
func CenterKeyPath(dataDir, centerCode string) string {
	path := filepath.Join(dataDir, "keys", centerCode+"-demo.pem")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if own, _ := filepath.Glob(filepath.Join(dataDir, "keys", centerCode+"-demo-*.pem")); len(own) > 0 {
		return own[0]
	}
	return path
}

// OperatorKeyPath is where the development operator's private key is kept.
func OperatorKeyPath(dataDir string) string {
	return filepath.Join(dataDir, "operator", "operator-dev.pem")
}

// OperatorJWKSPath is where the operator's public keys are kept for `serve`.
func OperatorJWKSPath(dataDir string) string {
	return filepath.Join(dataDir, "operator", "jwks.json")
}

// KIDOf returns the kid a key file stands for.
func KIDOf(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".pem")
}

// ReadKey reads a private key file and its kid.
func ReadKey(path string) (crypto.Signer, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read key: %w", err)
	}
	k, err := auth.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, "", fmt.Errorf("read key %s: %w", path, err)
	}
	return k, KIDOf(path), nil
}

// WriteNewKey generates an Ed25519 key, writes it to path (0600) unless a file is
// already there, and returns the key and whether it was created.
func WriteNewKey(path string) (crypto.Signer, bool, error) {
	if k, _, err := ReadKey(path); err == nil {
		return k, false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	priv, err := auth.GenerateEd25519()
	if err != nil {
		return nil, false, err
	}
	pemBytes, err := auth.MarshalPrivateKeyPEM(priv)
	if err != nil {
		return nil, false, err
	}
	if err := ensureKeyFolder(path); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		return nil, false, fmt.Errorf("write key: %w", err)
	}
	return priv, true, nil
}

// EnsureOperatorKeys creates the development operator key and its JWKS if missing and
// returns the key set `serve` verifies operator tokens with.
func EnsureOperatorKeys(dataDir string) (*auth.KeySet, error) {
	priv, _, err := WriteNewKey(OperatorKeyPath(dataDir))
	if err != nil {
		return nil, err
	}
	jwk, err := auth.PublicJWK(priv.Public(), KIDOf(OperatorKeyPath(dataDir)), "EdDSA")
	if err != nil {
		return nil, err
	}
	jwks, err := auth.MarshalJWKS(jwk)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(OperatorJWKSPath(dataDir), jwks, 0o644); err != nil {
		return nil, fmt.Errorf("write operator JWKS: %w", err)
	}
	return auth.ParseJWKS(jwks)
}
