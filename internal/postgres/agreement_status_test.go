package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestAgreementStatusRulesAgree is TestStatusRulesAgree for agreements: the status seen
// and the in-force rule (with a termination taking effect on a later day) exist in Go
// for reads (exchange.AgreementStatusAt, IsActive with InForceUntil) and in SQL for
// filters, quotas and partnerships (AgreementStatusSQL, AgreementInForceSQL over the
// in_force_until column). They must agree on every branch and boundary. The rows live
// in a copy of the agreements table that keeps its generated column.
func TestAgreementStatusRulesAgree(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.Laborx)
	if _, err := pool.Exec(ctx, `CREATE TABLE agreement_rules (LIKE agreements INCLUDING DEFAULTS INCLUDING GENERATED)`); err != nil {
		t.Fatal(err)
	}
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	from, until := day("2026-01-01"), day("2026-12-31")
	cases := []struct {
		name         string
		status       exchange.AgreementStatus
		terminatesOn *time.Time
	}{
		{"signed", exchange.AgreementSigned, nil},
		{"termination scheduled", exchange.AgreementSigned, day("2026-07-01")},
		{"termination scheduled on validUntil", exchange.AgreementSigned, until},
		{"termination before validFrom", exchange.AgreementSigned, from},
		{"terminated at once", exchange.AgreementTerminated, day("2026-06-15")},
		{"negotiating", exchange.AgreementNegotiating, nil},
	}
	for _, c := range cases {
		if _, err := pool.Exec(ctx, `INSERT INTO agreement_rules (id, title, status, proposer_center_id, current_revision,
			valid_from, valid_until, terminates_on, created_at, updated_at)
			VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), 1, $3, $4, $5, now(), now())`,
			c.name, c.status, from, until, c.terminatesOn); err != nil {
			t.Fatal(err)
		}
	}
	for _, on := range []string{"2025-12-31", "2026-01-01", "2026-06-14", "2026-06-15", "2026-06-30", "2026-07-01",
		"2026-12-30", "2026-12-31", "2027-01-01"} {
		for _, c := range cases {
			var sqlStatus exchange.AgreementStatus
			var sqlActive bool
			if err := pool.QueryRow(ctx, `SELECT `+postgres.AgreementStatusSQL("a", "$2::date")+`, `+
				postgres.AgreementInForceSQL("a", "$2::date")+` FROM agreement_rules a WHERE a.title = $1`,
				c.name, *day(on)).Scan(&sqlStatus, &sqlActive); err != nil {
				t.Fatal(err)
			}
			goStatus := exchange.AgreementStatusAt(c.status, c.terminatesOn, *day(on))
			goActive := exchange.IsActive(c.status, *from, exchange.InForceUntil(*until, c.terminatesOn), *day(on))
			if goStatus != sqlStatus || goActive != sqlActive {
				t.Errorf("%s on %s: Go %s active %v, SQL %s active %v", c.name, on, goStatus, goActive, sqlStatus, sqlActive)
			}
		}
	}
}
