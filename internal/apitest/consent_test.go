package apitest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

const giveConsent = `mutation($in: GiveConsentInput!) { giveConsent(input: $in) {
	worker { consentGiven version } userErrors { field code message } } }`

const workerConsents = `query($id: ID!) { node(id: $id) { ... on Worker { fullName consentGiven consentPurpose version
	consents { purpose anyDestination destinationProvinces { code } validUntil givenAt withdrawnAt status } } } }`

// vietnamDay is the calendar day in Vietnam, days from now.
func vietnamDay(days int) string {
	return time.Now().In(time.FixedZone("ICT", 7*3600)).AddDate(0, 0, days).Format(time.DateOnly)
}

// consentStatuses lists the statuses of the worker's consent history as the caller sees it.
func consentStatuses(t *testing.T, e *apitest.Env, tok, workerID string) []string {
	t.Helper()
	r := e.Do(t, tok, workerConsents, map[string]any{"id": workerID})
	r.NoErrors(t)
	var out []string
	for i := range r.Len("node.consents") {
		out = append(out, r.String(t, "node.consents."+string(rune('0'+i))+".status"))
	}
	return out
}

// TestConsentHistory: a withdrawal is not final. Withdrawn, the worker may not be
// referred; giveConsent (origin only) makes them referable again, for the provinces and
// until the day it says; past that day the worker is unreferrable with CONSENT_EXPIRED
// and nothing is deleted; every record stays in Worker.consents.
func TestConsentHistory(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	again := func(dest string) *apitest.Response {
		return e.Do(t, f.origin, referWorker, map[string]any{"in": referInput("001090012345", dest)})
	}
	refusal := func(r *apitest.Response) string {
		if r.Len("referWorker.userErrors") != 1 {
			return "accepted: " + string(r.Raw)
		}
		return r.String(t, "referWorker.userErrors.0.code")
	}

	r := e.Do(t, f.origin, `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) { worker { consentGiven } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"workerId": workerID}})
	if r.Get("withdrawConsent.worker.consentGiven") != false {
		t.Fatalf("withdrawConsent: %s", r.Raw)
	}
	r = again("BNH")
	if got := refusal(r); got != "CONSENT_REQUIRED" {
		t.Errorf("referral after the withdrawal: %s", got)
	}
	if got := r.Get("referWorker.userErrors.0.field"); !slices.Equal(toStrings(got), []string{"input", "worker", "consent"}) {
		t.Errorf("refusal's field: %v", got)
	}

	// Consent given again, for Bắc Ninh (24) only, until tomorrow.
	r = e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID,
		"purpose": "  giới thiệu việc làm tại Bắc Ninh ", "destinationProvinceCodes": []string{"24"}, "validUntil": vietnamDay(1),
		"expectedVersion": 2}})
	r.NoErrors(t)
	if len(r.UserErrorCodes("giveConsent")) != 0 || r.Get("giveConsent.worker.consentGiven") != true ||
		r.Int(t, "giveConsent.worker.version") != 3 {
		t.Fatalf("giveConsent: %s", r.Raw)
	}
	if got := refusal(again("HPG")); got != "CONSENT_OUT_OF_SCOPE" {
		t.Errorf("referral to Hải Phòng under consent for Bắc Ninh: %s", got)
	}
	if r := again("BNH"); len(r.UserErrorCodes("referWorker")) != 0 {
		t.Errorf("referral to Bắc Ninh: %s", r.Raw)
	}

	// Three days later the consent has expired: the worker is unreferrable, and kept.
	e.App.DB.Now = func() time.Time { return time.Now().AddDate(0, 0, 3) }
	t.Cleanup(func() { e.App.DB.Now = time.Now })
	if got := refusal(again("BNH")); got != "CONSENT_EXPIRED" {
		t.Errorf("referral after the consent's last day: %s", got)
	}
	r = e.Do(t, f.origin, workerConsents, map[string]any{"id": workerID})
	r.NoErrors(t)
	if r.Get("node.fullName") != "Nguyễn Văn Thử" || r.Get("node.consentGiven") != false {
		t.Errorf("worker with an expired consent: %s", r.Raw)
	}
	if got := consentStatuses(t, e, f.origin, workerID); !slices.Equal(got, []string{"WITHDRAWN", "EXPIRED"}) {
		t.Errorf("history after the expiry: %v", got)
	}
	for path, want := range map[string]any{
		"node.consents.0.purpose":                     "giới thiệu việc làm liên tỉnh",
		"node.consents.0.anyDestination":              true,
		"node.consents.1.purpose":                     "giới thiệu việc làm tại Bắc Ninh",
		"node.consents.1.anyDestination":              false,
		"node.consents.1.destinationProvinces.0.code": "24",
		"node.consents.1.validUntil":                  vietnamDay(1),
		"node.consents.1.withdrawnAt":                 nil,
	} {
		if got := r.Get(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if r.Get("node.consents.0.withdrawnAt") == nil {
		t.Errorf("the withdrawn consent has no withdrawnAt: %s", r.Raw)
	}

	// A consent whose last day has passed cannot be given.
	r = e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID, "validUntil": vietnamDay(0)}})
	if got := r.UserErrorCodes("giveConsent"); !slices.Equal(got, []string{"OUT_OF_RANGE"}) {
		t.Errorf("consent valid until a past day: %s", r.Raw)
	}
	// Consent for any province, until withdrawn: referable everywhere again.
	r = e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID, "idempotencyKey": "consent-3"}})
	r.NoErrors(t)
	if len(r.UserErrorCodes("giveConsent")) != 0 {
		t.Fatalf("giveConsent: %s", r.Raw)
	}
	// The same key again records nothing new.
	if r := e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID, "idempotencyKey": "consent-3"}}); len(r.UserErrorCodes("giveConsent")) != 0 {
		t.Errorf("replayed giveConsent: %s", r.Raw)
	}
	if r := again("HPG"); len(r.UserErrorCodes("referWorker")) != 0 {
		t.Errorf("referral after consent given again: %s", r.Raw)
	}
	if got := consentStatuses(t, e, f.origin, workerID); !slices.Equal(got, []string{"WITHDRAWN", "EXPIRED", "IN_FORCE"}) {
		t.Errorf("history: %v", got)
	}
}

// TestConsentOfANewWorker: a worker registered by referWorker gets the consent of the
// input as their first record, checked against the destination's province in the same
// call; a refused referral registers nobody.
func TestConsentOfANewWorker(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	workers := func() int {
		var n int
		if err := dbPool(t, e).QueryRow(context.Background(), `SELECT count(*) FROM workers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	in := referInput("001090054321", "HPG")
	in["worker"].(map[string]any)["consent"] = map[string]any{"given": true, "purpose": "việc làm tại Bắc Ninh",
		"destinationProvinceCodes": []string{"24"}, "validUntil": vietnamDay(30)}
	r := e.Do(t, f.origin, referWorker, map[string]any{"in": in})
	if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, []string{"CONSENT_OUT_OF_SCOPE"}) || workers() != 0 {
		t.Errorf("new worker referred outside their consent: %s (%d workers)", r.Raw, workers())
	}
	for name, consent := range map[string]map[string]any{
		"a past day":           {"given": true, "validUntil": vietnamDay(-1)},
		"a dissolved province": {"given": true, "destinationProvinceCodes": []string{"06"}},
	} {
		in["worker"].(map[string]any)["consent"] = consent
		in["destinationCenterCode"] = "BNH"
		r := e.Do(t, f.origin, referWorker, map[string]any{"in": in})
		if r.Len("referWorker.userErrors") != 1 || workers() != 0 {
			t.Errorf("consent until %s: %s", name, r.Raw)
		}
	}
	in["worker"].(map[string]any)["consent"] = map[string]any{"given": true, "purpose": "việc làm tại Bắc Ninh",
		"destinationProvinceCodes": []string{"24"}, "validUntil": vietnamDay(30)}
	_, workerID := refer(t, e, f.origin, in)
	r = e.Do(t, f.origin, workerConsents, map[string]any{"id": workerID})
	r.NoErrors(t)
	if r.Len("node.consents") != 1 || r.Get("node.consents.0.destinationProvinces.0.code") != "24" ||
		r.Get("node.consents.0.validUntil") != vietnamDay(30) || r.Get("node.consents.0.status") != "IN_FORCE" {
		t.Errorf("the new worker's consent: %s", r.Raw)
	}
}

