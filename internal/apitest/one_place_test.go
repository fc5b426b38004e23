package apitest_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// referOutcome sends referWorker and names its outcome: REFERRED or the first user
// error's code and field.
func referOutcome(t *testing.T, f *hireFixture, in map[string]any) string {
	r := f.e.Do(t, f.origin, referWorker, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		return "error: " + string(r.Raw)
	}
	if r.Len("referWorker.userErrors") > 0 {
		return fmt.Sprintf("%s %v", r.Get("referWorker.userErrors.0.code"), r.Get("referWorker.userErrors.0.field"))
	}
	return "REFERRED"
}

// TestOneOpenReferralPerDemandParallel: 200 simultaneous referrals of one worker to one
// demand make one referral; the others are ALREADY_REFERRED. Once that referral is
// closed (withdrawn), the worker may be referred to the demand again.
func TestOneOpenReferralPerDemandParallel(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 10, 10)
	in := referInput("001090012345", "HPG")
	in["demandId"] = f.demandID
	var mu sync.Mutex
	got := map[string]int{}
	parallel(t, 200, 200, func(int) {
		o := referOutcome(t, f, in)
		mu.Lock()
		got[o]++
		mu.Unlock()
	})
	if len(got) != 2 || got["REFERRED"] != 1 || got["ALREADY_REFERRED [input demandId]"] != 199 {
		t.Fatalf("outcomes = %v, want 1 REFERRED and 199 ALREADY_REFERRED at input.demandId", got)
	}
	r := f.e.Do(t, f.origin, `{ referrals(first: 5) { totalCount edges { node { id } } } }`, nil)
	if r.Int(t, "referrals.totalCount") != 1 {
		t.Fatalf("referrals: %s", r.Raw)
	}
	act(t, f.e, f.origin, r.String(t, "referrals.edges.0.node.id"), "WITHDRAW").NoErrors(t)
	if o := referOutcome(t, f, in); o != "REFERRED" {
		t.Errorf("referral after the first was withdrawn: %s", o)
	}
}

// TestOneWorkerOnePlaceParallel: one worker referred 200 times and hired on all 200
// referrals at once is hired once; the others are WORKER_ALREADY_PLACED.
func TestOneWorkerOnePlaceParallel(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 10, 10)
	ids := make([]string, 200)
	parallel(t, len(ids), 8, func(i int) {
		ids[i], _ = refer(t, f.e, f.origin, referInput("001090012345", "HPG"))
		act(t, f.e, f.dest, ids[i], "ACKNOWLEDGE").NoErrors(t)
	})
	got := f.hireAll(t, ids)
	if len(got) != 2 || got["HIRED"] != 1 || got["WORKER_ALREADY_PLACED"] != 199 {
		t.Fatalf("outcomes = %v, want 1 HIRED and 199 WORKER_ALREADY_PLACED", got)
	}
	var placed []string
	for _, id := range ids {
		r := f.e.Do(t, f.dest, `query($id: ID!) { node(id: $id) { ... on Referral { status } } }`, map[string]any{"id": id})
		if s := r.String(t, "node.status"); s == "HIRED" {
			placed = append(placed, id)
		}
	}
	if len(placed) != 1 {
		t.Fatalf("%d referrals HIRED, want 1", len(placed))
	}
	// Confirming the one placement is no second placement.
	act(t, f.e, f.origin, placed[0], "CONFIRM_EMPLOYMENT").NoErrors(t)
	other := ids[slices.IndexFunc(ids, func(id string) bool { return id != placed[0] })]
	r := act(t, f.e, f.dest, other, "MARK_HIRED")
	if got := r.UserErrorCodes("updateReferralStatus"); !slices.Equal(got, []string{"WORKER_ALREADY_PLACED"}) {
		t.Errorf("hire while employed elsewhere: %s", r.Raw)
	}
}
