package postgres_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestReferralFunnelMatchesRecount: referralFunnel's stage counts (from the day counts)
// and median time to hire (the day-by-day walk of referrals_hire_day_created with a
// period, referral_hire_days without) equal a plain count and percentile_cont over the
// referrals, for periods of one day, a week, a quarter, open on either side, empty, and
// none, for the country and for one center's either, out and in ends; also after hires
// move, new referrals come and some go.
func TestReferralFunnelMatchesRecount(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES ('TNG', 'Trung tâm TNG', '19', now(), now()),
		('HPG', 'Trung tâm HPG', '31', now(), now()), ('BNH', 'Trung tâm BNH', '24', now(), now())`)
	// One erased worker per referral (a worker has one placement). Referrals every 5
	// hours from 2025-01-01 (some at midnight), through the stages; hires after 0 to
	// about 60 days, many in the same whole day, some at the same instant.
	insert := func(from, to int) {
		t.Helper()
		gen := `WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers),
			gen AS (
				SELECT i, ids[1 + i % 3] AS origin, ids[1 + (i + 1 + i % 2) % 3] AS dest,
					timestamptz '2025-01-01' + i * interval '5 hours' AS at, md5('worker ' || i)::uuid AS worker,
					(ARRAY['REFERRED', 'ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED', 'NOT_HIRED', 'HIRED'])[1 + i % 7] AS status
				FROM c, generate_series($1::int, $2::int) i) `
		exec(gen+`INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT worker, origin, '8153', now(), now(), now() FROM gen`, from, to)
		exec(gen+`INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code,
				worker_occupation_code, status, created_at, updated_at, acknowledged_at, interviewed_at, hired_at, employed_at)
			SELECT worker, origin, dest, '8153', '8153', status, at, at,
				CASE WHEN status <> 'REFERRED' AND (status = 'ACKNOWLEDGED' OR i % 5 <> 0) THEN at + interval '1 hour' END,
				CASE WHEN status IN ('INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED') THEN at + interval '2 hours' END,
				CASE WHEN status IN ('HIRED', 'EMPLOYED') THEN at + interval '3 hours' + ((i * 37) % 61) * interval '23 hours' END,
				CASE WHEN status = 'EMPLOYED' THEN at + interval '70 days' END
			FROM gen`, from, to)
	}
	insert(1, 1500)

	stats := postgres.NewStatsService(db, nil)
	viewer := auth.NewContext(ctx, &exchange.Principal{Subject: "dashboard", Roles: []exchange.Role{exchange.RoleOperator}})
	var tng string
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM centers WHERE code = 'TNG'`).Scan(&tng); err != nil {
		t.Fatal(err)
	}
	code := "TNG"
	out, in := exchange.ReferralOut, exchange.ReferralIn
	ends := []struct {
		name  string
		code  *string
		dir   *exchange.ReferralDirection
		where string
	}{
		{"national", nil, nil, `$1::uuid IS NOT NULL`},
		{"TNG either end", &code, nil, `$1 IN (origin_center_id, destination_center_id)`},
		{"TNG out", &code, &out, `origin_center_id = $1`},
		{"TNG in", &code, &in, `destination_center_id = $1`},
	}
	day := func(v string) *time.Time {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	periods := []struct{ from, to *time.Time }{
		{nil, nil},
		{day("2025-02-10"), day("2025-02-10")},
		{day("2025-02-10"), day("2025-02-16")},
		{day("2025-04-01"), day("2025-06-30")},
		{nil, day("2025-03-31")},
		{day("2025-05-01"), nil},
		{day("2027-01-01"), day("2027-03-31")},
	}
	check := func(when string) {
		t.Helper()
		for _, e := range ends {
			for _, p := range periods {
				name := fmt.Sprintf("%s, %s, %v–%v", when, e.name, p.from, p.to)
				f, err := stats.ReferralFunnel(viewer, exchange.ReferralFunnelArgs{CenterCode: e.code, Direction: e.dir, From: p.from, To: p.to})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				// The cohort: created on the period's days (UTC), inclusive.
				cohort := `WHERE ` + e.where + ` AND ($2::date IS NULL OR created_at >= $2::date::timestamp AT TIME ZONE 'UTC')
					AND ($3::date IS NULL OR created_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC')`
				var want exchange.ReferralFunnel
				if err := db.Pool.QueryRow(ctx, `SELECT count(*),
						count(*) FILTER (WHERE coalesce(acknowledged_at, interviewed_at, hired_at, employed_at) IS NOT NULL),
						count(*) FILTER (WHERE coalesce(interviewed_at, hired_at, employed_at) IS NOT NULL),
						count(*) FILTER (WHERE coalesce(hired_at, employed_at) IS NOT NULL),
						count(*) FILTER (WHERE employed_at IS NOT NULL),
						percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM hired_at - created_at) / 86400)
							FILTER (WHERE hired_at IS NOT NULL)
					FROM referrals `+cohort, tng, p.from, p.to).Scan(&want.Referred, &want.Acknowledged, &want.Interviewed,
					&want.Hired, &want.Employed, &want.MedianDaysToHire); err != nil {
					t.Fatal(err)
				}
				if f.Referred != want.Referred || f.Acknowledged != want.Acknowledged || f.Interviewed != want.Interviewed ||
					f.Hired != want.Hired || f.Employed != want.Employed {
					t.Errorf("%s: stages %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d", name, f.Referred, f.Acknowledged, f.Interviewed,
						f.Hired, f.Employed, want.Referred, want.Acknowledged, want.Interviewed, want.Hired, want.Employed)
				}
				switch {
				case (f.MedianDaysToHire == nil) != (want.MedianDaysToHire == nil):
					t.Errorf("%s: median days to hire %v, want %v", name, f.MedianDaysToHire, want.MedianDaysToHire)
				case f.MedianDaysToHire != nil && math.Abs(*f.MedianDaysToHire-*want.MedianDaysToHire) > 1e-9:
					t.Errorf("%s: median days to hire %v, want %v", name, *f.MedianDaysToHire, *want.MedianDaysToHire)
				}
			}
		}
	}
	check("after the inserts")
	if t.Failed() {
		return
	}
	// Hires move by whole and part days, later referrals come, and some go.
	exec(`UPDATE referrals SET hired_at = hired_at + interval '5 days 3 hours' WHERE hired_at IS NOT NULL AND created_at < '2025-02-12'`)
	exec(`UPDATE referrals SET hired_at = hired_at - interval '20 hours' WHERE hired_at - created_at > interval '30 days'
		AND created_at BETWEEN '2025-04-01' AND '2025-05-01'`)
	insert(1501, 1800)
	exec(`DELETE FROM referrals WHERE hired_at IS NOT NULL AND created_at BETWEEN '2025-05-03' AND '2025-05-20'`)
	check("after changes")
}
