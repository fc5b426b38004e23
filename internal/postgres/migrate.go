package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"

	"github.com/pressly/goose/v3"

	"github.com/laborx/laborx/internal/refdata"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// refdataVersion is the Go migration that loads the embedded reference data; it sits
// between the SQL files that create the tables and those that use them.
const refdataVersion = 2

// NewMigrator returns a goose provider over the embedded migrations for db.
func NewMigrator(db *sql.DB, logger *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithGoMigrations(goose.NewGoMigration(refdataVersion,
			&goose.GoFunc{RunTx: loadRefdata}, &goose.GoFunc{RunTx: unloadRefdata})),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(migrationLock{}),
	}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// migrationLockID is the PostgreSQL advisory lock that serialises migrations: any 64-bit
// number no other program on the database uses ("laborx" in ASCII).
const migrationLockID int64 = 0x6c61626f7278

// migrationLock makes instances that start together on one database migrate one at a
// time: the first applies what is pending, the others wait and then find nothing to
// do. Without it two fresh instances raced on CREATE EXTENSION and the version table.
// It blocks in pg_advisory_lock instead of polling as goose's own locker does (every
// 5 s), so the waiters start as soon as the first is done. The lock belongs to the
// session, so a migrator that dies releases it with its connection.
type migrationLock struct{}

func (migrationLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	return nil
}

func (migrationLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockID); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}

// MigrationsHash identifies the migrations and reference data compiled into this
// binary, so test templates are rebuilt exactly when either changes.
func MigrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrationFiles, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", path, b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	fmt.Fprintf(h, "%x", refdata.Checksum())
	return hex.EncodeToString(h.Sum(nil)), nil
}

// loadRefdata upserts provinces and occupations from the CSV files embedded in
// internal/refdata. A later migration that ships corrected titles can call it again.
func loadRefdata(ctx context.Context, tx *sql.Tx) error {
	provinces, err := refdata.Provinces()
	if err != nil {
		return err
	}
	occupations, err := refdata.Occupations()
	if err != nil {
		return err
	}
	// Current provinces first: dissolved ones reference their successor.
	sort.SliceStable(provinces, func(i, j int) bool { return provinces[i].IsCurrent && !provinces[j].IsCurrent })
	for _, p := range provinces {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO provinces (code, name, name_ascii, kind, is_current, former_name, dissolved_on, successor_code, merged_from)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), NULLIF($7, '')::date, NULLIF($8, ''), $9)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, name_ascii = EXCLUDED.name_ascii,
				kind = EXCLUDED.kind, is_current = EXCLUDED.is_current, former_name = EXCLUDED.former_name,
				dissolved_on = EXCLUDED.dissolved_on, successor_code = EXCLUDED.successor_code,
				merged_from = EXCLUDED.merged_from`,
			p.Code, p.Name, p.NameASCII, p.Kind, p.IsCurrent, p.FormerName, p.DissolvedOn, p.SuccessorCode, p.MergedFrom)
		if err != nil {
			return fmt.Errorf("load province %s: %w", p.Code, err)
		}
	}
	// Parents first: codes sort shorter-first only within a branch, so order by level.
	sort.SliceStable(occupations, func(i, j int) bool { return occupations[i].Level < occupations[j].Level })
	for _, o := range occupations {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO occupations (code, level, parent_code, title_en, title_vi)
			VALUES ($1, $2, NULLIF($3, ''), $4, NULLIF($5, ''))
			ON CONFLICT (code) DO UPDATE SET title_en = EXCLUDED.title_en, title_vi = EXCLUDED.title_vi`,
			o.Code, o.Level, o.ParentCode, o.TitleEn, o.TitleVi)
		if err != nil {
			return fmt.Errorf("load occupation %s: %w", o.Code, err)
		}
	}
	return nil
}

func unloadRefdata(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM occupations WHERE level = 4`); err != nil {
		return fmt.Errorf("unload refdata: %w", err)
	}
	for _, q := range []string{
		`DELETE FROM occupations WHERE level = 3`, `DELETE FROM occupations WHERE level = 2`,
		`DELETE FROM occupations`, `DELETE FROM provinces WHERE NOT is_current`, `DELETE FROM provinces`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("unload refdata: %w", err)
		}
	}
	return nil
}
