package postgres_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// Statistics over 20,000 demands, 20,000 supplies and 100,000 referrals with their
// histories (LABORX_BENCH_REFERRALS=1000000 for the market at national scale):
//
//	go test -run '^$' -bench Stats -benchtime 50x ./internal/postgres/
//
// Referrals are generated in SQL (anonymous, erased workers), with their stage columns
// and events, not through referWorker: the benchmark measures the statistics, not the
// loading. The seeded database is a template of its own (statsSeed): against a kept
// server (LABORX_TEST_DATABASE_URL) a second run clones it instead of seeding again.
func BenchmarkStats(b *testing.B) {
	referrals := 100000
	if n, err := strconv.Atoi(os.Getenv("LABORX_BENCH_REFERRALS")); err == nil && n > 0 {
		referrals = n
	}
	start := time.Now()
	db, err := postgres.New(context.Background(), pgtest.NewPool(b, statsSeed{referrals: referrals}))
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database of %d referrals ready in %s", referrals, time.Since(start).Round(time.Millisecond))
	var tng exchange.Principal
	if err := db.Pool.QueryRow(context.Background(), `SELECT id, code FROM centers WHERE code = 'TNG'`).
		Scan(&tng.CenterID, &tng.CenterCode); err != nil {
		b.Fatal(err)
	}
	stats := postgres.NewStatsService(db, nil)
	viewer := auth.NewContext(context.Background(), &exchange.Principal{CenterID: tng.CenterID,
		CenterCode: tng.CenterCode, Subject: "dashboard", Roles: []exchange.Role{exchange.RoleViewer}})
	for _, c := range statsCases() {
		b.Run(c.name, func(b *testing.B) {
			before := serverCPU(b, db)
			for b.Loop() {
				if err := c.run(stats, viewer); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(serverCPU(b, db)-before)/float64(time.Millisecond)/float64(b.N), "pg-cpu-ms/op")
		})
	}
}

// serverCPU is the CPU time the database's server processes have used so far
// (backendCPU of each): on a shared machine a statistic's wall time says more about the
// load than about the statistic; its CPU time does not. /proc counts in clock ticks of
// 10 ms, so give -benchtime enough runs.
func serverCPU(b *testing.B, db *postgres.DB) time.Duration {
	rows, _ := db.Pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		b.Fatal(err)
	}
	var sum time.Duration
	for _, pid := range pids {
		sum += backendCPU(pid)
	}
	return sum
}

// statsCase is one statistic of BenchmarkStats.
type statsCase struct {
	name string
	run  func(*postgres.StatsService, context.Context) error
}

func statsCases() []statsCase {
	s := func(v string) *string { return &v }
	day := func(v string) *time.Time { d, _ := time.Parse(time.DateOnly, v); return &d }
	out := exchange.ReferralOut
	return []statsCase{
		{"marketBalance/level2", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.MarketBalance(ctx, exchange.MarketBalanceArgs{OccupationLevel: 2})
			return err
		}},
		{"marketBalance/level4", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.MarketBalance(ctx, exchange.MarketBalanceArgs{OccupationLevel: 4})
			return err
		}},
		{"marketBalance/province06", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.MarketBalance(ctx, exchange.MarketBalanceArgs{ProvinceCode: s("06"), OccupationLevel: 2})
			return err
		}},
		{"referralFunnel/national", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.ReferralFunnel(ctx, exchange.ReferralFunnelArgs{})
			return err
		}},
		{"referralFunnel/national-quarter", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.ReferralFunnel(ctx, exchange.ReferralFunnelArgs{From: day("2025-04-01"), To: day("2025-06-30")})
			return err
		}},
		{"referralFunnel/center-out", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.ReferralFunnel(ctx, exchange.ReferralFunnelArgs{CenterCode: s("TNG"), Direction: &out})
			return err
		}},
		{"referralFlows", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.ReferralFlows(ctx, nil, nil)
			return err
		}},
		{"monthly/HIRES-2y", func(st *postgres.StatsService, ctx context.Context) error {
			_, err := st.Monthly(ctx, exchange.MonthlyArgs{Metric: exchange.MetricHires, From: *day("2025-01-01"), To: *day("2026-12-31")})
			return err
		}},
	}
}

