package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/devdb"
)

// TestDataDirRemoveDeletesARelocatedCluster puts the data dir under a closed folder
// (a checkout under /root): as root the cluster is relocated, and `laborx data-dir
// remove` deletes it with the data dir, after refusing while it runs.
func TestDataDirRemoveDeletesARelocatedCluster(t *testing.T) {
	home := filepath.Join(filepath.Dir(traversableTempDir(t)), "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(home, ".laborx")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(dataDir, "pg")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	relocated := os.Geteuid() == 0
	if got := strings.HasPrefix(c.DataDir(), "/var/lib/laborx/clusters/"); got != relocated {
		t.Errorf("cluster at %s: relocated %v, want %v", c.DataDir(), got, relocated)
	}
	if err := run(ctx, []string{"data-dir", "remove", "--data-dir", dataDir}, io.Discard, io.Discard); err == nil {
		t.Error("data-dir remove deleted a running cluster")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"data-dir", "remove", "--data-dir", dataDir}, io.Discard, io.Discard); err != nil {
		t.Fatalf("data-dir remove: %v", err)
	}
	gone := []string{dataDir}
	if relocated {
		gone = append(gone, filepath.Dir(c.DataDir())) // the relocation's own folder
	}
	for _, p := range gone {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there (%v)", p, err)
		}
	}
}

// checkDataDirLayout wants a data dir the postgres OS user can pass through to its
// cluster, which therefore lives inside it, with the private keys 0600 in 0700 folders.
func checkDataDirLayout(t *testing.T, dataDir string) {
	t.Helper()
	modes := map[string]fs.FileMode{
		dataDir: 0o755, filepath.Join(dataDir, "keys"): 0o700, filepath.Join(dataDir, "operator"): 0o700,
		filepath.Join(dataDir, "keys", "pii.key"): 0o600, filepath.Join(dataDir, "keys", "TNG-demo.pem"): 0o600,
		filepath.Join(dataDir, "operator", "operator-dev.pem"): 0o600,
	}
	for p, want := range modes {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("data dir layout: %v", err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", p, got, want)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dataDir, "pg")); err != nil || !fi.IsDir() {
		t.Errorf("the cluster is not inside the data dir (%v)", err)
	}
}
