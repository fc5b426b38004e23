package apitest_test

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestTerminateEffectiveOn: a termination that takes effect on a later day leaves the
// agreement SIGNED and in force until then, in reads, list filters and quota counting
// alike; on that day it is TERMINATED everywhere. A backdated day, and a second
// termination, are refused.
func TestTerminateEffectiveOn(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 5, 5)
	e := f.e
	coord := f.hpg.Token(t, "coordinator")
	today := time.Now().UTC()
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }

	r := e.Do(t, coord, terminateAgreement, in("agreementId", f.agreementID, "reason", "hết nhu cầu", "effectiveOn", day(-1)))
	wantCodes(t, r, "terminateAgreement", "OUT_OF_RANGE")
	if got := fmtJSON(r.Get("terminateAgreement.userErrors.0.field")); got != `["input","effectiveOn"]` {
		t.Errorf("field %s", got)
	}

	const fields = `{ agreement { status isActive terminatesOn events { action from to note } } userErrors { field code message } }`
	r = e.Do(t, coord, `mutation($in: TerminateAgreementInput!) { terminateAgreement(input: $in) `+fields+` }`,
		in("agreementId", f.agreementID, "reason", "hết nhu cầu", "effectiveOn", day(7)))
	r.NoErrors(t)
	wantString(t, r, "terminateAgreement.agreement.status", "SIGNED")
	wantString(t, r, "terminateAgreement.agreement.terminatesOn", day(7))
	if r.Get("terminateAgreement.agreement.isActive") != true {
		t.Fatalf("not active before the termination takes effect: %s", r.Raw)
	}
	if n := r.Len("terminateAgreement.agreement.events"); r.Get("terminateAgreement.agreement.events."+strconv.Itoa(n-1)+".to") != "SIGNED" {
		t.Errorf("the TERMINATE event should leave the status SIGNED until it takes effect: %s", r.Raw)
	}
	wantCodes(t, e.Do(t, coord, terminateAgreement, in("agreementId", f.agreementID, "reason", "lần hai")),
		"terminateAgreement", "INVALID_TRANSITION")

	listed := func(filter map[string]any) bool {
		r := e.Do(t, coord, agreementList, map[string]any{"f": filter})
		r.NoErrors(t)
		var ids []string
		for _, edge := range r.Get("agreements.edges").([]any) {
			ids = append(ids, edge.(map[string]any)["node"].(map[string]any)["id"].(string))
		}
		return slices.Contains(ids, f.agreementID)
	}
	if !listed(map[string]any{"statuses": []string{"SIGNED"}}) || !listed(map[string]any{"activeOn": day(6)}) ||
		listed(map[string]any{"activeOn": day(7)}) || listed(map[string]any{"statuses": []string{"TERMINATED"}}) {
		t.Error("list filters disagree with a termination scheduled in 7 days")
	}
	// Still in force: a referral under it counts against its quota.
	ref := referInput("001090000001", "HPG")
	ref["agreementId"] = f.agreementID
	refer(t, e, f.origin, ref)

	// The day comes.
	e.App.DB.Now = func() time.Time { return today.AddDate(0, 0, 7) }
	t.Cleanup(func() { e.App.DB.Now = time.Now })
	r = e.Do(t, coord, `query($id: ID!) { node(id: $id) { ... on Agreement { status isActive quotaLines { referred } } } }`,
		map[string]any{"id": f.agreementID})
	r.NoErrors(t)
	wantString(t, r, "node.status", "TERMINATED")
	if r.Get("node.isActive") != false || r.Int(t, "node.quotaLines.0.referred") != 1 {
		t.Errorf("after the termination took effect: %s", r.Raw)
	}
	if listed(map[string]any{"statuses": []string{"SIGNED"}}) || !listed(map[string]any{"statuses": []string{"TERMINATED"}}) {
		t.Error("list filters still see the agreement SIGNED after its termination took effect")
	}
	ref = referInput("001090000002", "HPG")
	ref["agreementId"] = f.agreementID
	r = e.Do(t, f.origin, referWorker, map[string]any{"in": ref})
	wantCodes(t, r, "referWorker", "INVALID")
	wantCodes(t, e.Do(t, coord, commentOnAgreement, in("agreementId", f.agreementID, "text", "đã kết thúc")),
		"commentOnAgreement", "INVALID_TRANSITION")
}
