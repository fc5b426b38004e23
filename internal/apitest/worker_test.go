package apitest_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

const (
	testNationalID = "001090012345"
	testName       = "Nguyễn Văn Thử"
)

const workerFields = `id fullName dateOfBirth gender phone nationalIdMasked skills educationLevel consentGiven consentAt
	consentPurpose registeredBy { code }`

// personalLeaks reports which pieces of the test worker's personal data a response holds.
func personalLeaks(raw []byte) []string {
	var out []string
	for _, s := range []string{testNationalID, testNationalID[4:], "2345", testName, "1990-05-17", "912345678", "hàn MIG"} {
		if bytes.Contains(raw, []byte(s)) {
			out = append(out, s)
		}
	}
	return out
}

func TestWorkerVisibility(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	referralID, workerID := refer(t, e, f.origin, referInput(testNationalID, "HPG"))

	nodeQ := `query($id: ID!) { node(id: $id) { __typename ... on Worker { ` + workerFields + ` }
		... on Referral { id status worker { ` + workerFields + ` } } } }`
	nodesQ := `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Worker { ` + workerFields + ` }
		... on Referral { worker { fullName nationalIdMasked } } } }`
	listQ := `{ referrals { edges { node { id worker { ` + workerFields + ` } events { note } } } } }`

	// The two centers' publishers see the worker, masked.
	for name, tok := range map[string]string{"origin": f.origin, "destination": f.dest, "destCoordinator": f.hpg.Token(t, "coordinator")} {
		r := e.Do(t, tok, nodeQ, map[string]any{"id": workerID})
		r.NoErrors(t)
		if r.Get("node.fullName") != testName || r.Get("node.nationalIdMasked") != "********2345" {
			t.Errorf("%s: node(worker) = %s", name, r.Raw)
		}
		if bytes.Contains(r.Raw, []byte(testNationalID)) || bytes.Contains(r.Raw, []byte(testNationalID[4:])) {
			t.Errorf("%s: the national ID itself is in the response", name)
		}
		r = e.Do(t, tok, nodeQ, map[string]any{"id": referralID})
		r.NoErrors(t)
		if r.Get("node.worker.fullName") != testName {
			t.Errorf("%s: node(referral).worker = %s", name, r.Raw)
		}
	}

	third := f.bnh.Token(t, "publisher", "coordinator")
	originViewer := f.tng.Token(t, "viewer")
	destViewer := f.hpg.Token(t, "viewer")
	op := e.OperatorToken(t)
	for name, c := range map[string]struct {
		tok            string
		seesReferral   bool
		referralsCount int
	}{
		"third":        {third, false, 0},
		"originViewer": {originViewer, false, -1},
		"destViewer":   {destViewer, false, -1},
		"operator":     {op, false, -1},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.Do(t, c.tok, nodeQ, map[string]any{"id": workerID})
			if r.Get("node") != nil || !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
				t.Errorf("node(worker): %s", r.Raw)
			}
			leaks := personalLeaks(r.Raw)
			r = e.Do(t, c.tok, nodeQ, map[string]any{"id": referralID})
			if c.seesReferral {
				r.NoErrors(t)
				if r.Get("node.id") != referralID || r.Get("node.worker") != nil {
					t.Errorf("node(referral): %s", r.Raw)
				}
			} else if r.Get("node") != nil || !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
				t.Errorf("node(referral): %s", r.Raw)
			}
			leaks = append(leaks, personalLeaks(r.Raw)...)
			r = e.Do(t, c.tok, nodesQ, map[string]any{"ids": []string{workerID, referralID}})
			if r.Get("nodes.0") != nil {
				t.Errorf("nodes: %s", r.Raw)
			}
			leaks = append(leaks, personalLeaks(r.Raw)...)
			r = e.Do(t, c.tok, listQ, nil)
			if c.referralsCount >= 0 && r.Len("referrals.edges") != c.referralsCount {
				t.Errorf("referrals: %s", r.Raw)
			}
			if c.referralsCount > 0 && r.Get("referrals.edges.0.node.worker") != nil {
				t.Errorf("referrals worker: %s", r.Raw)
			}
			leaks = append(leaks, personalLeaks(r.Raw)...)
			// Nor through a mutation payload.
			r = e.Do(t, c.tok, `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) { worker { fullName } userErrors { code } } }`,
				map[string]any{"in": map[string]any{"workerId": workerID}})
			if got := r.UserErrorCodes("withdrawConsent"); !slices.Equal(got, []string{"NOT_FOUND"}) {
				t.Errorf("withdrawConsent: %v", got)
			}
			leaks = append(leaks, personalLeaks(r.Raw)...)
			if len(leaks) > 0 {
				t.Errorf("personal data reached %s: %v", name, leaks)
			}
		})
	}

	// The change feed rows of the referral name only its two centers and hold nothing personal.
	pool := dbPool(t, e)
	rows, err := pool.Query(context.Background(), `SELECT payload::text, audience, audience_center_ids::text[],
		(SELECT array_agg(code ORDER BY code) FROM centers WHERE id = ANY(audience_center_ids)) FROM changes
		WHERE entity_kind IN ('Referral', 'Worker')`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var payload, audience string
		var ids, codes []string
		if err := rows.Scan(&payload, &audience, &ids, &codes); err != nil {
			t.Fatal(err)
		}
		n++
		if audience != "CENTERS" || !slices.Equal(codes, []string{"HPG", "TNG"}) {
			t.Errorf("change audience %s %v, want CENTERS [HPG TNG]", audience, codes)
		}
		if leaks := personalLeaks([]byte(payload)); len(leaks) > 0 {
			t.Errorf("change payload %s holds %v", payload, leaks)
		}
	}
	if n == 0 {
		t.Errorf("no referral changes were published")
	}

	// Every read of the worker by the two centers was audited with its fields and request.
	var audited, noteReads int
	var fields string
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE NOT details->'fields' ? 'referralEvents.note'),
		count(*) FILTER (WHERE details->'fields' ? 'referralEvents.note'),
		max(details->>'fields') FILTER (WHERE NOT details->'fields' ? 'referralEvents.note') FROM audit_entries
		WHERE action = 'worker.read' AND entity_kind = 'Worker' AND request_id IS NOT NULL`).Scan(&audited, &noteReads, &fields); err != nil {
		t.Fatal(err)
	}
	// referWorker's payload (1) and node(worker) + node(referral) by three callers (6);
	// and the payload's events { note }, a read of the worker's referral notes (1).
	if audited != 7 || noteReads != 1 || !strings.Contains(fields, "nationalIdMasked") {
		t.Errorf("%d worker.read audit entries (fields %s) and %d of notes, want 7 and 1", audited, fields, noteReads)
	}
	var outsiders int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_entries WHERE action = 'worker.read'
		AND center_code NOT IN ('TNG', 'HPG')`).Scan(&outsiders); err != nil || outsiders != 0 {
		t.Errorf("%d reads audited for outsiders (%v)", outsiders, err)
	}
}

