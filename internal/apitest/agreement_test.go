package apitest_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

const agreementFields = `id title status version isActive validFrom validUntil statusReason
	parties { code } proposer { code }
	currentRevision { number termsHash proposedBy { code } note
		terms { validFrom validUntil quotas { occupationCode occupation { code } workers fromCenterCode toCenterCode }
			responsibilities { centerCode text } supportPolicy notes } }
	revisions { number termsHash }
	signatures { center { code } revision termsHash signerSubject }
	events { action from to actorCenter { code } actorSubject revision note }
	comments { center { code } authorSubject revision text }
	quotaLines { occupation { code } from { code } to { code } workers referred hired }`

const (
	proposeAgreement = `mutation($in: ProposeAgreementInput!) { proposeAgreement(input: $in) {
		agreement { ` + agreementFields + ` } userErrors { field message code } } }`
	reviseAgreement = `mutation($in: ReviseAgreementInput!) { reviseAgreement(input: $in) {
		agreement { ` + agreementFields + ` } userErrors { field message code } } }`
	commentOnAgreement = `mutation($in: CommentOnAgreementInput!) { commentOnAgreement(input: $in) {
		agreement { id } comment { center { code } text revision } userErrors { field message code } } }`
	signAgreement = `mutation($in: SignAgreementInput!) { signAgreement(input: $in) {
		agreement { ` + agreementFields + ` } userErrors { field message code } } }`
	rejectAgreement = `mutation($in: RejectAgreementInput!) { rejectAgreement(input: $in) {
		agreement { id status } userErrors { field message code } } }`
	withdrawAgreement = `mutation($in: WithdrawAgreementInput!) { withdrawAgreement(input: $in) {
		agreement { id status } userErrors { field message code } } }`
	terminateAgreement = `mutation($in: TerminateAgreementInput!) { terminateAgreement(input: $in) {
		agreement { ` + agreementFields + ` } userErrors { field message code } } }`
	agreementNode = `query($id: ID!) { node(id: $id) { ... on Agreement { ` + agreementFields + ` } } }`
	agreementList = `query($f: AgreementFilter, $first: Int, $after: String) { agreements(filter: $f, first: $first, after: $after) {
		totalCount edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`
)

// validity returns a period around today, so the agreement is active whenever the test runs.
func validity() (string, string) {
	today := time.Now().UTC()
	return today.AddDate(0, -1, 0).Format(time.DateOnly), today.AddDate(0, 11, 0).Format(time.DateOnly)
}

func terms(quotas ...map[string]any) map[string]any {
	from, until := validity()
	return map[string]any{"validFrom": from, "validUntil": until, "quotas": quotas}
}

func quota(occupation string, workers int, from, to string) map[string]any {
	return map[string]any{"occupationCode": occupation, "workers": workers, "fromCenterCode": from, "toCenterCode": to}
}

func in(fields ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(fields); i += 2 {
		m[fields[i].(string)] = fields[i+1]
	}
	return map[string]any{"in": m}
}

func wantCodes(t *testing.T, r *apitest.Response, field string, want ...string) {
	t.Helper()
	if got := r.UserErrorCodes(field); !slices.Equal(got, want) {
		t.Fatalf("%s userErrors = %v, want %v: %s", field, got, want, r.Raw)
	}
}

func wantString(t *testing.T, r *apitest.Response, path, want string) {
	t.Helper()
	if got := r.String(t, path); got != want {
		t.Fatalf("%s = %q, want %q: %s", path, got, want, r.Raw)
	}
}

