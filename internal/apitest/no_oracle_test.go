package apitest_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// TestNoExistenceOracles: for each mutation taking the ID of a referral or a worker,
// another center's object and an object that does not exist give the same code and the
// same message, to a third center and to the operator.
func TestNoExistenceOracles(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	referralID, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	missingReferral := exchange.GlobalID(exchange.KindReferral, uuid.New())
	missingWorker := exchange.GlobalID(exchange.KindWorker, uuid.New())
	mutations := []struct {
		name, query, idField, existing, missing string
		extra                                   map[string]any
	}{
		{"updateReferralStatus", updateReferral, "referralId", referralID, missingReferral, map[string]any{"action": "ACKNOWLEDGE"}},
		{"updateWorker", updateWorker, "workerId", workerID, missingWorker, map[string]any{"fullName": "X"}},
		{"eraseWorker", `mutation($in: EraseWorkerInput!) { eraseWorker(input: $in) { userErrors { field code message } } }`,
			"workerId", workerID, missingWorker, nil},
		{"withdrawConsent", `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) { userErrors { field code message } } }`,
			"workerId", workerID, missingWorker, nil},
		{"giveConsent", `mutation($in: GiveConsentInput!) { giveConsent(input: $in) { userErrors { field code message } } }`,
			"workerId", workerID, missingWorker, map[string]any{"destinationProvinceCodes": []string{"24"}}},
	}
	answer := func(t *testing.T, tok, name, query, idField, id string, extra map[string]any) string {
		in := map[string]any{idField: id}
		for k, v := range extra {
			in[k] = v
		}
		r := e.Do(t, tok, query, map[string]any{"in": in})
		if len(r.Errors) > 0 {
			return r.Errors[0].Code() + " " + r.Errors[0].Message
		}
		if r.Len(name+".userErrors") != 1 {
			return "accepted: " + string(r.Raw)
		}
		return r.String(t, name+".userErrors.0.code") + " " + r.String(t, name+".userErrors.0.message")
	}
	for who, tok := range map[string]string{"third center": f.bnh.Token(t, "publisher", "coordinator"), "operator": e.OperatorToken(t)} {
		for _, m := range mutations {
			t.Run(m.name+" by "+who, func(t *testing.T) {
				hidden := answer(t, tok, m.name, m.query, m.idField, m.existing, m.extra)
				missing := answer(t, tok, m.name, m.query, m.idField, m.missing, m.extra)
				if hidden != missing || hidden[:len("NOT_FOUND")] != "NOT_FOUND" {
					t.Errorf("another center's object: %q; a missing one: %q; want the same NOT_FOUND", hidden, missing)
				}
			})
		}
	}
}
