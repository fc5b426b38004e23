package postgres_test

import (
	"context"
	"slices"
	"testing"
)

// TestStatsPerfMigration: migration 00011 fills the stage columns of the referrals made
// before it from their events, for every path through the lifecycle, and its Down
// removes them again.
func TestStatsPerfMigration(t *testing.T) {
	ctx := context.Background()
	db, m := migratedTo(t, 10)
	// One referral per path; its events are a day apart, the first its creation.
	for _, q := range []string{
		`INSERT INTO centers (code, name, province_code, created_at, updated_at)
			VALUES ('TNG', 'Trung tâm TNG', '19', now(), now()), ('HPG', 'Trung tâm HPG', '31', now(), now())`,
		`INSERT INTO workers (id, registered_by, occupation_code, consent_given, erased_at, created_at, updated_at)
			SELECT gen_random_uuid(), id, '8153', true, now(), now(), now() FROM centers WHERE code = 'TNG'`,
		`CREATE TEMP TABLE paths (status text, path text[])`,
		`INSERT INTO paths VALUES
			('REFERRED', '{REFERRED}'),
			('ACKNOWLEDGED', '{REFERRED,ACKNOWLEDGED}'),
			('INTERVIEW_SCHEDULED', '{REFERRED,INTERVIEW_SCHEDULED}'),
			('HIRED', '{REFERRED,ACKNOWLEDGED,HIRED}'),
			('EMPLOYED', '{REFERRED,ACKNOWLEDGED,INTERVIEW_SCHEDULED,HIRED,EMPLOYED}'),
			('LEFT_JOB', '{REFERRED,INTERVIEW_SCHEDULED,HIRED,LEFT_JOB}'),
			('NOT_HIRED', '{REFERRED,ACKNOWLEDGED,NOT_HIRED}'),
			('WITHDRAWN', '{REFERRED,WITHDRAWN}')`,
		`INSERT INTO referrals (worker_id, origin_center_id, destination_center_id, occupation_code, status, created_at, updated_at)
			SELECT (SELECT id FROM workers), (SELECT id FROM centers WHERE code = 'TNG'), (SELECT id FROM centers WHERE code = 'HPG'),
				'8153', status, timestamptz '2026-03-01', timestamptz '2026-03-01' FROM paths`,
		`INSERT INTO referral_events (referral_id, from_status, to_status, action, actor_subject, at, recorded_at)
			SELECT r.id, p.path[s.i - 1], p.path[s.i], CASE WHEN s.i > 1 THEN 'STEP' END, 'test',
				r.created_at + (s.i - 1) * interval '1 day', r.created_at
			FROM referrals r JOIN paths p USING (status), generate_subscripts(p.path, 1) s (i)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := m.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT concat_ws(' ', status,
			coalesce(extract(day FROM acknowledged_at - created_at)::text, '-'),
			coalesce(extract(day FROM interviewed_at - created_at)::text, '-'),
			coalesce(extract(day FROM hired_at - created_at)::text, '-'),
			coalesce(extract(day FROM employed_at - created_at)::text, '-'))
		FROM referrals ORDER BY status`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"ACKNOWLEDGED 1 - - -", "EMPLOYED 1 2 3 4", "HIRED 1 - 2 -", "INTERVIEW_SCHEDULED - 1 - -",
		"LEFT_JOB - 1 2 -", "NOT_HIRED 1 - - -", "REFERRED - - - -", "WITHDRAWN - - - -"}
	if !slices.Equal(got, want) {
		t.Errorf("stages after 00011:\n got  %q\n want %q", got, want)
	}
	// The constraint holds the stages to the status.
	if _, err := db.ExecContext(ctx, `UPDATE referrals SET hired_at = NULL WHERE status = 'HIRED'`); err == nil {
		t.Error("a HIRED referral without hired_at was accepted")
	}
	if _, err := m.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	var columns int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'referrals' AND column_name LIKE '%\_at' AND column_name NOT IN ('created_at', 'updated_at')`).
		Scan(&columns); err != nil || columns != 0 {
		t.Errorf("after Down: %d stage columns left (%v)", columns, err)
	}
	if _, err := m.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
}
