package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The data dir's layout lets the postgres OS user (which runs the embedded cluster when
// laborx runs as root) reach <data-dir>/pg while the private keys stay private: the
// data dir is traversable (0755), every key is a 0600 file in a 0700 folder (keys/,
// operator/). The cluster then lives inside the data dir, and deleting the data dir
// deletes it; it is relocated only when a parent of the data dir is closed (a checkout
// under /root).

// ensureKeyFolder creates the data dir (traversable) and the 0700 folder of key file
// path.
func ensureKeyFolder(path string) error {
	folder := filepath.Dir(path)
	if err := ensureDataDir(filepath.Dir(folder)); err != nil {
		return err
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return fmt.Errorf("create key folder: %w", err)
	}
	return nil
}

// ensureDataDir creates dataDir, and missing parents, with mode 0755 whatever the umask;
// an existing one is left as it is.
func ensureDataDir(dataDir string) error {
	if _, err := os.Stat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(dataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	return nil
}