func actions(r *apitest.Response, path string) []string {
	var out []string
	for _, e := range r.Get(path).([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

// TestAgreementNegotiation is the scenario: three centers negotiate with real
// tokens while a fourth sees none of it.
func TestAgreementNegotiation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	hni := e.AddCenter(t, "HNI", "01")
	coord := func(c *apitest.Center) string { return c.Token(t, "coordinator") }
	op := e.OperatorToken(t)

	// Propose: TNG lists the others; it is added first as proposer.
	r := e.Do(t, coord(tng), proposeAgreement, in("title", "Cung ứng lao động 2026",
		"partyCenterCodes", []string{"HPG", "BNH"},
		"terms", map[string]any{
			"validFrom": terms()["validFrom"], "validUntil": terms()["validUntil"],
			"quotas":           []any{quota("8153", 30, "TNG", "HPG"), quota("8212", 20, "TNG", "BNH")},
			"responsibilities": []any{map[string]any{"centerCode": "TNG", "text": "Tuyển chọn và đào tạo lao động"}},
			"supportPolicy":    "Hỗ trợ nhà ở",
		}))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	wantString(t, r, "proposeAgreement.agreement.status", "PROPOSED")
	wantString(t, r, "proposeAgreement.agreement.proposer.code", "TNG")
	if got := fmt.Sprint(r.Get("proposeAgreement.agreement.parties")); got != "[map[code:TNG] map[code:HPG] map[code:BNH]]" {
		t.Fatalf("parties = %s", got)
	}
	if n := r.Int(t, "proposeAgreement.agreement.currentRevision.number"); n != 1 {
		t.Fatalf("revision = %d, want 1", n)
	}
	if n := r.Len("proposeAgreement.agreement.quotaLines"); n != 2 {
		t.Fatalf("quotaLines: %s", r.Raw)
	}
	hash1 := r.String(t, "proposeAgreement.agreement.currentRevision.termsHash")
	version := r.Int(t, "proposeAgreement.agreement.version")

	// Comment: a publisher of a party may; a viewer may not; an outsider gets NOT_FOUND.
	r = e.Do(t, hpg.Token(t, "publisher"), commentOnAgreement, in("agreementId", id, "text", "Đề nghị tăng chỉ tiêu may lên 40"))
	r.NoErrors(t)
	wantString(t, r, "commentOnAgreement.comment.center.code", "HPG")
	r = e.Do(t, hpg.Token(t, "viewer"), commentOnAgreement, in("agreementId", id, "text", "x"))
	wantCodes(t, r, "commentOnAgreement", "FORBIDDEN")
	// A publisher may comment but not sign.
	r = e.Do(t, hpg.Token(t, "publisher"), signAgreement, in("agreementId", id, "revision", 1))
	wantCodes(t, r, "signAgreement", "FORBIDDEN")
	if !slices.Equal(r.ErrorCodes(), []string{"FORBIDDEN"}) {
		t.Fatalf("errors[] = %v, want FORBIDDEN", r.ErrorCodes())
	}

	// Revise: HPG's counter-offer becomes revision 2.
	r = e.Do(t, coord(hpg), reviseAgreement, in("agreementId", id, "expectedVersion", version, "note", "Tăng may lên 40",
		"terms", terms(quota("8153", 40, "TNG", "HPG"), quota("8212", 20, "TNG", "BNH"))))
	r.NoErrors(t)
	wantString(t, r, "reviseAgreement.agreement.status", "NEGOTIATING")
	wantString(t, r, "reviseAgreement.agreement.currentRevision.proposedBy.code", "HPG")
	if r.Int(t, "reviseAgreement.agreement.currentRevision.number") != 2 || r.Len("reviseAgreement.agreement.revisions") != 2 {
		t.Fatalf("revise: %s", r.Raw)
	}
	hash2 := r.String(t, "reviseAgreement.agreement.currentRevision.termsHash")
	if hash2 == hash1 {
		t.Fatal("revision 2 has the termsHash of revision 1")
	}
	// The same expectedVersion again is a conflict.
	r = e.Do(t, coord(hpg), reviseAgreement, in("agreementId", id, "expectedVersion", version,
		"terms", terms(quota("8153", 45, "TNG", "HPG"))))
	wantCodes(t, r, "reviseAgreement", "VERSION_CONFLICT")

	// Sign by one.
	r = e.Do(t, coord(tng), signAgreement, in("agreementId", id, "revision", 2))
	r.NoErrors(t)
	wantString(t, r, "signAgreement.agreement.status", "NEGOTIATING")
	wantString(t, r, "signAgreement.agreement.signatures.0.termsHash", hash2)
	// A stale signature is refused, and so is signing twice.
	r = e.Do(t, coord(bnh), signAgreement, in("agreementId", id, "revision", 1))
	wantCodes(t, r, "signAgreement", "STALE_REVISION")
	r = e.Do(t, coord(tng), signAgreement, in("agreementId", id, "revision", 2))
	wantCodes(t, r, "signAgreement", "ALREADY_SIGNED")
	// HPG proposed revision 2 and may not reject it; TNG may not withdraw... it may: it proposed revision 1.
	r = e.Do(t, coord(hpg), rejectAgreement, in("agreementId", id, "reason", "no"))
	wantCodes(t, r, "rejectAgreement", "FORBIDDEN")
	r = e.Do(t, coord(bnh), withdrawAgreement, in("agreementId", id))
	wantCodes(t, r, "withdrawAgreement", "FORBIDDEN")

	// Sign by all: SIGNED and active.
	r = e.Do(t, coord(bnh), signAgreement, in("agreementId", id, "revision", 2))
	r.NoErrors(t)
	r = e.Do(t, coord(hpg), signAgreement, in("agreementId", id, "revision", 2))
	r.NoErrors(t)
	wantString(t, r, "signAgreement.agreement.status", "SIGNED")
	if r.Get("signAgreement.agreement.isActive") != true || r.Len("signAgreement.agreement.signatures") != 3 {
		t.Fatalf("signed: %s", r.Raw)
	}
	for i := range 3 {
		if r.Int(t, fmt.Sprintf("signAgreement.agreement.signatures.%d.revision", i)) != 2 {
			t.Fatalf("signature on a revision that is not current: %s", r.Raw)
		}
	}
	r = e.Do(t, coord(tng), reviseAgreement, in("agreementId", id, "terms", terms(quota("8153", 1, "TNG", "HPG"))))
	wantCodes(t, r, "reviseAgreement", "INVALID_TRANSITION")

	// Lists and filters, for a party and for the operator.
	today := time.Now().UTC().Format(time.DateOnly)
	r = e.Do(t, coord(bnh), agreementList, map[string]any{"f": map[string]any{"activeOn": today, "partyCenterCodes": []string{"TNG", "HPG"}}})
	r.NoErrors(t)
	if r.Int(t, "agreements.totalCount") != 1 || r.String(t, "agreements.edges.0.node.id") != id {
		t.Fatalf("agreements(activeOn, parties): %s", r.Raw)
	}
	r = e.Do(t, coord(bnh), agreementList, map[string]any{"f": map[string]any{"statuses": []string{"PROPOSED"}}})
	if r.Int(t, "agreements.totalCount") != 0 {
		t.Fatalf("agreements(statuses: PROPOSED): %s", r.Raw)
	}
	r = e.Do(t, op, agreementNode, map[string]any{"id": id})
	r.NoErrors(t)
	wantString(t, r, "node.status", "SIGNED")
	r = e.Do(t, op, agreementList, nil)
	if r.Int(t, "agreements.totalCount") != 1 {
		t.Fatalf("operator's agreements: %s", r.Raw)
	}
	// The operator reads but does not act.
	r = e.Do(t, op, terminateAgreement, in("agreementId", id, "reason", "x"))
	wantCodes(t, r, "terminateAgreement", "FORBIDDEN")
	r = e.Do(t, op, commentOnAgreement, in("agreementId", id, "text", "x"))
	wantCodes(t, r, "commentOnAgreement", "FORBIDDEN")

	// The fourth center sees none of it, with any role.
	outsider := hni.Token(t, "coordinator", "publisher", "viewer")
	r = e.Do(t, outsider, agreementNode, map[string]any{"id": id})
	if r.Get("node") != nil || !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
		t.Fatalf("outsider node: %s", r.Raw)
	}
	r = e.Do(t, outsider, agreementList, nil)
	r.NoErrors(t)
	if r.Int(t, "agreements.totalCount") != 0 || r.Len("agreements.edges") != 0 {
		t.Fatalf("outsider agreements: %s", r.Raw)
	}
	for name, q := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"commentOnAgreement": {commentOnAgreement, in("agreementId", id, "text", "x")},
		"signAgreement":      {signAgreement, in("agreementId", id, "revision", 2)},
		"reviseAgreement":    {reviseAgreement, in("agreementId", id, "terms", terms(quota("8153", 1, "TNG", "HPG")))},
		"rejectAgreement":    {rejectAgreement, in("agreementId", id, "reason", "x")},
		"withdrawAgreement":  {withdrawAgreement, in("agreementId", id)},
		"terminateAgreement": {terminateAgreement, in("agreementId", id, "reason", "x")},
	} {
		r = e.Do(t, outsider, q.query, q.vars)
		wantCodes(t, r, name, "NOT_FOUND")
		if r.Get(name+".agreement") != nil {
			t.Fatalf("%s by an outsider returned the agreement: %s", name, r.Raw)
		}
	}

	// Terminate.
	r = e.Do(t, coord(bnh), terminateAgreement, in("agreementId", id, "reason", "Doanh nghiệp ngừng tuyển"))
	r.NoErrors(t)
	wantString(t, r, "terminateAgreement.agreement.status", "TERMINATED")
	wantString(t, r, "terminateAgreement.agreement.statusReason", "Doanh nghiệp ngừng tuyển")
	if r.Get("terminateAgreement.agreement.isActive") != false {
		t.Fatalf("terminated agreement is active: %s", r.Raw)
	}
	want := []string{"PROPOSE", "COMMENT", "REVISE", "SIGN", "SIGN", "SIGN", "TERMINATE"}
	if got := actions(r, "terminateAgreement.agreement.events"); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	wantString(t, r, "terminateAgreement.agreement.events.5.to", "SIGNED")
	wantString(t, r, "terminateAgreement.agreement.events.6.actorCenter.code", "BNH")
	r = e.Do(t, coord(tng), commentOnAgreement, in("agreementId", id, "text", "x"))
	wantCodes(t, r, "commentOnAgreement", "INVALID_TRANSITION")

	// Each action was published to the parties only.
	var n int
	if err := e.App.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM changes WHERE entity_kind = 'Agreement'
		AND audience = 'CENTERS' AND cardinality(audience_center_ids) = 3`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("%d agreement changes published to the 3 parties, want %d", n, len(want))
	}
}

func TestAgreementValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "coordinator")

	r := e.Do(t, tok, proposeAgreement, in("title", " ", "partyCenterCodes", []string{"HPG"},
		"terms", map[string]any{"validFrom": "2026-12-31", "validUntil": "2026-01-01", "quotas": []any{
			quota("9999", 10, "TNG", "HPG"), quota("8153", 0, "TNG", "BNH"), quota("8153", 5, "TNG", "TNG"),
		}}))
	wantCodes(t, r, "proposeAgreement", "REQUIRED", "OUT_OF_RANGE", "UNKNOWN_OCCUPATION", "OUT_OF_RANGE", "INVALID", "INVALID")
	if r.Get("proposeAgreement.agreement") != nil {
		t.Fatalf("agreement created: %s", r.Raw)
	}
	// A party that does not exist.
	r = e.Do(t, tok, proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG", "XYZ"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"))))
	wantCodes(t, r, "proposeAgreement", "UNKNOWN_CENTER")
	if got := fmt.Sprint(r.Get("proposeAgreement.userErrors.0.field")); got != "[input partyCenterCodes 1]" {
		t.Fatalf("field = %s", got)
	}
	// Only coordinators propose, and only for their own center.
	r = e.Do(t, tng.Token(t, "publisher"), proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"))))
	wantCodes(t, r, "proposeAgreement", "FORBIDDEN")
	r = e.Do(t, e.OperatorToken(t), proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG", "TNG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"))))
	wantCodes(t, r, "proposeAgreement", "FORBIDDEN")
	// A malformed or foreign ID is NOT_FOUND.
	r = e.Do(t, tok, signAgreement, in("agreementId", "bm9wZQ", "revision", 1))
	wantCodes(t, r, "signAgreement", "NOT_FOUND")
	r = e.Do(t, tok, signAgreement, in("agreementId", tng.ID, "revision", 1))
	wantCodes(t, r, "signAgreement", "NOT_FOUND")
}

func TestAgreementRejectAndWithdraw(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	propose := func() string {
		r := e.Do(t, tng.Token(t, "coordinator"), proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG"},
			"terms", terms(quota("8153", 5, "TNG", "HPG"))))
		r.NoErrors(t)
		return r.String(t, "proposeAgreement.agreement.id")
	}
	a := propose()
	r := e.Do(t, tng.Token(t, "coordinator"), rejectAgreement, in("agreementId", a, "reason", "x"))
	wantCodes(t, r, "rejectAgreement", "FORBIDDEN")
	r = e.Do(t, hpg.Token(t, "coordinator"), rejectAgreement, in("agreementId", a, "reason", " "))
	wantCodes(t, r, "rejectAgreement", "REQUIRED")
	r = e.Do(t, hpg.Token(t, "coordinator"), rejectAgreement, in("agreementId", a, "reason", "Không phù hợp"))
	r.NoErrors(t)
	wantString(t, r, "rejectAgreement.agreement.status", "REJECTED")

	b := propose()
	r = e.Do(t, hpg.Token(t, "coordinator"), withdrawAgreement, in("agreementId", b))
	wantCodes(t, r, "withdrawAgreement", "FORBIDDEN")
	r = e.Do(t, tng.Token(t, "coordinator"), withdrawAgreement, in("agreementId", b, "expectedVersion", 7))
	wantCodes(t, r, "withdrawAgreement", "VERSION_CONFLICT")
	r = e.Do(t, tng.Token(t, "coordinator"), withdrawAgreement, in("agreementId", b))
	r.NoErrors(t)
	wantString(t, r, "withdrawAgreement.agreement.status", "WITHDRAWN")
	r = e.Do(t, tng.Token(t, "coordinator"), signAgreement, in("agreementId", b, "revision", 1))
	wantCodes(t, r, "signAgreement", "INVALID_TRANSITION")
	r = e.Do(t, tng.Token(t, "coordinator"), terminateAgreement, in("agreementId", b, "reason", "x"))
	wantCodes(t, r, "terminateAgreement", "INVALID_TRANSITION")

	// Pagination: newest first, two pages of one.
	r = e.Do(t, hpg.Token(t, "viewer"), agreementList, map[string]any{"first": 1})
	r.NoErrors(t)
	if r.Int(t, "agreements.totalCount") != 2 || r.String(t, "agreements.edges.0.node.id") != b || r.Get("agreements.pageInfo.hasNextPage") != true {
		t.Fatalf("page 1: %s", r.Raw)
	}
	r = e.Do(t, hpg.Token(t, "viewer"), agreementList, map[string]any{"first": 1, "after": r.String(t, "agreements.pageInfo.endCursor")})
	r.NoErrors(t)
	if r.String(t, "agreements.edges.0.node.id") != a || r.Get("agreements.pageInfo.hasNextPage") != false {
		t.Fatalf("page 2: %s", r.Raw)
	}
}

func TestAgreementIdempotentPropose(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "coordinator")
	vars := in("idempotencyKey", "k1", "title", "t", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"), quota("8212", 5, "TNG", "HPG")))

	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.Do(t, tok, proposeAgreement, vars)
			if len(r.UserErrorCodes("proposeAgreement")) == 0 && len(r.Errors) == 0 {
				ids[i], _ = r.Get("proposeAgreement.agreement.id").(string)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("parallel retries returned different agreements: %v", ids)
		}
	}
	// The same input with the quotas in another order is the same request.
	same := in("idempotencyKey", "k1", "title", "t", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8212", 5, "TNG", "HPG"), quota("8153", 5, "TNG", "HPG")))
	r := e.Do(t, tok, proposeAgreement, same)
	r.NoErrors(t)
	wantString(t, r, "proposeAgreement.agreement.id", ids[0])
	r = e.Do(t, tok, proposeAgreement, in("idempotencyKey", "k1", "title", "other", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"))))
	wantCodes(t, r, "proposeAgreement", "IDEMPOTENCY_KEY_REUSED")
	r = e.Do(t, tok, agreementList, nil)
	if r.Int(t, "agreements.totalCount") != 1 {
		t.Fatalf("agreements after retries: %s", r.Raw)
	}
}

// TestAgreementSignVersusRevise races the last signature against a counter-offer: the
// signature either counts for the revision it names (SIGNED, the revise refused) or is
// STALE_REVISION (the revise won). Never a signature on a revision that is not current.
func TestAgreementSignVersusRevise(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	tngTok, hpgTok := tng.Token(t, "coordinator"), hpg.Token(t, "coordinator")
	outcomes := map[string]int{}
	for range 10 {
		r := e.Do(t, tngTok, proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG"},
			"terms", terms(quota("8153", 5, "TNG", "HPG"))))
		r.NoErrors(t)
		id := r.String(t, "proposeAgreement.agreement.id")
		r = e.Do(t, tngTok, signAgreement, in("agreementId", id, "revision", 1))
		r.NoErrors(t)
		version := r.Int(t, "signAgreement.agreement.version")

		var sign, revise *apitest.Response
		var wg sync.WaitGroup
		wg.Go(func() { sign = e.Do(t, hpgTok, signAgreement, in("agreementId", id, "revision", 1)) })
		wg.Go(func() {
			revise = e.Do(t, tngTok, reviseAgreement, in("agreementId", id, "expectedVersion", version,
				"terms", terms(quota("8153", 6, "TNG", "HPG"))))
		})
		wg.Wait()
		signCodes, reviseCodes := sign.UserErrorCodes("signAgreement"), revise.UserErrorCodes("reviseAgreement")
		final := e.Do(t, hpgTok, agreementNode, map[string]any{"id": id})
		final.NoErrors(t)
		status, rev := final.String(t, "node.status"), final.Int(t, "node.currentRevision.number")
		switch {
		case len(signCodes) == 0 && slices.Equal(reviseCodes, []string{"INVALID_TRANSITION"}):
			if status != "SIGNED" || rev != 1 || final.Len("node.signatures") != 2 {
				t.Fatalf("sign won but the agreement is: %s", final.Raw)
			}
			outcomes["sign first"]++
		case len(reviseCodes) == 0 && slices.Equal(signCodes, []string{"STALE_REVISION"}):
			if status != "NEGOTIATING" || rev != 2 || final.Len("node.signatures") != 0 {
				t.Fatalf("revise won but the agreement is: %s", final.Raw)
			}
			outcomes["revise first"]++
		default:
			t.Fatalf("inconsistent outcome: sign %v %s; revise %v %s", signCodes, sign.Raw, reviseCodes, revise.Raw)
		}
		for i := range final.Len("node.signatures") {
			if final.Int(t, fmt.Sprintf("node.signatures.%d.revision", i)) != rev {
				t.Fatalf("signature on a revision that is not current: %s", final.Raw)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestAgreementReviseVersusRevise: parallel counter-offers with the same expectedVersion;
// exactly one wins, the others are VERSION_CONFLICT.
func TestAgreementReviseVersusRevise(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	toks := []string{tng.Token(t, "coordinator"), hpg.Token(t, "coordinator")}
	r := e.Do(t, toks[0], proposeAgreement, in("title", "t", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 5, "TNG", "HPG"))))
	r.NoErrors(t)
	id, version := r.String(t, "proposeAgreement.agreement.id"), r.Int(t, "proposeAgreement.agreement.version")

	const n = 20
	codes := make([][]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.Do(t, toks[i%2], reviseAgreement, in("agreementId", id, "expectedVersion", version,
				"terms", terms(quota("8153", 10+i, "TNG", "HPG"))))
			codes[i] = r.UserErrorCodes("reviseAgreement")
			if len(r.Errors) > 0 {
				codes[i] = append(codes[i], "errors: "+string(r.Raw))
			}
		})
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch {
		case len(c) == 0:
			won++
		case !slices.Equal(c, []string{"VERSION_CONFLICT"}):
			t.Fatalf("unexpected outcome %v", c)
		}
	}
	if won != 1 {
		t.Fatalf("%d revisions won, want 1: %v", won, codes)
	}
	r = e.Do(t, toks[1], agreementNode, map[string]any{"id": id})
	if r.Int(t, "node.currentRevision.number") != 2 || r.Len("node.revisions") != 2 {
		t.Fatalf("after the race: %s", r.Raw)
	}
}
