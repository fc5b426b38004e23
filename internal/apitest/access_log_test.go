package apitest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

const auditEntryFields = `at center { code } centerCode subject roles action entityKind entityId fields purpose
	operation refusal requestId`

const auditEntriesQuery = `query($filter: AuditEntryFilter, $first: Int, $after: String) {
	auditEntries(filter: $filter, first: $first, after: $after) {
		edges { cursor node { ` + auditEntryFields + ` } } pageInfo { hasNextPage endCursor } totalCount } }`

const readWorkerOp = `query ReadWorker($id: ID!) { node(id: $id) { ... on Worker { fullName nationalIdMasked } } }`

// postWithRequestID is Env.Do with the client's X-Request-Id, which the audit trail keeps.
func postWithRequestID(t *testing.T, e *apitest.Env, token, requestID, query string, vars map[string]any) *apitest.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Request-Id", requestID)
	return apitest.Send(t, req)
}

// auditNodes returns the nodes of an auditEntries (or accessLog) connection at path.
func auditNodes(t *testing.T, r *apitest.Response, path string) []map[string]any {
	t.Helper()
	edges, ok := r.Get(path + ".edges").([]any)
	if !ok {
		t.Fatalf("no connection at %s: %s", path, r.Raw)
	}
	out := make([]map[string]any, 0, len(edges))
	for _, e := range edges {
		out = append(out, e.(map[string]any)["node"].(map[string]any))
	}
	return out
}

