package apitest_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

const retentionStep = `mutation($in: UpdateReferralStatusInput!) { updateReferralStatus(input: $in) {
	referral { id status leftReason checkpoints { day dueOn status confirmedAt } }
	userErrors { field code message } } }`

const checkpointsDue = `query($due: Boolean) { referrals(filter: {checkpointDue: $due}) {
	edges { node { id checkpoints { day status } } } } }`

const retentionStats = `{ stats { retention { origin { code } destination { code } day due confirmed left rate } } }`

// TestRetentionCheckpoints follows two hires from Thái Nguyên to Hải Phòng for 181
// days: one confirmed at 30 and 90 days, then gone for a better job; the other never
// followed up, so its 30-day checkpoint is missed.
func TestRetentionCheckpoints(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := func(days int) {
		at := t0.AddDate(0, 0, days)
		e.App.DB.Now = func() time.Time { return at }
	}
	t.Cleanup(func() { e.App.DB.Now = time.Now })
	clock(0)
	step := func(token, id, action string, extra map[string]any) *apitest.Response {
		in := map[string]any{"referralId": id, "action": action}
		for k, v := range extra {
			in[k] = v
		}
		return e.Do(t, token, retentionStep, map[string]any{"in": in})
	}
	hire := func(nationalID string) string {
		id, _ := refer(t, e, f.origin, referInput(nationalID, "HPG"))
		act(t, e, f.dest, id, "ACKNOWLEDGE").NoErrors(t)
		r := step(f.dest, id, "MARK_HIRED", nil)
		r.NoErrors(t)
		want := []string{t0.AddDate(0, 0, 30).Format(time.DateOnly), t0.AddDate(0, 0, 90).Format(time.DateOnly),
			t0.AddDate(0, 0, 180).Format(time.DateOnly)}
		for i, d := range []int{30, 90, 180} {
			p := "updateReferralStatus.referral.checkpoints." + string(rune('0'+i))
			if r.Int(t, p+".day") != d || r.String(t, p+".dueOn") != want[i] || r.String(t, p+".status") != "DUE" {
				t.Fatalf("checkpoint %d after hire: %s", i, r.Raw)
			}
		}
		return id
	}
	kept, missed := hire("001090012345"), hire("001090012346")

	// Not due yet: refused at the field, and nothing is due.
	r := step(f.origin, kept, "CONFIRM_EMPLOYMENT", map[string]any{"checkpointDay": 30})
	if got := r.UserErrorCodes("updateReferralStatus"); len(got) != 1 || got[0] != "OUT_OF_RANGE" {
		t.Fatalf("early confirmation: %s", r.Raw)
	}
	if n := e.Do(t, f.origin, checkpointsDue, map[string]any{"due": true}).Len("referrals.edges"); n != 0 {
		t.Fatalf("%d referrals due on the day of the hire", n)
	}

	// Day 31: both are due, for both centers; the origin confirms one.
	clock(31)
	for _, token := range []string{f.origin, f.dest} {
		if n := e.Do(t, token, checkpointsDue, map[string]any{"due": true}).Len("referrals.edges"); n != 2 {
			t.Fatalf("%d referrals due on day 31", n)
		}
	}
	r = step(f.origin, kept, "CONFIRM_EMPLOYMENT", map[string]any{"checkpointDay": 30})
	r.NoErrors(t)
	if r.String(t, "updateReferralStatus.referral.status") != "EMPLOYED" ||
		r.String(t, "updateReferralStatus.referral.checkpoints.0.status") != "CONFIRMED" {
		t.Fatalf("30-day confirmation: %s", r.Raw)
	}
	r = step(f.origin, kept, "CONFIRM_EMPLOYMENT", map[string]any{"checkpointDay": 30})
	if got := r.UserErrorCodes("updateReferralStatus"); len(got) != 1 || got[0] != "INVALID_TRANSITION" {
		t.Fatalf("second 30-day confirmation: %s", r.Raw)
	}

	// Day 91: the destination confirms the 90-day checkpoint; the referral stays EMPLOYED.
	clock(91)
	r = step(f.dest, kept, "CONFIRM_EMPLOYMENT", map[string]any{"checkpointDay": 90})
	r.NoErrors(t)
	if r.String(t, "updateReferralStatus.referral.status") != "EMPLOYED" ||
		r.String(t, "updateReferralStatus.referral.checkpoints.1.status") != "CONFIRMED" ||
		r.String(t, "updateReferralStatus.referral.checkpoints.1.confirmedAt") != t0.AddDate(0, 0, 91).Format(time.RFC3339) {
		t.Fatalf("90-day confirmation: %s", r.Raw)
	}
	// The other hire's 30-day checkpoint is past its grace: MISSED; its 90-day one is due.
	due := e.Do(t, f.dest, checkpointsDue, map[string]any{"due": true})
	if due.Len("referrals.edges") != 1 || due.String(t, "referrals.edges.0.node.id") != missed ||
		due.String(t, "referrals.edges.0.node.checkpoints.0.status") != "MISSED" ||
		due.String(t, "referrals.edges.0.node.checkpoints.1.status") != "DUE" {
		t.Fatalf("due on day 91: %s", due.Raw)
	}
	if n := e.Do(t, f.dest, checkpointsDue, map[string]any{"due": false}).Len("referrals.edges"); n != 1 {
		t.Fatalf("%d referrals with nothing due on day 91, want 1", n)
	}
	// A third center sees no referral of either.
	if n := e.Do(t, f.bnh.Token(t, "publisher"), checkpointsDue, map[string]any{"due": true}).Len("referrals.edges"); n != 0 {
		t.Fatalf("BNH sees %d due referrals", n)
	}

	stats := e.Do(t, f.bnh.Token(t, "viewer"), retentionStats, nil)
	stats.NoErrors(t)
	if stats.Len("stats.retention") != 2 {
		t.Fatalf("retention on day 91: %s", stats.Raw)
	}
	for i, want := range []struct {
		day, due, confirmed int
		rate                float64
	}{{30, 2, 1, 0.5}, {90, 2, 1, 0.5}} {
		p := "stats.retention." + string(rune('0'+i))
		if stats.String(t, p+".origin.code") != "19" || stats.String(t, p+".destination.code") != "31" ||
			stats.Int(t, p+".day") != want.day || stats.Int(t, p+".due") != want.due ||
			stats.Int(t, p+".confirmed") != want.confirmed || stats.Get(p+".rate") != want.rate {
			t.Fatalf("retention row %d: %s", i, stats.Raw)
		}
	}

	// Day 181: the worker left for a better job; the open 180-day checkpoint closes.
	clock(181)
	r = step(f.origin, kept, "MARK_LEFT", map[string]any{"leftReason": "BETTER_JOB"})
	r.NoErrors(t)
	if r.String(t, "updateReferralStatus.referral.status") != "LEFT_JOB" ||
		r.String(t, "updateReferralStatus.referral.leftReason") != "BETTER_JOB" ||
		r.String(t, "updateReferralStatus.referral.checkpoints.2.status") != "LEFT" ||
		r.String(t, "updateReferralStatus.referral.checkpoints.1.status") != "CONFIRMED" {
		t.Fatalf("left: %s", r.Raw)
	}
	r = step(f.origin, missed, "MARK_LEFT", map[string]any{"leftReason": "HOMESICK"})
	if len(r.Errors) == 0 {
		t.Fatalf("an unknown leftReason was accepted: %s", r.Raw)
	}
}