// TestConsentsVisibleToOriginOnly: the consent history is the registering center's
// (null for a destination center, which sees the worker); giveConsent is the
// registering center's too, and whoever may not see the worker gets the answer a
// worker that does not exist gets.
func TestConsentsVisibleToOriginOnly(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))

	if got := consentStatuses(t, e, f.origin, workerID); !slices.Equal(got, []string{"IN_FORCE"}) {
		t.Errorf("origin's view of the history: %v", got)
	}
	r := e.Do(t, f.dest, workerConsents, map[string]any{"id": workerID})
	r.NoErrors(t)
	if r.Get("node.fullName") != "Nguyễn Văn Thử" || r.Get("node.consentGiven") != true || r.Get("node.consents") != nil {
		t.Errorf("destination's view: %s", r.Raw)
	}
	for who, tok := range map[string]string{
		"third center": f.bnh.Token(t, "publisher", "coordinator"), "origin's viewer": f.tng.Token(t, "viewer"),
		"operator": e.OperatorToken(t),
	} {
		r := e.Do(t, tok, workerConsents, map[string]any{"id": workerID})
		if r.Get("node") != nil || !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
			t.Errorf("%s reading the worker's consents: %s", who, r.Raw)
		}
	}

	answer := func(tok, id string) string {
		r := e.Do(t, tok, giveConsent, map[string]any{"in": map[string]any{"workerId": id}})
		if len(r.Errors) > 0 {
			return r.Errors[0].Code() + " " + r.Errors[0].Message
		}
		if r.Len("giveConsent.userErrors") != 1 || r.Get("giveConsent.worker") != nil {
			return "accepted: " + string(r.Raw)
		}
		return r.String(t, "giveConsent.userErrors.0.code") + " " + r.String(t, "giveConsent.userErrors.0.message")
	}
	missing := exchange.GlobalID(exchange.KindWorker, uuid.New())
	for who, tok := range map[string]string{
		"third center": f.bnh.Token(t, "publisher", "coordinator"), "origin's viewer": f.tng.Token(t, "viewer"),
		"operator": e.OperatorToken(t),
	} {
		hidden, gone := answer(tok, workerID), answer(tok, missing)
		if hidden != gone || hidden[:len("NOT_FOUND")] != "NOT_FOUND" {
			t.Errorf("giveConsent by %s: another center's worker %q, a missing one %q; want the same NOT_FOUND", who, hidden, gone)
		}
	}
	if got := answer(f.origin, missing); got[:len("NOT_FOUND")] != "NOT_FOUND" {
		t.Errorf("giveConsent for a missing worker: %s", got)
	}
	// The destination sees the worker, so refusing it reveals nothing: FORBIDDEN, as for
	// withdrawConsent.
	if got := answer(f.dest, workerID); got[:len("FORBIDDEN")] != "FORBIDDEN" {
		t.Errorf("giveConsent by the destination: %s", got)
	}
	if got := consentStatuses(t, e, f.origin, workerID); len(got) != 1 {
		t.Errorf("refused giveConsent recorded consent: %v", got)
	}
}

