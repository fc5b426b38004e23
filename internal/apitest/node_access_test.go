package apitest_test

import (
	"strings"
	"testing"
)

// TestNodeAccessForEveryType is the one place that lists every type reachable through
// node(id:) and who may not see it: for each, a caller without rights gets null with
// NOT_FOUND and none of the object's data, through node and nodes alike. Types that are
// public to every authenticated center by design (Center, LaborSupply, ALL_PARTNERS
// demands) are asserted to be public, so a change of that rule fails here too.
func TestNodeAccessForEveryType(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 10, 10) // TNG and HPG with an agreement, HPG's demand; BNH is a third center
	e := f.e
	hpgKey := e.Do(t, f.dest, `{ center(code: "HPG") { keys { id } } }`, nil).String(t, "center.keys.0.id")
	partnerDemand := mustPublishDemand(t, e, f.dest, map[string]any{"title": "Đối tác: thợ hàn", "visibility": "AGREEMENT_PARTNERS"})
	supply := mustPublishSupply(t, e, f.origin, nil)
	r := e.Do(t, f.origin, referWorker, map[string]any{"in": referInput("001090012345", "HPG")})
	r.NoErrors(t)
	referral, worker := r.String(t, "referWorker.referral.id"), r.String(t, "referWorker.referral.worker.id")

	third := f.bnh.Token(t, "publisher", "coordinator")
	hpgViewer := f.hpg.Token(t, "viewer")
	op := e.OperatorToken(t)
	const fields = `id ... on CenterKey { kid publicKeyPem } ... on LaborDemand { title } ... on Agreement { title }
		... on Referral { status } ... on Worker { fullName nationalIdMasked }`
	hidden := []struct {
		typ, id string
		callers map[string]string
	}{
		{"CenterKey", hpgKey, map[string]string{"another center": third}},
		{"LaborDemand (AGREEMENT_PARTNERS)", partnerDemand, map[string]string{"a center without an agreement": third}},
		{"Agreement", f.agreementID, map[string]string{"a center not party": third}},
		{"Referral", referral, map[string]string{"a third center": third, "the destination's viewer": hpgViewer, "the operator": op}},
		{"Worker", worker, map[string]string{"a third center": third, "the destination's viewer": hpgViewer, "the operator": op}},
	}
	for _, h := range hidden {
		for who, token := range h.callers {
			t.Run(h.typ+" to "+who, func(t *testing.T) {
				r := e.Do(t, token, `query($id: ID!, $ids: [ID!]!) { node(id: $id) { `+fields+` } nodes(ids: $ids) { `+fields+` } }`,
					map[string]any{"id": h.id, "ids": []string{h.id}})
				if r.Get("node") != nil || r.Get("nodes.0") != nil {
					t.Errorf("data leaked: %s", r.Raw)
				}
				codes := r.ErrorCodes()
				if len(codes) != 2 || codes[0] != "NOT_FOUND" || codes[1] != "NOT_FOUND" {
					t.Errorf("errors = %v, want NOT_FOUND for node and nodes", codes)
				}
				if strings.Contains(string(r.Raw), "Nguyễn") || strings.Contains(string(r.Raw), "2345") {
					t.Errorf("personal data in the refusal: %s", r.Raw)
				}
			})
		}
	}
	public := map[string]string{"Center": f.hpg.ID, "LaborSupply": supply}
	for typ, id := range public {
		t.Run(typ+" is public to every center", func(t *testing.T) {
			r := e.Do(t, third, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			r.NoErrors(t)
			if r.Get("node.id") != id {
				t.Errorf("node = %s", r.Raw)
			}
		})
	}
}
