package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/postgres"
)

// Laborx migrates a template database with laborx's own goose migrations; pgtestdb
// clones fresh test databases from it and rebuilds it when the migrations change.
// (pgtestdb's goose submodule is not available here, and its Migrator interface is
// two methods.)
var Laborx pgtestdb.Migrator = laborxMigrator{}

type laborxMigrator struct{}

// Hash is asked for at every test database; the embedded migrations cannot change
// while the process runs, so they are hashed once.
func (laborxMigrator) Hash() (string, error) { return migrationsHash() }

var migrationsHash = sync.OnceValues(postgres.MigrationsHash)

func (laborxMigrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}
