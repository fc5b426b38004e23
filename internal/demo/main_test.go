package demo_test

import (
	"context"
	"os"
	"testing"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
)

// TestMain stops the throwaway PostgreSQL cluster after the tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// newDB returns a store on a fresh database with a random PII key, as serve --demo has.
func newDB(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.New(context.Background(), pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	key, err := pii.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := pii.ParseKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if db.PII, err = pii.New(raw); err != nil {
		t.Fatal(err)
	}
	return db
}
