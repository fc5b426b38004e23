package pgtest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/pgtest"
)

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m))
}

// noteMigrator creates the extensions laborx needs, as the unprivileged role pgtestdb
// migrates with, and one table.
type noteMigrator struct{}

func (noteMigrator) Hash() (string, error) { return "pgtest-note-v1", nil }

func (noteMigrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	_, err := db.ExecContext(ctx, `
		CREATE EXTENSION pgcrypto;
		CREATE EXTENSION unaccent;
		CREATE EXTENSION pg_trgm;
		CREATE TABLE note (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text NOT NULL)`)
	return err
}

// insertNote adds a note and returns how many notes the database then holds.
func insertNote(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "INSERT INTO note (body) VALUES (unaccent('Hải Phòng'))"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM note").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewPool(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"First", "Second"} {
		t.Run(name, func(t *testing.T) {
			pool := pgtest.NewPool(t, noteMigrator{})
			if n := insertNote(t, pool); n != 1 {
				t.Errorf("notes after one insert = %d, want 1: the database was not fresh", n)
			}
			var db string
			if err := pool.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil {
				t.Fatal(err)
			}
			if seen[db] {
				t.Errorf("database %s handed out twice", db)
			}
			seen[db] = true
		})
	}
}

func TestNewPool_Parallel(t *testing.T) {
	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t, noteMigrator{})
			if n := insertNote(t, pool); n != 1 {
				t.Errorf("notes after one insert = %d, want 1", n)
			}
		})
	}
}

func TestNewDSN(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDSN(t, noteMigrator{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })

	var body string
	err = conn.QueryRow(ctx, "INSERT INTO note (body) VALUES ('x') RETURNING body").Scan(&body)
	if err != nil || body != "x" {
		t.Errorf("insert into the migrated table: %q, %v", body, err)
	}
}
