package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// Statistics over 20,000 demands, 20,000 supplies and 100,000 referrals with their
// histories (LABORX_BENCH_REFERRALS=1000000 for the market at national scale):
//
//	go test -run '^$' -bench Stats -benchtime 50x ./internal/postgres/
//
// Referrals are generated in SQL (anonymous, erased workers), with their stage columns
// and events, not through referWorker: the benchmark measures the statistics, not the
// loading.
func BenchmarkStats(b *testing.B) {
	referrals := 100000
	if n, err := strconv.Atoi(os.Getenv("LABORX_BENCH_REFERRALS")); err == nil && n > 0 {
		referrals = n
	}
	db, _, ctxs := loadMarket(b, 20000)
	start := time.Now()
	loadReferrals(b, db, referrals)
	b.Logf("generated %d referrals in %s", referrals, time.Since(start).Round(time.Millisecond))
	stats := postgres.NewStatsService(db, nil)
	viewer := auth.NewContext(context.Background(), &exchange.Principal{CenterID: principalOf(ctxs[1]).CenterID,
		CenterCode: principalOf(ctxs[1]).CenterCode, Subject: "dashboard", Roles: []exchange.Role{exchange.RoleViewer}})
	s := func(v string) *string { return &v }
	day := func(v string) *time.Time { d, _ := time.Parse(time.DateOnly, v); return &d }
	out := exchange.ReferralOut
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"marketBalance/level2", func() error {
			_, err := stats.MarketBalance(viewer, exchange.MarketBalanceArgs{OccupationLevel: 2})
			return err
		}},
		{"marketBalance/level4", func() error {
			_, err := stats.MarketBalance(viewer, exchange.MarketBalanceArgs{OccupationLevel: 4})
			return err
		}},
		{"marketBalance/province06", func() error {
			_, err := stats.MarketBalance(viewer, exchange.MarketBalanceArgs{ProvinceCode: s("06"), OccupationLevel: 2})
			return err
		}},
		{"referralFunnel/national", func() error {
			_, err := stats.ReferralFunnel(viewer, exchange.ReferralFunnelArgs{})
			return err
		}},
		{"referralFunnel/national-quarter", func() error {
			_, err := stats.ReferralFunnel(viewer, exchange.ReferralFunnelArgs{From: day("2025-04-01"), To: day("2025-06-30")})
			return err
		}},
		{"referralFunnel/center-out", func() error {
			_, err := stats.ReferralFunnel(viewer, exchange.ReferralFunnelArgs{CenterCode: s("TNG"), Direction: &out})
			return err
		}},
		{"referralFlows", func() error {
			_, err := stats.ReferralFlows(viewer, nil, nil)
			return err
		}},
		{"monthly/HIRES-2y", func() error {
			_, err := stats.Monthly(viewer, exchange.MonthlyArgs{Metric: exchange.MetricHires, From: *day("2025-01-01"), To: *day("2026-12-31")})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func principalOf(ctx context.Context) *exchange.Principal { return auth.FromContext(ctx) }

// loadReferrals generates n referrals between the centers over 600 days, each with the
// history of its status: a sixth each stays REFERRED, ACKNOWLEDGED, INTERVIEW_SCHEDULED,
// HIRED (after 3 to 31 days), EMPLOYED, or NOT_HIRED.
func loadReferrals(b *testing.B, db *postgres.DB, n int) {
	ctx := context.Background()
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`ALTER TABLE referrals DISABLE TRIGGER referral_counts_insert_delete`, nil},
		{`ALTER TABLE referrals DISABLE TRIGGER referral_hire_days_insert`, nil},
		{`INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT md5('bench center ' || id)::uuid, id, '8153', now(), now(), now() FROM centers`, nil},
		// A worker has one placement: each hired referral has a worker of its own.
		{`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers)
		INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT md5('bench worker ' || i)::uuid, ids[1 + i % cardinality(ids)], '8153', now(), now(), now()
			FROM c, generate_series(1, $1) i WHERE i % 6 IN (3, 4)`, []any{n}},
		{`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers),
		gen AS (
			SELECT i, ids[1 + i % cardinality(ids)] AS origin, ids[1 + (i + 1 + i % 3) % cardinality(ids)] AS dest,
				timestamptz '2025-01-01' + (i % 600) * interval '1 day' + (i % 1440) * interval '1 minute' AS at,
				(ARRAY['REFERRED', 'ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED', 'NOT_HIRED'])[1 + i % 6] AS status
			FROM c, generate_series(1, $1) i)
		INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code, worker_occupation_code,
			status, created_at, updated_at, acknowledged_at, interviewed_at, hired_at, employed_at)
		SELECT CASE WHEN i % 6 IN (3, 4) THEN md5('bench worker ' || i)::uuid
				ELSE md5('bench center ' || origin)::uuid END,
			origin, dest, '8153', '8153', status, at, at,
			CASE WHEN status IN ('ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED', 'NOT_HIRED') THEN at + interval '1 day' END,
			CASE WHEN status IN ('INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED') THEN at + interval '2 days' END,
			CASE WHEN status IN ('HIRED', 'EMPLOYED') THEN at + interval '3 days' + (i % 97) * interval '7 hours' END,
			CASE WHEN status = 'EMPLOYED' THEN at + interval '33 days' END
		FROM gen`, []any{n}},
		{`INSERT INTO referral_events (referral_id, from_status, to_status, action, actor_subject, at, recorded_at)
		SELECT r.id, s.from_status, s.to_status, s.action, 'bench', coalesce(e.at, r.created_at + s.days * interval '1 day'),
			coalesce(e.at, r.created_at + s.days * interval '1 day')
		FROM referrals r JOIN (VALUES
			(NULL, 'REFERRED', NULL, 0, '{REFERRED,ACKNOWLEDGED,INTERVIEW_SCHEDULED,HIRED,EMPLOYED,NOT_HIRED}'),
			('REFERRED', 'ACKNOWLEDGED', 'ACKNOWLEDGE', 1, '{ACKNOWLEDGED,INTERVIEW_SCHEDULED,HIRED,EMPLOYED,NOT_HIRED}'),
			('ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'SCHEDULE_INTERVIEW', 2, '{INTERVIEW_SCHEDULED,HIRED,EMPLOYED}'),
			('INTERVIEW_SCHEDULED', 'HIRED', 'MARK_HIRED', 3, '{HIRED,EMPLOYED}'),
			('HIRED', 'EMPLOYED', 'CONFIRM_EMPLOYMENT', 33, '{EMPLOYED}'),
			('ACKNOWLEDGED', 'NOT_HIRED', 'MARK_NOT_HIRED', 4, '{NOT_HIRED}')
		) s (from_status, to_status, action, days, statuses) ON r.status = ANY (s.statuses::text[])
			LEFT JOIN LATERAL (SELECT r.hired_at AS at WHERE s.to_status = 'HIRED') e ON true
		ORDER BY r.id, s.days`, nil},
		// The day counts as migrations 00015 and 00135 fill them: their triggers are off
		// while the rows are generated (TestReferralCountsFollowReferrals and
		// TestReferralHireDaysFollowReferrals test them).
		{`INSERT INTO referral_counts ` + referralCountsSQL, nil},
		{`INSERT INTO referral_hire_days ` + referralHireDaysSQL, nil},
		{`ALTER TABLE referrals ENABLE TRIGGER referral_counts_insert_delete`, nil},
		{`ALTER TABLE referrals ENABLE TRIGGER referral_hire_days_insert`, nil},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("generate referrals: %v", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	// Vacuumed as autovacuum would after a bulk insert: the median time to hire reads
	// an index-only scan, which needs the visibility map.
	for _, table := range []string{"workers", "referrals", "referral_events", "referral_counts", "referral_hire_days"} {
		if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			b.Fatal(err)
		}
	}
	// The generated stage columns are those the histories give (as updateReferralStatus
	// keeps them).
	var disagree int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM referrals r LEFT JOIN (SELECT referral_id,
			min(at) FILTER (WHERE to_status = 'ACKNOWLEDGED') AS acknowledged_at,
			min(at) FILTER (WHERE to_status = 'INTERVIEW_SCHEDULED') AS interviewed_at,
			min(at) FILTER (WHERE to_status = 'HIRED') AS hired_at,
			min(at) FILTER (WHERE to_status = 'EMPLOYED') AS employed_at
		FROM referral_events GROUP BY referral_id) e ON e.referral_id = r.id
		WHERE (r.acknowledged_at, r.interviewed_at, r.hired_at, r.employed_at)
			IS DISTINCT FROM (e.acknowledged_at, e.interviewed_at, e.hired_at, e.employed_at)`).Scan(&disagree); err != nil {
		b.Fatal(err)
	}
	if disagree != 0 {
		b.Fatalf("%d generated referrals have stage columns that disagree with their events", disagree)
	}
}