// TestAccessLog: the origin's read of its worker and another center's refused attempt
// are audit entries with caller, purpose, fields and request id; the operator lists
// them with filters and pages; the registering center sees the worker's access log,
// the destination does not; nobody else reads the trail; nothing personal is in it.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	_, workerID := refer(t, e, f.origin, referInput(testNationalID, "HPG"))
	missingID := exchange.GlobalID(exchange.KindWorker, uuid.New())
	bnh := f.bnh.Token(t, "publisher", "coordinator")
	op := e.OperatorToken(t)

	// The origin reads its worker: one worker.read entry.
	r := postWithRequestID(t, e, f.origin, "req-origin-read", readWorkerOp, map[string]any{"id": workerID})
	r.NoErrors(t)
	// A partner center tries the worker, and an ID that names nothing: the same answer.
	hidden := postWithRequestID(t, e, bnh, "req-bnh-probe", readWorkerOp, map[string]any{"id": workerID})
	missing := postWithRequestID(t, e, bnh, "req-bnh-missing", readWorkerOp, map[string]any{"id": missingID})
	if len(hidden.Errors) != 1 || hidden.Errors[0].Code() != "NOT_FOUND" ||
		len(missing.Errors) != 1 || hidden.Errors[0].Message != missing.Errors[0].Message {
		t.Fatalf("another center's worker: %s; a missing one: %s; want the same NOT_FOUND", hidden.Raw, missing.Raw)
	}
	// The origin's viewer asks too: refused for its role.
	viewer := postWithRequestID(t, e, f.tng.Token(t, "viewer"), "req-viewer", readWorkerOp, map[string]any{"id": workerID})
	if got := viewer.ErrorCodes(); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Fatalf("viewer: %s", viewer.Raw)
	}

	// The operator's trail of the worker, newest first.
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"workerId": workerID}})
	r.NoErrors(t)
	entries := auditNodes(t, r, "auditEntries")
	var actions []string
	for _, n := range entries {
		actions = append(actions, n["action"].(string)+" by "+n["centerCode"].(string))
		if n["entityId"] != workerID || n["entityKind"] != "Worker" {
			t.Errorf("entry about %v %v, want the worker", n["entityKind"], n["entityId"])
		}
	}
	want := []string{"worker.access_refused by TNG", "worker.access_refused by BNH", "worker.read by TNG", "worker.read by TNG",
		"referral.referred by TNG"}
	if !slices.Contains(actions, "worker.read by TNG") || !slices.Equal(actions[:3], want[:3]) {
		t.Errorf("trail of the worker: %v, want it to start %v", actions, want[:3])
	}
	wantEntry := func(n map[string]any, fields map[string]any) {
		t.Helper()
		for k, v := range fields {
			got := n[k]
			if l, ok := got.([]any); ok {
				b, _ := json.Marshal(l)
				got = string(b)
			}
			if got != v {
				t.Errorf("%s = %v, want %v (entry %v)", k, got, v, n)
			}
		}
	}
	wantEntry(entries[0], map[string]any{"refusal": "ROLE", "requestId": "req-viewer", "roles": `["VIEWER"]`,
		"purpose": "node", "operation": "ReadWorker"})
	wantEntry(entries[1], map[string]any{"refusal": "NOT_VISIBLE", "requestId": "req-bnh-probe", "subject": "staff@bnh",
		"roles": `["PUBLISHER","COORDINATOR"]`, "fields": `["fullName","nationalIdMasked"]`, "purpose": "node",
		"operation": "ReadWorker"})
	wantEntry(entries[2], map[string]any{"refusal": nil, "requestId": "req-origin-read", "subject": "staff@tng",
		"roles": `["PUBLISHER"]`, "fields": `["fullName","nationalIdMasked"]`, "purpose": "node", "operation": "ReadWorker"})
	if entries[1]["center"].(map[string]any)["code"] != "BNH" {
		t.Errorf("refused entry's center: %v", entries[1]["center"])
	}

	// Filters: the refused attempts of one center, the nonexistent ID's among them.
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"centerCode": "BNH", "action": "worker.access_refused"}})
	r.NoErrors(t)
	var ids []any
	for _, n := range auditNodes(t, r, "auditEntries") {
		ids = append(ids, n["entityId"])
	}
	if !slices.Equal(ids, []any{missingID, workerID}) || r.Int(t, "auditEntries.totalCount") != 2 {
		t.Errorf("BNH's refused attempts: %v, want the missing ID then the worker", ids)
	}
	// A time range: everything so far is before now, nothing after.
	at := entries[0]["at"]
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"workerId": workerID, "to": at}})
	r.NoErrors(t)
	if got := r.Len("auditEntries.edges"); got != len(entries)-1 {
		t.Errorf("entries before the newest: %d, want %d", got, len(entries)-1)
	}
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"workerId": workerID, "from": at}})
	if got := r.Len("auditEntries.edges"); got != 1 {
		t.Errorf("entries from the newest on: %d, want 1 (%s)", got, r.Raw)
	}

	// Pages of one follow each other without gaps or repeats, to the same list.
	var paged []any
	after := any(nil)
	for page := 0; ; page++ {
		r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"workerId": workerID}, "first": 1, "after": after})
		r.NoErrors(t)
		for _, n := range auditNodes(t, r, "auditEntries") {
			paged = append(paged, n["action"].(string)+" by "+n["centerCode"].(string))
		}
		if r.Get("auditEntries.pageInfo.hasNextPage") != true {
			break
		}
		after = r.Get("auditEntries.pageInfo.endCursor")
		if page > len(entries) {
			t.Fatalf("more pages than entries")
		}
	}
	if len(paged) != len(actions) || !slices.Equal(paged, anys(actions)) {
		t.Errorf("pages of one: %v, want %v", paged, actions)
	}
	// first is bounded; a filter's workerId must be a worker's.
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"first": 101})
	if got := r.ErrorCodes(); !slices.Equal(got, []string{"BAD_USER_INPUT"}) {
		t.Errorf("first: 101: %s", r.Raw)
	}
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"filter": map[string]any{"workerId": exchange.GlobalID(exchange.KindReferral, uuid.New())}})
	if got := r.ErrorCodes(); !slices.Equal(got, []string{"BAD_USER_INPUT"}) {
		t.Errorf("a referral's ID as workerId: %s", r.Raw)
	}

	// Only the operator reads the trail.
	for who, tok := range map[string]string{"origin coordinator": f.tng.Token(t, "coordinator"), "viewer": f.tng.Token(t, "viewer"),
		"destination": f.dest} {
		r = e.Do(t, tok, auditEntriesQuery, nil)
		if got := r.ErrorCodes(); !slices.Equal(got, []string{"FORBIDDEN"}) || r.Get("auditEntries") != nil {
			t.Errorf("%s: auditEntries answered %s, want FORBIDDEN", who, r.Raw)
		}
	}

	// The registering center sees who read its worker, the refused attempts included.
	accessLog := `query($id: ID!) { node(id: $id) { ... on Worker { accessLog(first: 50) {
		edges { node { ` + auditEntryFields + ` } } totalCount } } } }`
	r = e.Do(t, f.origin, accessLog, map[string]any{"id": workerID})
	r.NoErrors(t)
	logRaw := r.Raw
	var log []string
	for _, n := range auditNodes(t, r, "node.accessLog") {
		log = append(log, n["action"].(string)+" by "+n["centerCode"].(string)+" via "+n["purpose"].(string))
	}
	// The first entry is this very read of the worker, which the log then lists.
	if len(log) < 5 || !slices.Equal(log[:4], []string{"worker.read by TNG via node", "worker.access_refused by TNG via node", "worker.access_refused by BNH via node",
		"worker.read by TNG via node"}) || !slices.Contains(log, "worker.read by TNG via referWorker.referral.worker") {
		t.Errorf("access log: %v", log)
	}
	// The destination sees the worker, not who else read them.
	r = e.Do(t, f.dest, `query($id: ID!) { node(id: $id) { ... on Worker { fullName accessLog { totalCount } } } }`,
		map[string]any{"id": workerID})
	r.NoErrors(t)
	if r.Get("node.fullName") == nil || r.Get("node.accessLog") != nil {
		t.Errorf("destination: %s, want the worker without its access log", r.Raw)
	}

	// A mutation on the hidden worker is refused and logged too.
	r = e.Do(t, bnh, `mutation($in: EraseWorkerInput!) { eraseWorker(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"workerId": workerID}})
	if got := r.UserErrorCodes("eraseWorker"); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Errorf("eraseWorker by another center: %s", r.Raw)
	}
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"first": 1,
		"filter": map[string]any{"centerCode": "BNH", "workerId": workerID, "action": "worker.access_refused"}})
	r.NoErrors(t)
	if n := auditNodes(t, r, "auditEntries"); len(n) != 1 || n[0]["purpose"] != "eraseWorker" || n[0]["refusal"] != "NOT_VISIBLE" {
		t.Errorf("the refused erasure's entry: %s", r.Raw)
	}

	// So is a benefit transfer asked for another center's worker.
	req := transferRequest(time.Now().Format(time.DateOnly))
	delete(req, "worker")
	req["workerId"], req["toCenterCode"], req["newAddressProvinceCode"] = workerID, "HPG", "31"
	r = e.Do(t, bnh, requestTransfer, map[string]any{"in": req})
	if got := r.UserErrorCodes("requestBenefitTransfer"); !slices.Equal(got, []string{"NOT_FOUND"}) {
		t.Errorf("requestBenefitTransfer for another center's worker: %s", r.Raw)
	}
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"first": 1,
		"filter": map[string]any{"centerCode": "BNH", "workerId": workerID, "action": "worker.access_refused"}})
	r.NoErrors(t)
	if n := auditNodes(t, r, "auditEntries"); len(n) != 1 || n[0]["purpose"] != "requestBenefitTransfer" {
		t.Errorf("the refused transfer's entry: %s", r.Raw)
	}

	// A list's read of its workers is one entry per worker, through the list's field.
	postWithRequestID(t, e, f.origin, "req-list", `query Referrals { referrals { edges { node { worker { fullName } } } } }`, nil).NoErrors(t)
	r = e.Do(t, op, auditEntriesQuery, map[string]any{"first": 5, "filter": map[string]any{"workerId": workerID, "action": "worker.read"}})
	r.NoErrors(t)
	var listReads int
	for _, n := range auditNodes(t, r, "auditEntries") {
		if n["requestId"] == "req-list" {
			listReads++
			wantEntry(n, map[string]any{"purpose": "referrals.edges.node.worker", "operation": "Referrals", "fields": `["fullName"]`})
		}
	}
	if listReads != 1 {
		t.Errorf("the list's read of the worker is %d entries, want 1: %s", listReads, r.Raw)
	}

	// Neither the trail nor the log holds personal data.
	trail := e.Do(t, op, auditEntriesQuery, map[string]any{"first": 100})
	trail.NoErrors(t)
	for _, raw := range [][]byte{trail.Raw, logRaw} {
		for _, s := range []string{testNationalID, testNationalID[4:], "Nguyễn Văn Thử", "1990-05-17", "912345678", "hàn MIG"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("the audit trail shows %q: %s", s, raw)
			}
		}
	}
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
