package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/laborx/laborx/internal/pii"
)

// PIIKeyPath is where a demo exchange keeps the key that encrypts workers' national IDs:
// with the other private keys, in a folder only its owner may enter.
func PIIKeyPath(dataDir string) string {
	return filepath.Join(dataDir, "keys", "pii.key")
}

// legacyPIIKeyPath is where data dirs made before the keys folder kept it.
func legacyPIIKeyPath(dataDir string) string {
	return filepath.Join(dataDir, "pii.key")
}

// EnsurePIIKey returns the data dir's PII key, generating it (0600) on first use, so a
// demo exchange reads its workers back after a restart.
func EnsurePIIKey(dataDir string) ([]byte, error) {
	path := PIIKeyPath(dataDir)
	if err := moveLegacyPIIKey(dataDir); err != nil {
		return nil, err
	}
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
	if err := ensureKeyFolder(path); err != nil {
		return nil, err
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

// moveLegacyPIIKey moves a PII key from the data dir's top into the keys folder.
func moveLegacyPIIKey(dataDir string) error {
	if _, err := os.Stat(legacyPIIKeyPath(dataDir)); err != nil {
		return nil
	}
	if err := ensureKeyFolder(PIIKeyPath(dataDir)); err != nil {
		return err
	}
	if err := os.Rename(legacyPIIKeyPath(dataDir), PIIKeyPath(dataDir)); err != nil {
		return fmt.Errorf("move the PII key into the keys folder: %w", err)
	}
	return nil
}
