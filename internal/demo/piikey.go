package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/laborx/laborx/internal/pii"
)

// PIIKeyPath is where a demo exchange keeps the key that encrypts workers' national IDs.
func PIIKeyPath(dataDir string) string {
	return filepath.Join(dataDir, "pii.key")
}

// EnsurePIIKey returns the data dir's PII key, generating it (0600) on first use, so a
// demo exchange reads its workers back after a restart.
func EnsurePIIKey(dataDir string) ([]byte, error) {
	path := PIIKeyPath(dataDir)
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := pii.ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read PII key: %w", err)
	}
	encoded, err := pii.GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write PII key: %w", err)
	}
	if _, err := f.WriteString(encoded + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write PII key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write PII key: %w", err)
	}
	return pii.ParseKey(encoded)
}
