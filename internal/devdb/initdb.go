package devdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const (
	// superuser is the cluster's only role created by initdb.
	superuser = "laborx"
	// passwordFile, inside the data directory, keeps the superuser's password between
	// starts: mode 0600, readable by the owner of the data directory and by root.
	passwordFile = "laborx.password"
)

// initCluster runs initdb for dataDir unless a cluster is already there. initdb works in a
// staging directory next to dataDir, which is renamed into place only once the password
// file is written, so an interrupted first start leaves no half-made cluster behind.
func initCluster(ctx context.Context, bins Binaries, dataDir string, acct *account, ephemeral bool, log *slog.Logger) error {
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	staging, err := os.MkdirTemp(filepath.Dir(dataDir), "."+filepath.Base(dataDir)+".initdb-")
	if err != nil {
		return fmt.Errorf("initialize cluster: %w", err)
	}
	defer os.RemoveAll(staging)
	if err := chown(staging, acct); err != nil {
		return fmt.Errorf("initialize cluster: %w", err)
	}

	// rand.Text is base32: safe in a URL without escaping.
	password := rand.Text()
	pwfile := filepath.Join(staging, "pwfile")
	if err := writeOwned(pwfile, password, acct); err != nil {
		return fmt.Errorf("initialize cluster: %w", err)
	}
	staged := filepath.Join(staging, "data")
	if err := runInitdb(ctx, bins.Initdb, staged, pwfile, acct, ephemeral); err != nil {
		return err
	}
	if err := writeOwned(filepath.Join(staged, passwordFile), password, acct); err != nil {
		return fmt.Errorf("initialize cluster: %w", err)
	}
	if err := os.Rename(staged, dataDir); err != nil {
		return fmt.Errorf("initialize cluster: %w", err)
	}
	log.Info("initialized postgres cluster", "data_dir", dataDir)
	return nil
}

// runInitdb creates a cluster that accepts only password logins over TCP. Ephemeral
// clusters skip the final fsync, which saves seconds per test process.
func runInitdb(ctx context.Context, initdb, dataDir, pwfile string, acct *account, ephemeral bool) error {
	args := []string{
		"-D", dataDir,
		"-U", superuser,
		"--pwfile", pwfile,
		"-E", "UTF8",
		"--locale", initdbLocale(),
		"--auth-host=scram-sha-256",
		"--auth-local=peer",
		"--no-instructions",
	}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, initdb, args...)
	// initdb resolves its own path from the working directory, which must be reachable
	// by the postgres OS user; a checkout under /root is not.
	cmd.Dir = "/"
	cmd.SysProcAttr = procAttr(acct)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// initdbLocale prefers C.UTF-8: it sorts bytewise like C, but classifies non-ASCII
// letters, so upper() and ILIKE work on Vietnamese text. Older systems lack it.
func initdbLocale() string {
	out, err := exec.Command("locale", "-a").Output()
	if err != nil {
		return "C"
	}
	for line := range strings.Lines(string(out)) {
		if strings.ReplaceAll(strings.ToLower(strings.TrimSpace(line)), "-", "") == "c.utf8" {
			return "C.UTF-8"
		}
	}
	return "C"
}

// writeOwned writes a private file owned by acct.
func writeOwned(path, content string, acct *account) error {
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		return err
	}
	return chown(path, acct)
}

// readPassword reads the superuser password written at initdb time.
func readPassword(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, passwordFile))
	if err != nil {
		return "", fmt.Errorf("read superuser password: %w", err)
	}
	return string(bytes.TrimSpace(b)), nil
}
