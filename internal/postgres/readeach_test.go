package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// readEach's statements run read-only with the caller's settings, as readTx's do, and
// leave neither on the pooled connection nor the connection held, whether they
// succeed or fail.
func TestReadEachSettingsStayInTheStatement(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.Laborx)
	db, err := postgres.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	center := uuid.New()
	tng := auth.NewContext(ctx, &exchange.Principal{CenterID: center, CenterCode: "TNG", Subject: "s",
		Roles: []exchange.Role{exchange.RolePublisher}})
	operator := auth.NewContext(ctx, &exchange.Principal{Subject: "op", Roles: []exchange.Role{exchange.RoleOperator}})
	settings := `SELECT coalesce(current_setting('laborx.center_id', true), ''), coalesce(current_setting('laborx.operator', true), ''),
		current_setting('transaction_read_only')`
	read := func(ctx context.Context) (got [3]string) {
		t.Helper()
		err := postgres.ReadEach(ctx, db, func(q postgres.DBTX) error {
			return q.QueryRow(ctx, settings).Scan(&got[0], &got[1], &got[2])
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got, want := read(tng), [3]string{center.String(), "off", "on"}; got != want {
		t.Errorf("center's statement sees %q, want %q", got, want)
	}
	if got, want := read(operator), [3]string{"", "on", "on"}; got != want {
		t.Errorf("operator's statement sees %q, want %q", got, want)
	}
	if got, want := read(ctx), [3]string{"", "", "on"}; got != want {
		t.Errorf("a statement of no caller sees %q, want %q", got, want)
	}

	// A write is refused and writes nothing.
	err = postgres.ReadEach(tng, db, func(q postgres.DBTX) error {
		_, err := q.Exec(tng, `CREATE TABLE written_by_a_read (x int)`)
		return err
	})
	if err == nil {
		t.Error("a write through readEach succeeded")
	}
	err = postgres.ReadEach(tng, db, func(q postgres.DBTX) error {
		rows, _ := q.Query(tng, `SELECT 1/(x - 3) FROM generate_series(1, 5) x`)
		_, err := pgx.CollectRows(rows, pgx.RowTo[int])
		return err
	})
	if err == nil {
		t.Error("a failing statement gave no error")
	}
	err = postgres.ReadEach(tng, db, func(q postgres.DBTX) error {
		rows, _ := q.Query(tng, `SELECT x FROM generate_series(1, 3) x`)
		xs, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err == nil && len(xs) != 3 {
			t.Errorf("rows %v", xs)
		}
		var none int
		if err := q.QueryRow(tng, `SELECT 1 WHERE false`).Scan(&none); err != pgx.ErrNoRows {
			t.Errorf("no row: %v", err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still held", n)
	}
	// Every connection the reads used is clean: read each of them through the pool.
	conns := make([]*pgxpool.Conn, 0, pool.Stat().TotalConns())
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range pool.Stat().TotalConns() {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var got [3]string
		if err := c.QueryRow(ctx, settings).Scan(&got[0], &got[1], &got[2]); err != nil {
			t.Fatal(err)
		}
		if got != [3]string{"", "", "off"} {
			t.Errorf("a pooled connection kept %q", got)
		}
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('written_by_a_read') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("the refused write was committed")
	}
}
