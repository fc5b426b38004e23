package apitest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/laborx/laborx/internal/devdb"
	"github.com/laborx/laborx/internal/postgres"
)

// golden is a stopped cluster with the laborx database migrated, made once per test
// process: each restartable cluster starts as a copy of its files. initdb and the
// migrations from scratch cost about 2.5 s of CPU per cluster, a copy of the files a
// tenth of that; the copy is a cluster of its own all the same (its own files, server
// and port). dir is made by TestMain, which removes it after the tests.
var golden struct {
	dir  string
	once sync.Once
	err  error
}

// copyGoldenCluster makes the golden cluster if it is not yet, then copies its files
// to dst (modes and owners kept: the postgres OS user owns them when root runs this).
func copyGoldenCluster(dst string) error {
	golden.once.Do(func() { golden.err = makeGoldenCluster(filepath.Join(golden.dir, "pg")) })
	if golden.err != nil {
		return fmt.Errorf("golden cluster: %w", golden.err)
	}
	if out, err := exec.Command("cp", "-a", filepath.Join(golden.dir, "pg"), dst).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the golden cluster: %w: %s", err, out)
	}
	return nil
}

func makeGoldenCluster(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, devdb.Options{Dir: dir})
	if err != nil {
		return err
	}
	defer c.Stop(context.WithoutCancel(ctx)) //nolint:errcheck // a failed stop fails the copies' start
	if err := c.EnsureDatabase(ctx, "laborx"); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, c.DSN("laborx"))
	if err != nil {
		return err
	}
	defer pool.Close()
	m, err := postgres.NewMigrator(stdlib.OpenDBFromPool(pool), nil)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	pool.Close()
	return c.Stop(ctx)
}

// newGoldenDir is the folder of the golden cluster, which the postgres OS user must be
// able to pass through.
func newGoldenDir() (string, error) {
	dir, err := os.MkdirTemp("", "laborx-golden-")
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}
