package apitest_test

import (
	"strings"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

// personalText is what the issue saw published to every center in a supply's notes.
const personalText = "Nguyễn Văn A, CCCD 006195001234, SĐT 0912345678"

// TestPersonalDataInText: text every center (or every party) sees refuses what looks
// like personal data with PERSONAL_DATA_IN_TEXT naming the field, through the API: supply
// notes (publish and update), demand description (publish and update), an agreement
// comment and a session outcome's notes; nothing is stored.
func TestPersonalDataInText(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	tngTok, hpgTok := tng.Token(t, "publisher", "coordinator"), hpg.Token(t, "publisher", "coordinator")
	supplyID := mustPublishSupply(t, e, tngTok, nil)
	demandID := mustPublishDemand(t, e, hpgTok, nil)
	r := e.Do(t, tngTok, proposeAgreement, in("title", "Cung ứng lao động 2026", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 30, "TNG", "HPG"))))
	r.NoErrors(t)
	agreementID := r.String(t, "proposeAgreement.agreement.id")
	sessionID := mustSchedule(t, e, tngTok, startedSession(nil))

	cases := []struct {
		name, mutation, query string
		input                 map[string]any
		object                string
		field                 string
	}{
		{"supply notes", "publishLaborSupply", publishSupply, supplyInput(map[string]any{"notes": personalText}), "laborSupply", "notes"},
		{"supply notes on update", "updateLaborSupply", `mutation($in: UpdateLaborSupplyInput!) { updateLaborSupply(input: $in) {
			laborSupply { id } userErrors { field message code } } }`,
			map[string]any{"laborSupplyId": supplyID, "notes": "gọi anh Bình 0912 345 678"}, "laborSupply", "notes"},
		{"demand description", "publishLaborDemand", publishDemand,
			demandInput(map[string]any{"description": "Liên hệ tuyendung@mayhp.vn"}), "laborDemand", "description"},
		{"demand description on update", "updateLaborDemand", updateDemand,
			map[string]any{"laborDemandId": demandID, "description": "Chị Lan, CCCD 031190004321"}, "laborDemand", "description"},
		{"agreement comment", "commentOnAgreement", commentOnAgreement,
			map[string]any{"agreementId": agreementID, "text": personalText}, "comment", "text"},
		{"session notes", "recordSessionOutcome", recordOutcome, map[string]any{"sessionId": sessionID, "workersAttending": 10,
			"interviewed": 5, "hiredOnSpot": 1, "referredAfter": 2, "notes": "Anh Tùng (0987654321) được nhận"}, "sessionOutcome", "notes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do(t, tngTok, c.query, map[string]any{"in": c.input})
			if c.mutation == "updateLaborDemand" {
				r = e.Do(t, hpgTok, c.query, map[string]any{"in": c.input})
			}
			list, _ := r.Get(c.mutation + ".userErrors").([]any)
			if len(list) != 1 {
				t.Fatalf("userErrors: %s, want one PERSONAL_DATA_IN_TEXT", r.Raw)
			}
			ue := list[0].(map[string]any)
			field, _ := ue["field"].([]any)
			if ue["code"] != "PERSONAL_DATA_IN_TEXT" || len(field) != 2 || field[0] != "input" || field[1] != c.field ||
				!strings.HasPrefix(ue["message"].(string), c.field+" ") {
				t.Errorf("userError %v, want PERSONAL_DATA_IN_TEXT at input.%s naming it", ue, c.field)
			}
			if r.Get(c.mutation+"."+c.object) != nil {
				t.Errorf("the refused text was accepted: %s", r.Raw)
			}
		})
	}
	// Nothing of it was stored: the supply and the demand read back as published.
	r = e.Do(t, hpgTok, `query($s: ID!, $d: ID!) { s: node(id: $s) { ... on LaborSupply { notes version } }
		d: node(id: $d) { ... on LaborDemand { description version } } }`, map[string]any{"s": supplyID, "d": demandID})
	r.NoErrors(t)
	if r.Get("s.version") != float64(1) || r.Get("d.version") != float64(1) || strings.Contains(string(r.Raw), "0912") {
		t.Errorf("after the refusals: %s", r.Raw)
	}
}