func TestEraseAndWithdrawConsent(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	referralID, workerID := refer(t, e, f.origin, referInput(testNationalID, "HPG"))
	act(t, e, f.dest, referralID, "ACKNOWLEDGE").NoErrors(t)

	withdraw := `mutation($in: WithdrawConsentInput!) { withdrawConsent(input: $in) {
		worker { consentGiven consentWithdrawnAt version } userErrors { code } } }`
	erase := `mutation($in: EraseWorkerInput!) { eraseWorker(input: $in) { erasedWorkerId userErrors { code } } }`
	in := map[string]any{"in": map[string]any{"workerId": workerID}}
	if got := e.Do(t, f.dest, withdraw, in).UserErrorCodes("withdrawConsent"); !slices.Equal(got, []string{"FORBIDDEN"}) {
		t.Errorf("destination withdrawing consent: %v", got)
	}
	if got := e.Do(t, f.origin, withdraw, map[string]any{"in": map[string]any{"workerId": workerID, "expectedVersion": 5}}).
		UserErrorCodes("withdrawConsent"); !slices.Equal(got, []string{"VERSION_CONFLICT"}) {
		t.Errorf("stale version: %v", got)
	}
	r := e.Do(t, f.origin, withdraw, in)
	r.NoErrors(t)
	if r.Get("withdrawConsent.worker.consentGiven") != false || r.Get("withdrawConsent.worker.consentWithdrawnAt") == nil {
		t.Errorf("withdrawConsent: %s", r.Raw)
	}
	if got := e.Do(t, f.origin, withdraw, in).UserErrorCodes("withdrawConsent"); !slices.Equal(got, []string{"INVALID_TRANSITION"}) {
		t.Errorf("withdrawing twice: %v", got)
	}
	// No new referral of that person; the one under way continues.
	r = e.Do(t, f.origin, referWorker, map[string]any{"in": referInput(testNationalID, "BNH")})
	if got := r.UserErrorCodes("referWorker"); !slices.Equal(got, []string{"CONSENT_REQUIRED"}) {
		t.Errorf("referral after withdrawal: %v: %s", got, r.Raw)
	}
	act(t, e, f.dest, referralID, "SCHEDULE_INTERVIEW").NoErrors(t)

	// Erasure: the registering center only.
	if got := e.Do(t, f.dest, erase, in).UserErrorCodes("eraseWorker"); !slices.Equal(got, []string{"FORBIDDEN"}) {
		t.Errorf("destination erasing: %v", got)
	}
	if got := e.Do(t, f.bnh.Token(t, "publisher"), erase, in).UserErrorCodes("eraseWorker"); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Errorf("third center erasing: %v", got)
	}
	r = e.Do(t, f.origin, erase, in)
	r.NoErrors(t)
	if r.Get("eraseWorker.erasedWorkerId") != workerID {
		t.Errorf("eraseWorker: %s", r.Raw)
	}
	for _, tok := range []string{f.origin, f.dest} {
		r = e.Do(t, tok, `query($id: ID!) { node(id: $id) { ... on Referral { status workerErased worker { fullName }
			events { to note } } } }`, map[string]any{"id": referralID})
		r.NoErrors(t)
		if r.Get("node.workerErased") != true || r.Get("node.worker") != nil || r.Len("node.events") != 3 ||
			r.Get("node.events.0.note") != nil || r.Get("node.status") != "INTERVIEW_SCHEDULED" {
			t.Errorf("referral after erasure: %s", r.Raw)
		}
		r = e.Do(t, tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": workerID})
		if !slices.Equal(r.ErrorCodes(), []string{"NOT_FOUND"}) {
			t.Errorf("erased worker: %s", r.Raw)
		}
	}
	if got := e.Do(t, f.origin, erase, in).UserErrorCodes("eraseWorker"); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Errorf("erasing twice: %v", got)
	}
	// The history goes on, anonymous.
	act(t, e, f.dest, referralID, "MARK_HIRED").NoErrors(t)
	pool := dbPool(t, e)
	for _, s := range []string{testNationalID, testNationalID[4:], testName, "912345678", "thợ hàn có kinh nghiệm"} {
		if where := findInDatabase(t, pool, s); len(where) > 0 {
			t.Errorf("%q is still in %v after erasure", s, where)
		}
	}
	// The same person may be registered afresh (with new consent) after erasure.
	refer(t, e, f.origin, referInput(testNationalID, "HPG"))
}