// TestEraseWorkerErasesConsentPurposes: the purposes of a worker's consents are erased
// with the worker; the records stay, anonymous.
func TestEraseWorkerErasesConsentPurposes(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID, "purpose": "việc làm thời vụ"}}).NoErrors(t)
	r := e.Do(t, f.origin, `mutation($in: EraseWorkerInput!) { eraseWorker(input: $in) { erasedWorkerId userErrors { code } } }`,
		map[string]any{"in": map[string]any{"workerId": workerID}})
	if r.Get("eraseWorker.erasedWorkerId") != workerID {
		t.Fatalf("eraseWorker: %s", r.Raw)
	}
	var records, purposes int
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT count(*), count(purpose) FROM worker_consents`).
		Scan(&records, &purposes); err != nil {
		t.Fatal(err)
	}
	if records != 2 || purposes != 0 {
		t.Errorf("after erasure: %d consent records, %d purposes; want 2 and 0", records, purposes)
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestBenefitTransferNeedsConsentInForce: a benefit transfer processes the worker's
// data, so it needs a consent in force (any province): refused after a withdrawal,
// whether the worker is named by ID or by the same national ID again, and accepted
// once consent is given again.
func TestBenefitTransferNeedsConsentInForce(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput("019090012345", "HPG"))
	r := e.Do(t, f.origin, `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"workerId": workerID}})
	if len(r.UserErrorCodes("withdrawConsent")) != 0 {
		t.Fatalf("withdrawConsent: %s", r.Raw)
	}
	today := time.Now().Format(time.DateOnly)
	byID := transferRequest(today)
	delete(byID, "worker")
	byID["workerId"] = workerID
	for name, in := range map[string]map[string]any{"by ID": byID, "by national ID": transferRequest(today)} {
		r := e.Do(t, f.origin, requestTransfer, map[string]any{"in": in})
		if got := r.UserErrorCodes("requestBenefitTransfer"); !slices.Equal(got, []string{"CONSENT_REQUIRED"}) {
			t.Errorf("transfer %s without consent: %s", name, r.Raw)
		}
	}
	e.Do(t, f.origin, giveConsent, map[string]any{"in": map[string]any{"workerId": workerID}}).NoErrors(t)
	r = e.Do(t, f.origin, requestTransfer, map[string]any{"in": byID})
	if len(r.UserErrorCodes("requestBenefitTransfer")) != 0 || r.Get("requestBenefitTransfer.benefitTransfer") == nil {
		t.Errorf("transfer after consent given again: %s", r.Raw)
	}
}
