package postgres_test

import (
	"context"
	"database/sql"
	"math"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// referralHireDaysSQL is what referral_hire_days must hold, computed from referrals.
const referralHireDaysSQL = `
	SELECT origin_center_id, destination_center_id,
		floor((extract(epoch FROM hired_at - created_at) / 86400)::float8)::integer AS days, count(*) AS n
	FROM referrals WHERE hired_at IS NOT NULL GROUP BY 1, 2, 3`

// TestReferralHireDaysFollowReferrals: migration 00135 counts the hires made before it
// by whole days to hire, its trigger keeps the counts through inserts, changes of the
// hire instant and deletions, and the national median time to hire read with them is
// percentile_cont's over all hires, for the whole country and for one center's ends.
func TestReferralHireDaysFollowReferrals(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDSN(t, pgtest.Laborx)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.DownTo(ctx, 134); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES ('TNG', 'Trung tâm TNG', '19', now(), now()),
		('HPG', 'Trung tâm HPG', '31', now(), now()), ('BNH', 'Trung tâm BNH', '24', now(), now())`)
	// One erased worker per referral (a worker has one placement); hires after 0 to
	// about 40 days, many in the same whole day, some at the same instant.
	insert := func(from, to int) {
		t.Helper()
		gen := `WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers),
			gen AS (
				SELECT i, ids[1 + i % 3] AS origin, ids[1 + (i + 1 + i % 2) % 3] AS dest,
					timestamptz '2025-01-01' + (i % 40) * interval '7 hours' AS at, md5('worker ' || i)::uuid AS worker
				FROM c, generate_series($1::int, $2::int) i) `
		exec(gen+`INSERT INTO workers (id, registered_by, occupation_code, erased_at, created_at, updated_at)
			SELECT worker, origin, '8153', now(), now(), now() FROM gen`, from, to)
		exec(gen+`INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code,
				worker_occupation_code, status, created_at, updated_at, acknowledged_at, interviewed_at, hired_at)
			SELECT worker, origin, dest, '8153', '8153', CASE WHEN i % 3 = 0 THEN 'ACKNOWLEDGED' ELSE 'HIRED' END, at, at,
				at + interval '1 hour', CASE WHEN i % 3 <> 0 THEN at + interval '2 hours' END,
				CASE WHEN i % 3 <> 0 THEN at + interval '3 hours' + ((i * 37) % 41) * interval '23 hours' END
			FROM gen`, from, to)
	}
	disagree := func(when string) {
		t.Helper()
		kept := `SELECT origin_center_id, destination_center_id, days, n FROM referral_hire_days WHERE n <> 0`
		fresh := `SELECT * FROM (` + referralHireDaysSQL + `) f`
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ((` + kept + ` EXCEPT ALL ` + fresh + `) UNION ALL (` +
			fresh + ` EXCEPT ALL ` + kept + `)) x`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%s: %d rows of referral_hire_days disagree with the referrals", when, n)
		}
	}
	insert(1, 300)
	if _, err := m.UpTo(ctx, 135); err != nil {
		t.Fatal(err)
	}
	disagree("after the migration")
	insert(301, 420)
	exec(`UPDATE referrals SET hired_at = hired_at + interval '5 days 3 hours' WHERE hired_at IS NOT NULL AND created_at < '2025-01-04'`)
	exec(`UPDATE referrals SET status = 'HIRED', interviewed_at = acknowledged_at, hired_at = created_at + interval '9 days'
		WHERE status = 'ACKNOWLEDGED' AND created_at < '2025-01-06'`)
	exec(`DELETE FROM referrals WHERE hired_at IS NOT NULL AND created_at > '2025-01-10'`)
	disagree("after inserts, changes and deletions")

	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store, err := postgres.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	stats := postgres.NewStatsService(store, nil)
	var tng string
	if err := db.QueryRow(`SELECT id FROM centers WHERE code = 'TNG'`).Scan(&tng); err != nil {
		t.Fatal(err)
	}
	viewer := auth.NewContext(ctx, &exchange.Principal{Subject: "dashboard", Roles: []exchange.Role{exchange.RoleOperator}})
	code := "TNG"
	out, in := exchange.ReferralOut, exchange.ReferralIn
	for _, c := range []struct {
		name  string
		args  exchange.ReferralFunnelArgs
		where string
	}{
		{"national", exchange.ReferralFunnelArgs{}, `$1::uuid IS NOT NULL`},
		{"TNG either end", exchange.ReferralFunnelArgs{CenterCode: &code}, `$1 IN (origin_center_id, destination_center_id)`},
		{"TNG out", exchange.ReferralFunnelArgs{CenterCode: &code, Direction: &out}, `origin_center_id = $1`},
		{"TNG in", exchange.ReferralFunnelArgs{CenterCode: &code, Direction: &in}, `destination_center_id = $1`},
	} {
		f, err := stats.ReferralFunnel(viewer, c.args)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var want float64
		if err := db.QueryRow(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM hired_at - created_at) / 86400)
			FROM referrals WHERE hired_at IS NOT NULL AND `+c.where, tng).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if f.MedianDaysToHire == nil || math.Abs(*f.MedianDaysToHire-want) > 1e-9 {
			t.Errorf("%s: median days to hire %v, want %v", c.name, f.MedianDaysToHire, want)
		}
	}

	if _, err := m.DownTo(ctx, 134); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('referral_hire_days') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("referral_hire_days after Down: exists=%v err=%v", exists, err)
	}
}
