package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
)

func TestSeedSessionsTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dir := seededDB(t) // seeded once
	counts := func() [6]int {
		var n [6]int
		// Today's sessions; the history's are older.
		if err := db.Pool.QueryRow(ctx, `WITH s AS (SELECT * FROM exchange_sessions WHERE created_at > now() - interval '1 day')
			SELECT (SELECT count(*) FROM s),
			(SELECT count(*) FROM exchange_session_participants WHERE session_id IN (SELECT id FROM s)),
			(SELECT count(*) FROM exchange_session_participants WHERE outcome_recorded_at IS NOT NULL AND session_id IN (SELECT id FROM s)),
			(SELECT count(*) FROM exchange_session_demands WHERE session_id IN (SELECT id FROM s)), (SELECT sum(version) FROM exchange_sessions),
			(SELECT count(*) FILTER (WHERE status = 'ACCEPTED') * 10 + count(*) FILTER (WHERE status = 'INVITED')
			 FROM exchange_session_invitations WHERE session_id IN (SELECT id FROM s))`).
			Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5]); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := counts()
	// Three sessions of two centers each (one a record of 2020); Chợ Mới has HPG's
	// sewing demand and both outcomes, and so has the record.
	if first[0] != 3 || first[1] != 6 || first[2] != 4 || first[3] != 1 {
		t.Errorf("sessions, participants, outcomes, featured demands = %v, want 3, 6, 4, 1", first[:4])
	}
	// Each joiner was invited (ACCEPTED, 3); Bắc Ninh has not answered (INVITED, 1).
	if first[5] != 31 {
		t.Errorf("invitations = %d accepted, %d invited; want 3, 1", first[5]/10, first[5]%10)
	}
	if err := demo.Seed(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	if again := counts(); again != first {
		t.Errorf("a second seed changed the sessions: %v, then %v", first, again)
	}
}
