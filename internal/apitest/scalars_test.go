package apitest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestMalformedScalarsAreBadUserInput: a Date, DateTime or Int64 that does not parse,
// in variables or inline, is BAD_USER_INPUT with a message saying what was expected;
// never INTERNAL, and nothing is written.
func TestMalformedScalarsAreBadUserInput(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	const supply = `mutation($in: PublishLaborSupplyInput!) { publishLaborSupply(input: $in) { laborSupply { id } userErrors { code } } }`
	const demand = `mutation($in: PublishLaborDemandInput!) { publishLaborDemand(input: $in) { laborDemand { id } userErrors { code } } }`
	demandIn := func(k string, v any) map[string]any {
		in := map[string]any{"employer": map[string]any{"name": "Công ty X"}, "occupationCode": "8153", "title": "May",
			"quantity": 1, "workProvinceCode": "31", "employmentType": "FULL_TIME",
			"expiresAt": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)}
		in[k] = v
		return map[string]any{"in": in}
	}
	cases := []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"Date in variables", supply, map[string]any{"in": map[string]any{"occupationCode": "8153", "quantity": 3, "availableFrom": "2026-13-45"}}, "YYYY-MM-DD"},
		{"Date inline", `mutation { publishLaborSupply(input: {occupationCode: "8153", quantity: 3, availableFrom: "soon"}) { userErrors { code } } }`, nil, "YYYY-MM-DD"},
		{"DateTime", demand, demandIn("expiresAt", "next week"), "RFC 3339"},
		{"Int64", demand, demandIn("wageMin", "nine million"), "whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do(t, tok, c.query, c.vars)
			if r.Data["publishLaborSupply"] != nil || r.Data["publishLaborDemand"] != nil {
				t.Errorf("something was published: %s", r.Raw)
			}
			if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, c.want) {
				t.Errorf("got %s, want BAD_USER_INPUT mentioning %q", r.Raw, c.want)
			}
		})
	}
	// Amounts may also come as decimal strings, as JavaScript clients send 64-bit values.
	in := demandIn("wageMin", "8000000")
	in["in"].(map[string]any)["wageMax"] = "9500000"
	r := e.Do(t, tok, `mutation($in: PublishLaborDemandInput!) { publishLaborDemand(input: $in) { laborDemand { wageMin wageMax } userErrors { code } } }`, in)
	r.NoErrors(t)
	if r.Get("publishLaborDemand.laborDemand.wageMax") != float64(9500000) {
		t.Errorf("wageMax = %v, want 9500000", r.Get("publishLaborDemand.laborDemand.wageMax"))
	}
}
