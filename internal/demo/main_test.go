package demo_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
)

// TestMain stops the throwaway PostgreSQL cluster after the tests, and removes the
// data dir the seeded template's keys are kept in.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "laborx-demo-seed-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	seeded.dir = dir
	code := pgtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// seeded is the template every test starts from: the migrations and one demo.Seed.
// Seeding replays 18 months of history through the services, seconds of work; each
// test clones the result (tens of milliseconds) and checks what a second seed, a later
// one or --scale does on it. The first seed of an empty database is the template's
// build: when it fails, every test fails with its error.
var seeded = &seedMigrator{}

// seedMigrator builds the seeded template. Everything the template depends on is fixed
// by the test binary, so a server shared by test runs (pgtest.URLEnv) reuses it only
// when that is right: the hash is the binary's (the migrations and the seeding code are
// in it) and the day's (the demo's data is relative to today), the PII key and the
// centers' keys are derived from the hash, and each process writes the same key files
// into its data dir before the template is first used.
type seedMigrator struct {
	dir  string // the data dir the template was seeded with
	once sync.Once
	hash string
	err  error
}

// Hash is asked for at every test database.
func (s *seedMigrator) Hash() (string, error) {
	s.once.Do(func() { s.hash, s.err = s.prepare() })
	return s.hash + "-" + time.Now().UTC().Format(time.DateOnly), s.err
}

// prepare hashes the test binary and writes the centers' key files, derived from it.
func (s *seedMigrator) prepare() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.MkdirAll(filepath.Join(s.dir, "keys"), 0o700); err != nil {
		return "", err
	}
	for _, c := range demo.Centers {
		seed := sha256.Sum256([]byte("laborx demo test key " + c.Code + " " + sum))
		pem, err := auth.MarshalPrivateKeyPEM(ed25519.NewKeyFromSeed(seed[:]))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(s.dir, "keys", c.Code+"-demo.pem"), pem, 0o600); err != nil {
			return "", err
		}
	}
	return sum, nil
}

// piiKey is the template's PII key, derived from the hash like the centers' keys.
func (s *seedMigrator) piiKey() []byte {
	k := sha256.Sum256([]byte("laborx demo test PII key " + s.hash))
	return k[:pii.KeySize]
}

func (s *seedMigrator) Migrate(ctx context.Context, sqlDB *sql.DB, conf pgtestdb.Config) error {
	if err := pgtest.Laborx.Migrate(ctx, sqlDB, conf); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close() // a template with connections cannot be cloned
	db, err := store(pool, s.piiKey())
	if err != nil {
		return err
	}
	return demo.Seed(ctx, db, s.dir)
}

// seededDB returns a store on a fresh copy of the seeded template, and the data dir it
// was seeded with (its keys are those the database has).
func seededDB(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	pool := pgtest.NewPool(t, seeded) // seeded.piiKey needs the hash NewPool asks for
	db, err := store(pool, seeded.piiKey())
	if err != nil {
		t.Fatal(err)
	}
	return db, seeded.dir
}

// store is the demo's store on pool, with the PII key.
func store(pool *pgxpool.Pool, key []byte) (*postgres.DB, error) {
	db, err := postgres.New(context.Background(), pool)
	if err != nil {
		return nil, err
	}
	if db.PII, err = pii.New(key); err != nil {
		return nil, err
	}
	return db, nil
}