// TestNationalIDNeverInClear runs referral operations, succeeding and failing, with a
// logger writing to a buffer, then searches every column of every table and the logs.
func TestNationalIDNeverInClear(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newReferralFixture(t, apitest.Options{Logger: logger})
	e := f.e
	referralID, workerID := refer(t, e, f.origin, referInput(testNationalID, "HPG"))
	in := referInput(testNationalID, "BNH")
	in["idempotencyKey"] = "k1"
	refer(t, e, f.origin, in)
	act(t, e, f.dest, referralID, "ACKNOWLEDGE").NoErrors(t)
	act(t, e, f.dest, referralID, "MARK_HIRED").NoErrors(t)
	// Failing ones: bad input around the ID, reuse of the key, refused actions, malformed requests.
	for _, change := range []func(in, w map[string]any){
		func(in, w map[string]any) { w["dateOfBirth"] = "2020-01-01" },
		func(in, w map[string]any) { in["destinationCenterCode"] = "TNG" },
		func(in, w map[string]any) { w["consent"] = map[string]any{"given": false} },
		func(in, w map[string]any) { w["nationalId"] = testNationalID + "9" },
		func(in, w map[string]any) { w["nationalId"] = testNationalID[:11] },
		func(in, w map[string]any) { in["idempotencyKey"] = "k1"; in["destinationCenterCode"] = "HPG" },
		func(in, w map[string]any) { w["phone"] = "12" },
	} {
		in := referInput(testNationalID, "BNH")
		change(in, in["worker"].(map[string]any))
		r := e.Do(t, f.origin, referWorker, map[string]any{"in": in})
		if len(r.UserErrorCodes("referWorker")) == 0 {
			t.Errorf("expected a refusal: %s", r.Raw)
		}
		if bytes.Contains(r.Raw, []byte(testNationalID[4:])) {
			t.Errorf("a refusal repeats the national ID: %s", r.Raw)
		}
	}
	e.Do(t, f.origin, `mutation { referWorker(input: {worker: {nationalId: 001090012345}}) { userErrors { code } } }`, nil)
	bad := referInput(testNationalID, "BNH")
	bad["worker"].(map[string]any)["nationalId"] = 1090012345
	e.Do(t, f.origin, referWorker, map[string]any{"in": bad})
	act(t, e, f.bnh.Token(t, "publisher"), referralID, "WITHDRAW")
	act(t, e, f.origin, referralID, "MARK_HIRED")
	e.Do(t, f.bnh.Token(t, "publisher"), `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": workerID})
	e.Do(t, f.origin, `mutation($in: EraseWorkerInput!) { eraseWorker(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"workerId": workerID, "expectedVersion": 99}})
	e.Do(t, f.origin, `query($id: ID!) { node(id: $id) { ... on Worker { fullName nationalIdMasked } } }`, map[string]any{"id": workerID}).NoErrors(t)

	pool := dbPool(t, e)
	for _, s := range []string{testNationalID, testNationalID[4:]} {
		if where := findInDatabase(t, pool, s); len(where) > 0 {
			t.Errorf("%q is stored in clear in %v", s, where)
		}
	}
	// The check itself finds what is there.
	if where := findInDatabase(t, pool, testName); !slices.Contains(where, "workers.full_name") {
		t.Errorf("the database search does not find the worker's name: %v", where)
	}
	out := logs.String()
	if !strings.Contains(out, `"request"`) {
		t.Fatalf("the logger received no request logs: %q", out)
	}
	for _, s := range []string{testNationalID, testNationalID[4:], "1090012345"} {
		if strings.Contains(out, s) {
			t.Errorf("the logs contain %q", s)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
