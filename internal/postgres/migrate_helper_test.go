package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// migratedTo returns a fresh database taken down to version, and its migrator, for a
// test of what the migrations after it do to the rows made before them.
func migratedTo(t *testing.T, version int64) (*sql.DB, *goose.Provider) {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.NewDSN(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.DownTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db, m
}
