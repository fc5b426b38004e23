package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// Tx is a transaction with the fixed time and caller every statement in it uses.
type Tx struct {
	pgx.Tx
	now    time.Time
	caller *exchange.Principal
	// catalog describes the demands the transaction reads (readDemand).
	catalog *exchange.Catalog
	// pending: the transaction published a change still to be numbered (publishAll).
	pending bool
}

// now is the store's clock as transactions see it: UTC, at PostgreSQL's precision, so
// a time written and read back compares equal.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// WithTx runs fn in one transaction at a fixed now and commits when fn returns nil.
func WithTx(ctx context.Context, db *DB, fn func(tx *Tx) error) error {
	_, err := WithTxV(ctx, db, func(tx *Tx) (struct{}, error) { return struct{}{}, fn(tx) })
	return err
}

// WithTxV is WithTx for a function that returns a value.
func WithTxV[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	return withTxAt(ctx, db, db.now(), txReadWrite, fn)
}

// readTx is WithTxV for a method that only reads: a read-only transaction, so a read
// path that would write fails instead.
func readTx[T any](ctx context.Context, db *DB, fn func(tx *Tx) (T, error)) (T, error) {
	return withTxAt(ctx, db, db.now(), txReadOnly, fn)
}

// withTxAt runs fn in a transaction whose clock reads now, read-only or not. The
// transaction says whose it is for the row-level security policies (beginSQL). The
// rollback is deferred, so
// a panic in fn or a failed commit never leaves the transaction open and its pooled
// connection held; it runs without ctx's cancellation, so a dropped request still
// cleans up (after a commit it is a no-op). Every error leaves through translate.
func withTxAt[T any](ctx context.Context, db *DB, now time.Time, mode txMode, fn func(tx *Tx) (T, error)) (v T, err error) {
	var zero T
	p := auth.FromContext(ctx)
	ptx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: beginSQL(p, mode)})
	if err != nil {
		return zero, translate(fmt.Errorf("begin: %w", err))
	}
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	tx := &Tx{Tx: ptx, now: now, caller: p, catalog: db.Catalog}
	v, err = fn(tx)
	if err == nil {
		if err = ptx.Commit(ctx); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		dropIfReadOnly(ctx, ptx, err)
		return zero, translate(err)
	}
	if tx.pending {
		// The change is committed: answer once it is numbered, so it can be read in the
		// feed. Should the round fail, the change is not lost: the next round numbers
		// it (the running sequencer's sweep, or any later publish's).
		_ = db.numberCommitted(ctx)
	}
	return v, nil
}

// dropIfReadOnly closes the transaction's connection when a write met a server that
// takes none (a standby, or a primary being demoted: failover): the pool then discards
// it rather than lending it to the next request, and the next connection it makes asks
// the multi-host URL for the writable server (target_session_attrs=read-write).
func dropIfReadOnly(ctx context.Context, ptx pgx.Tx, err error) {
	if readOnlyServer(err) {
		_ = ptx.Conn().Close(context.WithoutCancel(ctx))
	}
}

// txMode is how a transaction begins.
type txMode string

const (
	txReadWrite txMode = "BEGIN"
	txReadOnly  txMode = "BEGIN READ ONLY"
	// txSnapshot reads several statements from one snapshot (what a read-only
	// transaction at READ COMMITTED does not: each statement sees the newest commits).
	txSnapshot txMode = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

// beginSQL begins a transaction and sets, local to it, whose it is: laborx.center_id
// (the caller's center) and laborx.operator, which the row-level security policies of
// migration 00080 read. One simple-protocol round trip, so the setting costs no
// statement of its own. The values are a UUID's text and a constant, never a client's
// text. Without a caller nothing is set, and the policies admit no row.
func beginSQL(p *exchange.Principal, mode txMode) string {
	begin := string(mode)
	if p == nil {
		return begin
	}
	center, operator := callerSettings(p)
	return begin + "; SELECT set_config('laborx.center_id', '" + center + "', true), set_config('laborx.operator', '" +
		operator + "', true)"
}

// callerSettings are the values of laborx.center_id and laborx.operator for caller p.
func callerSettings(p *exchange.Principal) (center, operator string) {
	center, operator = "", "off"
	if p.CenterID != uuid.Nil {
		center = p.CenterID.String()
	}
	if p.IsOperator() {
		operator = "on"
	}
	return center, operator
}

// withTxRead runs a change (fn) and the read-back of what it left (read) in one
// transaction.
func withTxRead[T any](ctx context.Context, db *DB, fn func(tx *Tx) error, read func(tx *Tx) (T, error)) (T, error) {
	return WithTxV(ctx, db, func(tx *Tx) (T, error) {
		if err := fn(tx); err != nil {
			var zero T
			return zero, err
		}
		return read(tx)
	})
}
