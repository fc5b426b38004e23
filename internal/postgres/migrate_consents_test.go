package postgres_test

import (
	"context"
	"slices"
	"testing"
)

// TestConsentsMigration: migration 00066 turns each worker's one-consent columns into
// the first record of their consent history (an erased worker's purpose is not carried
// over), and its Down puts the latest record back into the columns.
func TestConsentsMigration(t *testing.T) {
	ctx := context.Background()
	db, m := migratedTo(t, 65)
	for _, q := range []string{
		`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES ('TNG', 'Trung tâm TNG', '19', now(), now())`,
		// In force, withdrawn, erased (its purpose left behind by the erasure of old).
		`INSERT INTO workers (id, registered_by, full_name, date_of_birth, national_id_enc, national_id_hmac, national_id_last4,
			occupation_code, consent_given, consent_at, consent_purpose, consent_withdrawn_at, created_at, updated_at)
		SELECT w.id::uuid, c.id, 'Người ' || w.n, '1990-01-01', '\x00', decode(repeat(w.n, 64), 'hex'), '1234', '8153',
			w.given, timestamptz '2026-03-01', w.purpose, w.withdrawn, timestamptz '2026-02-01', timestamptz '2026-02-01'
		FROM centers c, (VALUES
			('00000000-0000-0000-0000-000000000001', '1', true, 'giới thiệu việc làm', NULL::timestamptz),
			('00000000-0000-0000-0000-000000000002', '2', false, 'thời vụ', timestamptz '2026-04-01')) AS w (id, n, given, purpose, withdrawn)`,
		`INSERT INTO workers (id, registered_by, occupation_code, consent_given, consent_purpose, erased_at, created_at, updated_at)
		SELECT '00000000-0000-0000-0000-000000000003', id, '8153', true, 'để lại', now(), timestamptz '2026-02-01', now() FROM centers`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := m.UpTo(ctx, 66); err != nil {
		t.Fatal(err)
	}
	records := func(q string) []string {
		t.Helper()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := records(`SELECT concat_ws(' ', right(worker_id::text, 1), coalesce(purpose, '-'), cardinality(destination_province_codes),
		coalesce(valid_until::text, '-'), to_char(given_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
		coalesce(to_char(withdrawn_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-')) FROM worker_consents ORDER BY worker_id`)
	want := []string{"1 giới thiệu việc làm 0 - 2026-03-01 -", "2 thời vụ 0 - 2026-03-01 2026-04-01", "3 - 0 - 2026-02-01 -"}
	if !slices.Equal(got, want) {
		t.Errorf("consent records after 00066:\n got  %q\n want %q", got, want)
	}
	if cols := records(`SELECT column_name::text FROM information_schema.columns WHERE table_name = 'workers'
		AND column_name LIKE 'consent%'`); len(cols) != 0 {
		t.Errorf("workers keeps consent columns %v", cols)
	}
	// Consent given again to the withdrawn worker, then Down: the latest record wins.
	if _, err := db.ExecContext(ctx, `INSERT INTO worker_consents (worker_id, purpose, given_at)
		VALUES ('00000000-0000-0000-0000-000000000002', 'lần hai', timestamptz '2026-05-01')`); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DownTo(ctx, 65); err != nil {
		t.Fatal(err)
	}
	got = records(`SELECT concat_ws(' ', right(id::text, 1), consent_given, coalesce(consent_purpose, '-'),
		coalesce(to_char(consent_withdrawn_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '-')) FROM workers ORDER BY id`)
	want = []string{"1 t giới thiệu việc làm -", "2 t lần hai -", "3 t - -"}
	if !slices.Equal(got, want) {
		t.Errorf("workers after Down:\n got  %q\n want %q", got, want)
	}
	if _, err := m.UpTo(ctx, 66); err != nil {
		t.Fatal(err)
	}
}
