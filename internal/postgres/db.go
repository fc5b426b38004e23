// Package postgres implements laborx's services on PostgreSQL with pgx v5. Each public
// method runs in one transaction with a fixed `now`, checks the caller's rights inside
// it (marked `// authz:`), and calls the rules in internal/exchange; this package holds
// the SQL and nothing else.
package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pii"
)

// DBTX is what query helpers need: satisfied by the pool and by a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// DB is the store: a pool, the reference data catalog and a clock.
type DB struct {
	Pool    *pgxpool.Pool
	Catalog *exchange.Catalog
	// Now is the clock; tests replace it to control time.
	Now func() time.Time
	// PII encrypts and hashes workers' national IDs; referrals need it.
	PII *pii.Protector
	// seq batches the numbering of published changes (sequencer.go); nil in a DB
	// built by hand, whose publishers number their changes themselves.
	seq *sequencer
}

// Open connects to dsn and loads the reference data catalog. Migrations must be current.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenTraced(ctx, dsn, nil)
}

// OpenTraced is Open with a tracer that sees every statement (nil for none).
func OpenTraced(ctx context.Context, dsn string, tracer pgx.QueryTracer) (*DB, error) {
	return OpenWith(ctx, dsn, PoolOptions{Tracer: tracer})
}

// New wraps an existing pool.
func New(ctx context.Context, pool *pgxpool.Pool) (*DB, error) {
	catalog, err := LoadCatalog(ctx, pool)
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool, Catalog: catalog, Now: time.Now, seq: newSequencer()}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }
