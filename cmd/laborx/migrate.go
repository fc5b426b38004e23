package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/redact"
)

const migrateHelp = `Usage: laborx migrate up|down|status [--data-dir DIR] [--database-url URL]

  up      apply every pending migration
  down    roll back the latest migration
  status  list migrations and whether each is applied
`

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	verb, rest, err := subcommand(args, stdout, migrateHelp, "up", "down", "status")
	if err != nil {
		return err
	}
	fs := newFlags("migrate "+verb, "migrate "+verb+" [flags]", stderr)
	db := dbFlags{attach: true}
	db.register(fs)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{ReplaceAttr: redact.Attr}))
	database, err := db.open(ctx, logger)
	if err != nil {
		return err
	}
	defer database.Close(ctx)
	if verb == "up" {
		return migrateUp(ctx, database.URL, logger)
	}
	pool, err := pgxpool.New(ctx, database.URL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	m, err := postgres.NewMigrator(stdlib.OpenDBFromPool(pool), nil)
	if err != nil {
		return err
	}
	switch verb {
	case "down":
		r, err := m.Down(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		fmt.Fprintf(stdout, "rolled back %d %s\n", r.Source.Version, filepath.Base(r.Source.Path))
	case "status":
		statuses, err := m.Status(ctx)
		if err != nil {
			return fmt.Errorf("migrate status: %w", err)
		}
		for _, s := range statuses {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
			}
			name := filepath.Base(s.Source.Path)
			if name == "." || name == "" {
				name = "(go) reference data"
			}
			fmt.Fprintf(stdout, "%5d  %-40s %s\n", s.Source.Version, name, applied)
		}
	}
	return nil
}
