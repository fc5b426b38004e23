// Package postgres implements laborx's services on PostgreSQL with pgx v5. Each public
// method runs in one transaction with a fixed `now`, checks the caller's rights inside
// it (marked `// authz:`), and calls the rules in internal/exchange; this package holds
// the SQL and nothing else.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
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
	return &DB{Pool: pool, Catalog: catalog, Now: time.Now}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Tx is a transaction with the fixed time and caller every statement in it uses.
type Tx struct {
	pgx.Tx
	now    time.Time
	caller *exchange.Principal
}

// inTx runs fn in a transaction and commits it when fn returns nil. The rollback runs
// even when ctx was cancelled, so a dropped request never leaves a transaction open.
func (db *DB) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	ptx, err := db.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: ptx, now: db.Now().UTC().Truncate(time.Microsecond), caller: auth.FromContext(ctx)}
	if err := fn(tx); err != nil {
		_ = ptx.Rollback(context.WithoutCancel(ctx))
		return translate(err)
	}
	if err := ptx.Commit(ctx); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// caller returns the authenticated caller or UNAUTHENTICATED.
func caller(ctx context.Context) (*exchange.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, exchange.Errorf(exchange.CodeUnauthenticated, "authentication required")
	}
	return p, nil
}

// callerWithRole returns the caller if it holds role r (or a role that implies it);
// the call sites say which rule it enforces with an `// authz:` comment.
func callerWithRole(ctx context.Context, r exchange.Role) (*exchange.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(r); err != nil {
		return nil, err
	}
	return p, nil
}

// translate maps database errors to application errors in one place; anything it does
// not recognise stays as it is and reaches clients as INTERNAL.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var appErr *exchange.Error
	var appErrs exchange.Errors
	if errors.As(err, &appErr) || errors.As(err, &appErrs) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return exchange.Errorf(exchange.CodeNotFound, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			if msg, ok := uniqueMessages[pgErr.ConstraintName]; ok {
				return exchange.FieldErrorf(msg.field, exchange.CodeTaken, "%s", msg.text)
			}
			return exchange.Errorf(exchange.CodeTaken, "already exists")
		case "23503": // foreign_key_violation
			return exchange.Errorf(exchange.CodeInvalid, "refers to something that does not exist")
		case "23514": // check_violation
			if msg, ok := checkMessages[pgErr.ConstraintName]; ok {
				return exchange.FieldErrorf(msg.field, msg.code, "%s", msg.text)
			}
			return exchange.Errorf(exchange.CodeInvalid, "value not allowed (%s)", pgErr.ConstraintName)
		}
	}
	return err
}

type constraintMessage struct {
	field []string
	code  exchange.Code
	text  string
}

// uniqueMessages names the input field behind each unique constraint.
var uniqueMessages = map[string]constraintMessage{
	"centers_code_key":    {field: []string{"input", "code"}, text: "a center with this code is already registered"},
	"center_keys_kid_key": {field: []string{"input", "kid"}, text: "a key with this kid is already registered"},
}

// checkMessages turns CHECK constraints that back up business rules into user errors;
// the services check first, so these fire only under races the checks cannot see.
var checkMessages = map[string]constraintMessage{}
