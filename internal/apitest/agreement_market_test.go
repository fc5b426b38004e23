package apitest_test

import (
	"slices"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

// TestActiveAgreementOpensPartnerPostingsAndCountsInMatching: before TNG and HPG sign,
// HPG's partner-only demand is invisible to TNG and matching gives no agreement reason;
// once both sign, TNG sees the demand and matches say AGREEMENT_COVERS; when the
// agreement is terminated, the demand disappears for TNG again.
func TestActiveAgreementOpensPartnerPostingsAndCountsInMatching(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	tn, hp := tng.Token(t, "coordinator"), hpg.Token(t, "coordinator")
	demand := mustPublishDemand(t, e, hp, map[string]any{"visibility": "AGREEMENT_PARTNERS"})
	supply := mustPublishSupply(t, e, tn, nil)

	sees := func() bool {
		r := e.Do(t, tn, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": demand})
		return r.Get("node.id") == demand
	}
	reasons := func() []string {
		r := e.Do(t, hp, `query($id: ID!) { matchesForDemand(demandId: $id) { reasons laborSupply { id } } }`, map[string]any{"id": demand})
		r.NoErrors(t)
		var out []string
		for _, s := range r.Get("matchesForDemand.0.reasons").([]any) {
			out = append(out, s.(string))
		}
		return out
	}
	if sees() || slices.Contains(reasons(), "AGREEMENT_COVERS") {
		t.Fatal("before any agreement TNG sees HPG's partner-only demand, or matching claims an agreement")
	}

	r := e.Do(t, tn, proposeAgreement, in("title", "Cung ứng lao động may", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 50, "TNG", "HPG"))))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	e.Do(t, tn, signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
	if sees() {
		t.Fatal("a proposal signed by one party already opens partner-only postings")
	}
	e.Do(t, hp, signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
	if !sees() {
		t.Fatal("after both signed, TNG does not see HPG's partner-only demand")
	}
	if got := reasons(); !slices.Contains(got, "AGREEMENT_COVERS") {
		t.Errorf("match reasons with an active agreement = %v, want AGREEMENT_COVERS", got)
	}
	r = e.Do(t, tn, `query($id: ID!) { matchesForSupply(supplyId: $id) { laborDemand { id } reasons } }`, map[string]any{"id": supply})
	if r.Get("matchesForSupply.0.laborDemand.id") != demand {
		t.Errorf("TNG's supply does not match HPG's partner demand: %s", r.Raw)
	}

	e.Do(t, hp, terminateAgreement, in("agreementId", id, "reason", "kết thúc chương trình")).NoErrors(t)
	if sees() {
		t.Error("after termination TNG still sees HPG's partner-only demand")
	}
}
