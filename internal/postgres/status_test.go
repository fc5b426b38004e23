package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// The status rules exist twice: in Go for reads (exchange.*StatusAt) and in SQL for
// filters (*StatusSQL). This table proves the two agree on every branch and boundary.
func TestStatusRulesAgree(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.Laborx)
	now := time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC)
	closed := now.Add(-time.Hour)
	for _, c := range []struct {
		name             string
		closedAt         *time.Time
		filled, quantity int
		expiresAt        time.Time
	}{
		{"open", nil, 0, 5, now.Add(time.Hour)},
		{"closed wins over filled and expired", &closed, 5, 5, now.Add(-time.Hour)},
		{"filled", nil, 5, 5, now.Add(time.Hour)},
		{"over-filled", nil, 6, 5, now.Add(time.Hour)},
		{"filled wins over expired", nil, 5, 5, now.Add(-time.Hour)},
		{"expires now", nil, 0, 5, now},
		{"expired", nil, 4, 5, now.Add(-time.Microsecond)},
		{"one left", nil, 4, 5, now.Add(time.Microsecond)},
	} {
		var sql exchange.DemandStatus
		if err := pool.QueryRow(ctx, `SELECT `+postgres.DemandStatusSQL("$5")+` FROM (SELECT $1::timestamptz AS closed_at,
			$2::int AS filled_count, $3::int AS quantity, $4::timestamptz AS expires_at) d`,
			c.closedAt, c.filled, c.quantity, c.expiresAt, now).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		if goStatus := exchange.DemandStatusAt(c.closedAt, c.filled, c.quantity, c.expiresAt, now); goStatus != sql {
			t.Errorf("demand %s: Go %s, SQL %s", c.name, goStatus, sql)
		}
	}
	day := func(d int) *time.Time { t := exchange.Day(now).AddDate(0, 0, d); return &t }
	for _, c := range []struct {
		name        string
		withdrawnAt *time.Time
		quantity    int
		until       *time.Time
	}{
		{"open", nil, 3, nil},
		{"open until today", nil, 3, day(0)},
		{"ended yesterday", nil, 3, day(-1)},
		{"none left", nil, 0, day(5)},
		{"withdrawn wins", &closed, 0, day(-1)},
	} {
		var sql exchange.SupplyStatus
		if err := pool.QueryRow(ctx, `SELECT `+postgres.SupplyStatusSQL("$4")+` FROM (SELECT $1::timestamptz AS withdrawn_at,
			$2::int AS quantity, $3::date AS available_until) s`,
			c.withdrawnAt, c.quantity, c.until, exchange.Day(now)).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		if goStatus := exchange.SupplyStatusAt(c.withdrawnAt, c.quantity, c.until, now); goStatus != sql {
			t.Errorf("supply %s: Go %s, SQL %s", c.name, goStatus, sql)
		}
	}
	for _, c := range []struct {
		name        string
		cancelledAt *time.Time
		starts      time.Time
		ends        time.Time
	}{
		{"scheduled", nil, now.Add(time.Hour), now.Add(2 * time.Hour)},
		{"starts now", nil, now, now.Add(time.Hour)},
		{"in progress", nil, now.Add(-time.Hour), now.Add(time.Hour)},
		{"ends now", nil, now.Add(-time.Hour), now},
		{"completed", nil, now.Add(-2 * time.Hour), now.Add(-time.Hour)},
		{"cancelled wins", &closed, now.Add(time.Hour), now.Add(2 * time.Hour)},
	} {
		var sql exchange.ExchangeSessionStatus
		if err := pool.QueryRow(ctx, `SELECT `+postgres.SessionStatusSQL("$4::timestamptz")+` FROM (SELECT $1::timestamptz AS cancelled_at,
			$2::timestamptz AS starts_at, $3::timestamptz AS ends_at) s`,
			c.cancelledAt, c.starts, c.ends, now).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		if goStatus := exchange.SessionStatusAt(c.cancelledAt, c.starts, c.ends, now); goStatus != sql {
			t.Errorf("session %s: Go %s, SQL %s", c.name, goStatus, sql)
		}
	}
}
