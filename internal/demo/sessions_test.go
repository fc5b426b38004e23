package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
)

func TestSeedSessionsTwice(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	dir := t.TempDir()
	counts := func() [5]int {
		var n [5]int
		// Today's sessions; the history's are older.
		if err := db.Pool.QueryRow(ctx, `WITH s AS (SELECT * FROM exchange_sessions WHERE created_at > now() - interval '1 day')
			SELECT (SELECT count(*) FROM s),
			(SELECT count(*) FROM exchange_session_participants WHERE session_id IN (SELECT id FROM s)),
			(SELECT count(*) FROM exchange_session_participants WHERE outcome_recorded_at IS NOT NULL AND session_id IN (SELECT id FROM s)),
			(SELECT count(*) FROM exchange_session_demands WHERE session_id IN (SELECT id FROM s)), (SELECT sum(version) FROM exchange_sessions)`).
			Scan(&n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := demo.Seed(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	first := counts()
	// Two sessions of two centers each; Chợ Mới has HPG's sewing demand and both outcomes.
	if first[0] != 2 || first[1] != 4 || first[2] != 2 || first[3] != 1 {
		t.Errorf("sessions, participants, outcomes, featured demands = %v, want 2, 4, 2, 1", first[:4])
	}
	if err := demo.Seed(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	if again := counts(); again != first {
		t.Errorf("a second seed changed the sessions: %v, then %v", first, again)
	}
}
