package apitest_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

// TestHireCountsAgainstTheDemandsOccupation: a worker registered as 8153 (sewing
// machine operator) referred under an agreement to an 8212 demand (electrical
// equipment assembler) is OCCUPATION_MISMATCH; referred knowingly, the referral is for
// 8212, keeps 8153 as the worker's, and the hire uses up the 8212 quota line only.
func TestHireCountsAgainstTheDemandsOccupation(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	demandID := mustPublishDemand(t, e, f.dest, map[string]any{"occupationCode": "8212", "title": "Lắp ráp thiết bị điện"})
	tng, hpg := f.tng.Token(t, "coordinator"), f.hpg.Token(t, "coordinator")
	r := e.Do(t, tng, proposeAgreement, in("title", "Cung ứng", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"), quota("8212", 5, "TNG", "HPG"))))
	r.NoErrors(t)
	agreementID := r.String(t, "proposeAgreement.agreement.id")
	e.Do(t, tng, signAgreement, in("agreementId", agreementID, "revision", 1)).NoErrors(t)
	e.Do(t, hpg, signAgreement, in("agreementId", agreementID, "revision", 1)).NoErrors(t)

	ref := referInput("001090012345", "HPG")
	ref["worker"].(map[string]any)["occupationCode"] = "8153"
	ref["demandId"], ref["agreementId"] = demandID, agreementID
	r = e.Do(t, f.origin, referWorker, map[string]any{"in": ref})
	if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, []string{"OCCUPATION_MISMATCH"}) ||
		!slices.Equal(r.Get("referWorker.userErrors.0.field").([]any), []any{"input", "worker", "occupationCode"}) {
		t.Fatalf("8153 worker to an 8212 demand: %s", r.Raw)
	}

	ref["allowOccupationMismatch"] = true
	r = e.Do(t, f.origin, `mutation($in: ReferWorkerInput!) { referWorker(input: $in) {
		referral { id occupation { code } workerOccupation { code } } userErrors { code } } }`, map[string]any{"in": ref})
	r.NoErrors(t)
	if r.Len("referWorker.userErrors") != 0 || r.Get("referWorker.referral.occupation.code") != "8212" ||
		r.Get("referWorker.referral.workerOccupation.code") != "8153" {
		t.Fatalf("knowing referral: %s", r.Raw)
	}
	id := r.String(t, "referWorker.referral.id")
	act(t, e, f.dest, id, "ACKNOWLEDGE").NoErrors(t)
	r = act(t, e, f.dest, id, "MARK_HIRED")
	r.NoErrors(t)
	if got := r.UserErrorCodes("updateReferralStatus"); len(got) != 0 {
		t.Fatalf("hire: %v", got)
	}
	r = e.Do(t, tng, `query($id: ID!) { node(id: $id) { ... on Agreement { quotaLines { occupation { code } referred hired } } } }`,
		map[string]any{"id": agreementID})
	r.NoErrors(t)
	used := map[any][2]int{}
	for i := range r.Len("node.quotaLines") {
		p := fmt.Sprintf("node.quotaLines.%d.", i)
		used[r.Get(p+"occupation.code")] = [2]int{r.Int(t, p+"referred"), r.Int(t, p+"hired")}
	}
	if used["8212"] != [2]int{1, 1} || used["8153"] != [2]int{0, 0} {
		t.Errorf("quota lines used (referred, hired) = %v, want 8212 (1, 1) and 8153 untouched", used)
	}

	// A worker in the demand's sub-major group (82xx) needs no flag.
	near := referInput("001090054321", "HPG")
	near["worker"].(map[string]any)["occupationCode"] = "8219"
	near["demandId"] = demandID
	r = e.Do(t, f.origin, referWorker, map[string]any{"in": near})
	r.NoErrors(t)
	if r.Len("referWorker.userErrors") != 0 || r.Get("referWorker.referral.occupation.code") != "8212" {
		t.Errorf("8219 worker to an 8212 demand: %s", r.Raw)
	}
}