// statsSeed migrates a template database and seeds it with the market of loadMarket
// (20,000 demands and supplies) and the referrals of seedReferrals. pgtest keeps one
// template per Hash: the migrations' hash, statsSeedVersion, the seed's SQL and size.
type statsSeed struct{ referrals int }

// statsSeedVersion names the seed's Go side (the market, the centers): change it when
// they change, so that kept templates of the old seed are not reused.
const statsSeedVersion = "stats-seed-2"

func (s statsSeed) Hash() (string, error) {
	h, err := pgtest.Laborx.Hash()
	if err != nil {
		return "", err
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s\x00%s\x00%d", h, statsSeedVersion, s.referrals)
	for _, q := range referralSeed {
		sum.Write([]byte(q))
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

// BuildTimeout allows for a million referrals on a busy machine.
func (statsSeed) BuildTimeout() time.Duration { return time.Hour }

func (s statsSeed) Migrate(ctx context.Context, sqlDB *sql.DB, conf pgtestdb.Config) error {
	if err := pgtest.Laborx.Migrate(ctx, sqlDB, conf); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, conf.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	db, err := postgres.New(ctx, pool)
	if err != nil {
		return err
	}
	pub, err := registerHPG(db)
	if err != nil {
		return err
	}
	if _, err := seedMarket(db, postgres.NewMarketService(db), pub, 20000); err != nil {
		return err
	}
	return seedReferrals(ctx, db, s.referrals)
}

// seedReferrals generates n referrals between the centers over 600 days, each with the
// history of its status: a sixth each stays REFERRED, ACKNOWLEDGED, INTERVIEW_SCHEDULED,
// HIRED (after 3 to 31 days), EMPLOYED, or NOT_HIRED.
func seedReferrals(ctx context.Context, db *postgres.DB, n int) error {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	for _, q := range referralSeed {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{n}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("generate referrals: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// Vacuumed as autovacuum would after a bulk insert: the median time to hire reads
	// an index-only scan, which needs the visibility map.
	// The market's too: marketBalance reads index-only scans of the open postings (00195).
	for _, table := range []string{"workers", "referrals", "referral_events", "referral_counts", "referral_hire_days",
		"labor_demands", "labor_supplies"} {
		if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) `+table); err != nil {
			return err
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
		return err
	}
	if disagree != 0 {
		return fmt.Errorf("%d generated referrals have stage columns that disagree with their events", disagree)
	}
	return nil
}

// referralSeed is seedReferrals' SQL, run in one transaction; $1 is the number of
// referrals.
var referralSeed = []string{
	`ALTER TABLE referrals DISABLE TRIGGER referral_counts_insert_delete`,
	`ALTER TABLE referrals DISABLE TRIGGER referral_hire_days_insert`,
	`INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT md5('bench center ' || id)::uuid, id, '8153', now(), now(), now() FROM centers`,
	// A worker has one placement: each hired referral has a worker of its own.
	`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers)
		INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT md5('bench worker ' || i)::uuid, ids[1 + i % cardinality(ids)], '8153', now(), now(), now()
			FROM c, generate_series(1, $1) i WHERE i % 6 IN (3, 4)`,
	`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers),
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
		FROM gen`,
	`INSERT INTO referral_events (referral_id, from_status, to_status, action, actor_subject, at, recorded_at)
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
		ORDER BY r.id, s.days`,
	// The day counts as migrations 00015 and 00135 fill them: their triggers are off
	// while the rows are generated (TestReferralCountsFollowReferrals and
	// TestReferralHireDaysFollowReferrals test them).
	`INSERT INTO referral_counts ` + referralCountsSQL,
	`INSERT INTO referral_hire_days ` + referralHireDaysSQL,
	`ALTER TABLE referrals ENABLE TRIGGER referral_counts_insert_delete`,
	`ALTER TABLE referrals ENABLE TRIGGER referral_hire_days_insert`,
}
