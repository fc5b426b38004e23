package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
)

// TestSeedConsents: every demo worker has a consent history, some limited to the
// destination's province or to a day, one with a withdrawal and consent given again;
// seeding twice adds no record.
func TestSeedConsents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dir := seededDB(t) // seeded once
	counts := func() (workers, without, records, scoped, dated, withdrawn int) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM workers),
				(SELECT count(*) FROM workers w WHERE NOT EXISTS (SELECT 1 FROM worker_consents c WHERE c.worker_id = w.id)),
				count(*), count(*) FILTER (WHERE cardinality(destination_province_codes) > 0),
				count(valid_until), count(withdrawn_at)
			FROM worker_consents`).Scan(&workers, &without, &records, &scoped, &dated, &withdrawn); err != nil {
			t.Fatal(err)
		}
		return
	}
	workers, without, records, scoped, dated, withdrawn := counts()
	if workers == 0 || without != 0 || records != workers+1 || scoped == 0 || dated == 0 || withdrawn != 1 {
		t.Errorf("demo consents: %d workers, %d without consent, %d records (%d scoped, %d dated, %d withdrawn)",
			workers, without, records, scoped, dated, withdrawn)
	}
	if err := demo.Seed(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	if _, _, again, _, _, _ := counts(); again != records {
		t.Errorf("seeding again: %d consent records, was %d", again, records)
	}
}
