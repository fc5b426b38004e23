package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/laborx/laborx/internal/devdb"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/redact"
)

// dbFlags are the flags of every command that needs the database.
type dbFlags struct {
	dataDir     string
	databaseURL secret
	// ownerURL connects as the tables' owner, for migrations and tools; empty: the
	// same as databaseURL (then row-level security is not in force, see
	// docs/database-roles.md).
	ownerURL secret
	// listenURL is a direct (not pooled) connection to the primary, for LISTEN and,
	// without ownerURL, migrations and tools: behind PgBouncer in transaction mode
	// notifications and session advisory locks do not work. Empty: databaseURL.
	listenURL secret
	// attach: use the embedded cluster a running serve started (tools); serve itself
	// starts its own and refuses a second one.
	attach bool
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", env("LABORX_DATA_DIR", "./.laborx"),
		"directory for the embedded PostgreSQL cluster, demo keys and operator keys (LABORX_DATA_DIR)")
	secretVar(fs, &f.databaseURL, "database-url", "LABORX_DATABASE_URL",
		"PostgreSQL `URL` the service connects with; empty starts the embedded cluster under <data-dir>/pg (LABORX_DATABASE_URL)")
	secretVar(fs, &f.ownerURL, "migrate-database-url", "LABORX_MIGRATE_DATABASE_URL",
		"PostgreSQL `URL` of the tables' owner, for migrations and tools; empty: --database-url (LABORX_MIGRATE_DATABASE_URL)")
	secretVar(fs, &f.listenURL, "listen-database-url", "LABORX_LISTEN_DATABASE_URL",
		"direct PostgreSQL `URL` of the primary (not through a pooler) for LISTEN/NOTIFY and, without --migrate-database-url, migrations; empty: --database-url (LABORX_LISTEN_DATABASE_URL)")
}

// database is an open database's connection strings and what must be stopped when
// done. URL connects as the tables' owner (migrations, tools); AppURL as the service's
// role, which row-level security binds.
type database struct {
	URL    string
	AppURL string
	// ListenURL is the direct URL of LISTEN (empty: AppURL).
	ListenURL string
	cluster   *devdb.Cluster
}

// openDatabase returns the configured database, or starts the embedded cluster.
func (f *dbFlags) open(ctx context.Context, logger *slog.Logger) (*database, error) {
	if f.databaseURL.value != "" {
		// Migrations hold a session advisory lock, which a transaction pooler would
		// take on one server connection and release on another: they go direct.
		return &database{URL: cmp.Or(f.ownerURL.value, f.listenURL.value, f.databaseURL.value), AppURL: f.databaseURL.value,
			ListenURL: f.listenURL.value}, nil
	}
	// Tools share the cluster of a `laborx serve` running on the same data dir.
	cluster, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(f.dataDir, "pg"), Logger: logger, Attach: f.attach})
	if err != nil {
		return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if err := cluster.EnsureDatabase(ctx, "laborx"); err != nil {
		_ = cluster.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	app, err := cluster.AppDSN(ctx, "laborx")
	if err != nil {
		_ = cluster.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return &database{URL: cluster.DSN("laborx"), AppURL: app, cluster: cluster}, nil
}

// Close stops the embedded cluster, if this process started one.
func (d *database) Close(ctx context.Context) error {
	if d.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return d.cluster.Stop(ctx)
}

// migrateUp applies every pending migration.
func migrateUp(ctx context.Context, url string, logger *slog.Logger) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer pool.Close()
	m, err := postgres.NewMigrator(stdlib.OpenDBFromPool(pool), nil)
	if err != nil {
		return err
	}
	results, err := m.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	for _, r := range results {
		logger.Info("migrated", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// withStore opens the database and the store for a command run on the server's own
// machine, and passes the name the audit trail gives the OS user who ran it.
func (f *dbFlags) withStore(ctx context.Context, stderr io.Writer, fn func(store *postgres.DB, subject string) error) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: redact.Attr}))
	database, err := f.open(ctx, logger)
	if err != nil {
		return err
	}
	defer database.Close(ctx)
	store, err := postgres.Open(ctx, database.URL)
	if err != nil {
		return err
	}
	defer store.Close()
	subject := "cli"
	if u, err := user.Current(); err == nil {
		subject = "cli:" + u.Username
	}
	return fn(store, subject)
}
