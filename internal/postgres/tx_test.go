package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// A panic inside a transaction must not leave it open: the deferred rollback returns
// the connection to the pool and nothing of the transaction stays.
func TestWithTxPanicRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not propagate")
			}
		}()
		_ = postgres.WithTx(ctx, db, func(tx *postgres.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE left_behind (x int)`); err != nil {
				t.Fatal(err)
			}
			panic("boom")
		})
	}()
	if n := db.Pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still held after the panic", n)
	}
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT to_regclass('left_behind') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("the panicking transaction was committed")
	}
}

// WithTxV returns fn's value on commit, and translates a CHECK violation into a user
// error that names the field and not the constraint.
func TestWithTxVTranslates(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	n, err := postgres.WithTxV(ctx, db, func(tx *postgres.Tx) (int, error) { return 7, nil })
	if err != nil || n != 7 {
		t.Fatalf("got %d, %v", n, err)
	}
	_, err = postgres.WithTxV(ctx, db, func(tx *postgres.Tx) (int, error) {
		_, err := tx.Exec(ctx, `INSERT INTO centers (code, name, province_code, created_at, updated_at)
			VALUES ('ABC', '', '31', now(), now())`)
		return 0, err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		t.Fatalf("a database error reached the caller: %v", err)
	}
	es := exchange.AsErrors(err)
	if len(es) != 1 || es[0].Code != exchange.CodeInvalid || len(es[0].Field) != 1 || es[0].Field[0] != "name" {
		t.Fatalf("got %#v", err)
	}
	if msg := es[0].Message; msg != "name has a value that is not allowed" {
		t.Fatalf("message %q", msg)
	}
}
