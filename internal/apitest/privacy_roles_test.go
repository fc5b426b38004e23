package apitest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestViewersAndOperatorsSeeAggregatesOnly: a viewer of either center of a referral and
// the national operator get no individual referral, worker, referral event or note
// through any path (DESIGN §1, §5); the statistics still count the referral.
func TestViewersAndOperatorsSeeAggregatesOnly(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	before := feedCursor(t, e)
	referralID, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	act(t, e, f.dest, referralID, "ACKNOWLEDGE").NoErrors(t)
	// A change every caller sees, after the referral's: a subscription from before the
	// referral must deliver this one first.
	demandID := mustPublishDemand(t, e, f.dest, nil)

	callers := map[string]string{
		"TNG viewer": f.tng.Token(t, "viewer"), "HPG viewer": f.hpg.Token(t, "viewer"), "operator": e.OperatorToken(t),
	}
	for name, tok := range callers {
		t.Run(name, func(t *testing.T) {
			r := e.Do(t, tok, `{ referrals(first: 50) { edges { node { id events { note actorSubject } } } } }`, nil)
			if got := r.ErrorCodes(); len(got) != 1 || got[0] != "FORBIDDEN" || r.Get("referrals") != nil {
				t.Errorf("referrals list: %s, want FORBIDDEN and no data", r.Raw)
			}
			r = e.Do(t, tok, `query($ids: [ID!]!) { nodes(ids: $ids) { id
				... on Referral { events { note } } ... on Worker { fullName } } }`,
				map[string]any{"ids": []string{referralID, workerID}})
			if r.Get("nodes.0") != nil || r.Get("nodes.1") != nil {
				t.Errorf("nodes of the referral and its worker: %s, want nulls", r.Raw)
			}
			r = e.Do(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": referralID})
			if r.Get("node") != nil {
				t.Errorf("node(referral): %s, want null", r.Raw)
			}
			r = e.Do(t, tok, `query($after: String) { changes(after: $after, first: 50) { edges { node { entityType entityId } } } }`,
				map[string]any{"after": before})
			r.NoErrors(t)
			for i := range r.Len("changes.edges") {
				if k := r.Get(fmt.Sprintf("changes.edges.%d.node.entityType", i)); k == "Referral" || k == "Worker" {
					t.Errorf("changes feed shows a %s change: %s", k, r.Raw)
				}
			}
			got := apitest.SubscribeOnce(t, e.Server.URL, tok,
				`subscription($id: ID) { referralUpdated(referralId: $id) { id } }`, map[string]any{"id": referralID})
			if len(got.Errors) != 1 || got.Errors[0].Code() != "NOT_FOUND" {
				t.Errorf("referralUpdated(referralId): %s, want NOT_FOUND", got.Raw)
			}
			sub := apitest.Subscribe(t, e.Server.URL, tok, `subscription($after: String) { changes(after: $after) { entityType entityId } }`,
				map[string]any{"after": before})
			ev := sub.Next(t, 20*time.Second)["changes"].(map[string]any)
			if ev["entityType"] != "LaborDemand" || ev["entityId"] != demandID {
				t.Errorf("changes subscription's first change = %v, want the demand (no referral)", ev)
			}
			r = e.Do(t, tok, `{ stats { referralFlows { total } } }`, nil)
			r.NoErrors(t)
		})
	}
	// The centers' publishers still see it all.
	r := e.Do(t, f.origin, `{ referrals(first: 5) { edges { node { id events { note } } } } }`, nil)
	r.NoErrors(t)
	if r.Get("referrals.edges.0.node.events.0.note") != "thợ hàn có kinh nghiệm" {
		t.Errorf("origin publisher's referrals: %s", r.Raw)
	}
}
