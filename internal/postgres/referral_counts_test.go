package postgres_test

import (
	"context"
	"database/sql"
	"testing"
)

// referralCountsSQL is what referral_counts must hold, computed from referrals.
const referralCountsSQL = `
	SELECT 'created' AS kind, (created_at AT TIME ZONE 'UTC')::date AS day, origin_center_id, destination_center_id, status,
		referral_stage(acknowledged_at, interviewed_at, hired_at, employed_at) AS stage, hired_at IS NOT NULL AS with_hire, count(*) AS n
	FROM referrals GROUP BY 1, 2, 3, 4, 5, 6, 7
	UNION ALL
	SELECT 'hired', (hired_at AT TIME ZONE 'UTC')::date, origin_center_id, destination_center_id, '', 0, true, count(*)
	FROM referrals WHERE hired_at IS NOT NULL GROUP BY 1, 2, 3, 4
	UNION ALL
	SELECT 'employed', (employed_at AT TIME ZONE 'UTC')::date, origin_center_id, destination_center_id, '', 0, true, count(*)
	FROM referrals WHERE employed_at IS NOT NULL GROUP BY 1, 2, 3, 4`

// countsDisagree is how many rows referral_counts (less its zero rows) and a fresh
// count from referrals do not share.
func countsDisagree(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	kept := `SELECT kind, day, origin_center_id, destination_center_id, status, stage, with_hire, n FROM referral_counts WHERE n <> 0`
	fresh := `SELECT * FROM (` + referralCountsSQL + `) f`
	if err := db.QueryRow(`SELECT count(*) FROM ((` + kept + ` EXCEPT ALL ` + fresh + `) UNION ALL (` +
		fresh + ` EXCEPT ALL ` + kept + `)) x`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReferralCountsFollowReferrals: migration 00015 counts the referrals made before
// it, and its triggers keep the counts equal to the referrals through inserts, status
// changes (in one transaction and in several), deletions and rollbacks; Down removes
// them.
func TestReferralCountsFollowReferrals(t *testing.T) {
	ctx := context.Background()
	db, m := migratedTo(t, 14)
	insert := referralGenerator(t, db)
	insert(300)
	if _, err := m.UpTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	if n := countsDisagree(t, db); n != 0 {
		t.Fatalf("after the migration: %d count rows disagree with the referrals", n)
	}

	insert(120)
	steps := []string{
		`UPDATE referrals SET status = 'ACKNOWLEDGED', acknowledged_at = created_at + interval '1 day' WHERE status = 'REFERRED' AND created_at < '2025-01-05'`,
		`UPDATE referrals SET status = 'EMPLOYED', employed_at = hired_at + interval '40 days' WHERE status = 'HIRED' AND created_at < '2025-01-04'`,
		`UPDATE referrals SET updated_at = now()`, // no counted column changes
		`DELETE FROM referrals WHERE status = 'NOT_HIRED' AND created_at < '2025-01-03'`,
	}
	for _, q := range steps {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Two changes of the same referrals in one transaction, and a rolled-back one.
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE referrals SET status = 'INTERVIEW_SCHEDULED', interviewed_at = acknowledged_at + interval '1 day' WHERE status = 'ACKNOWLEDGED'`,
		`UPDATE referrals SET status = 'HIRED', hired_at = interviewed_at + interval '1 day' WHERE status = 'INTERVIEW_SCHEDULED'`,
	} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx, err = db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`DELETE FROM referrals WHERE status = 'EMPLOYED'`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := countsDisagree(t, db); n != 0 {
		t.Fatalf("after inserts, changes and deletions: %d count rows disagree with the referrals", n)
	}

	if _, err := m.DownTo(ctx, 14); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('referral_counts') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("referral_counts after Down: exists=%v err=%v", exists, err)
	}
}

// referralGenerator makes three centers and an erased worker, and returns a function
// that inserts n referrals among them in every status, with their stage times (hires
// 3 days and 0–20 hours after creation).
func referralGenerator(t *testing.T, db *sql.DB) func(n int) {
	t.Helper()
	insert := func(n int) {
		t.Helper()
		if _, err := db.Exec(`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers),
			gen AS (
				SELECT i, ids[1 + i % 3] AS origin, ids[1 + (i + 1) % 3] AS dest,
					timestamptz '2025-01-01' + (i % 40) * interval '7 hours' AS at,
					(ARRAY['REFERRED', 'ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED', 'NOT_HIRED'])[1 + i % 6] AS status
				FROM c, generate_series(1, $1) i)
			INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code, status, created_at, updated_at,
				acknowledged_at, interviewed_at, hired_at, employed_at)
			SELECT (SELECT id FROM workers LIMIT 1), origin, dest, '8153', status, at, at,
				CASE WHEN status IN ('ACKNOWLEDGED', 'INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED', 'NOT_HIRED') THEN at + interval '1 day' END,
				CASE WHEN status IN ('INTERVIEW_SCHEDULED', 'HIRED', 'EMPLOYED') THEN at + interval '2 days' END,
				CASE WHEN status IN ('HIRED', 'EMPLOYED') THEN at + interval '3 days' + (i % 5) * interval '5 hours' END,
				CASE WHEN status = 'EMPLOYED' THEN at + interval '33 days' END
			FROM gen`, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES ('TNG', 'Trung tâm TNG', '19', now(), now()),
			('HPG', 'Trung tâm HPG', '31', now(), now()), ('BNH', 'Trung tâm BNH', '24', now(), now())`,
		`INSERT INTO workers (id, registered_by, occupation_code, consent_given, erased_at, created_at, updated_at)
			SELECT gen_random_uuid(), id, '8153', true, now(), now(), now() FROM centers WHERE code = 'TNG'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return insert
}
