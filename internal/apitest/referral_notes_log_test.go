package apitest_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// TestReferralNotesAccessLog: referral notes are the worker's personal data, so the
// destination's read of a referral's events with their notes is a worker.read entry
// about the referral's worker (field referralEvents.note, purpose, operation, request
// id), which the origin's Worker.accessLog and the operator's auditEntries show; events
// read without their note write no such entry; a page of referrals costs the same
// statements for 2 as for 6, one entry per referral; no note's text is in the trail.
func TestReferralNotesAccessLog(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	f := newReferralFixture(t, apitest.Options{QueryTracer: counter})
	e := f.e
	referralID, workerID := refer(t, e, f.origin, referInput(testNationalID, "HPG"))
	const note = "Về quê sau 2 tháng"
	e.Do(t, f.dest, updateReferral, map[string]any{"in": map[string]any{"referralId": referralID,
		"action": "ACKNOWLEDGE", "note": note}}).NoErrors(t)

	// The destination reads the events with and without their notes.
	r := postWithRequestID(t, e, f.dest, "req-notes",
		`query ReferralNotes { referrals { edges { node { id events { action note } } } } }`, nil)
	r.NoErrors(t)
	if got := r.Get("referrals.edges.0.node.events.1.note"); got != note {
		t.Fatalf("the destination's read of the notes: %s", r.Raw)
	}
	postWithRequestID(t, e, f.dest, "req-node-notes",
		`query NoteByNode($id: ID!) { node(id: $id) { ... on Referral { events { n: note } } } }`,
		map[string]any{"id": referralID}).NoErrors(t)
	postWithRequestID(t, e, f.dest, "req-no-notes",
		`query NoNotes { referrals { edges { node { id events { action actorSubject at } } } } }`, nil).NoErrors(t)
	postWithRequestID(t, e, f.dest, "req-node-no-notes",
		`query NoNoteByNode($id: ID!) { node(id: $id) { ... on Referral { status events { action } } } }`,
		map[string]any{"id": referralID}).NoErrors(t)

	noteReads := func(r *apitest.Response, path string) map[string]map[string]any {
		t.Helper()
		r.NoErrors(t)
		out := map[string]map[string]any{}
		for _, n := range auditNodes(t, r, path) {
			if fields, _ := n["fields"].([]any); slices.Contains(fields, any(exchange.FieldReferralEventNote)) {
				if _, dup := out[n["requestId"].(string)]; dup {
					t.Errorf("two note reads in request %v", n["requestId"])
				}
				out[n["requestId"].(string)] = n
			}
		}
		return out
	}
	want := map[string]map[string]any{
		"req-notes":      {"purpose": "referrals.edges.node.events", "operation": "ReferralNotes"},
		"req-node-notes": {"purpose": "node.events", "operation": "NoteByNode"},
	}
	check := func(who string, reads map[string]map[string]any) {
		t.Helper()
		for req, w := range want {
			n, ok := reads[req]
			if !ok {
				t.Errorf("%s: no entry of the note read %s: %v", who, req, reads)
				continue
			}
			if n["action"] != "worker.read" || n["centerCode"] != "HPG" || n["subject"] != "staff@hpg" ||
				n["entityKind"] != "Worker" || n["entityId"] != workerID || n["refusal"] != nil ||
				n["purpose"] != w["purpose"] || n["operation"] != w["operation"] ||
				len(n["fields"].([]any)) != 1 || n["center"].(map[string]any)["code"] != "HPG" {
				t.Errorf("%s: entry of %s: %v, want HPG's worker.read of %s via %v", who, req, n, workerID, w)
			}
		}
		for _, req := range []string{"req-no-notes", "req-node-no-notes"} {
			if n, ok := reads[req]; ok {
				t.Errorf("%s: events read without notes (%s) logged a note read: %v", who, req, n)
			}
		}
	}

	// The registering center sees who read its worker's notes.
	accessLog := `query($id: ID!) { node(id: $id) { ... on Worker { accessLog(first: 100) {
		edges { node { ` + auditEntryFields + ` } } } } } }`
	logResp := e.Do(t, f.origin, accessLog, map[string]any{"id": workerID})
	check("origin's accessLog", noteReads(logResp, "node.accessLog"))
	// So does the operator, filtered by the worker.
	trail := e.Do(t, e.OperatorToken(t), auditEntriesQuery, map[string]any{"first": 100,
		"filter": map[string]any{"workerId": workerID, "action": "worker.read"}})
	check("operator's auditEntries", noteReads(trail, "auditEntries"))
	for _, raw := range [][]byte{logResp.Raw, trail.Raw} {
		for _, s := range []string{note, "thợ hàn có kinh nghiệm"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("the audit trail shows the note %q: %s", s, raw)
			}
		}
	}

	// A page of referrals with their notes: the same statements for 2 as for 6, and one
	// entry per referral read.
	for i := range 5 {
		refer(t, e, f.origin, referInput(fmt.Sprintf("0010900002%02d", i), "HPG"))
	}
	q := `query PageNotes($n: Int) { referrals(first: $n) { edges { node { events { note } } } } }`
	count := func(first int) int64 {
		before := counter.n.Load()
		r := postWithRequestID(t, e, f.dest, fmt.Sprintf("req-page-%d", first), q, map[string]any{"n": first})
		r.NoErrors(t)
		if r.Len("referrals.edges") != first {
			t.Fatalf("referrals(first: %d): %s", first, r.Raw)
		}
		return counter.n.Load() - before
	}
	e.Do(t, f.dest, `{ viewer { roles } }`, nil).NoErrors(t) // the key's first verification reads it
	n2, n6 := count(2), count(6)
	if n2 != n6 {
		t.Errorf("referrals(first: 2) with notes ran %d statements, (first: 6) %d", n2, n6)
	}
	t.Logf("statements per request with notes: first 2 → %d, first 6 → %d", n2, n6)
	trail = e.Do(t, e.OperatorToken(t), auditEntriesQuery, map[string]any{"first": 100,
		"filter": map[string]any{"centerCode": "HPG", "action": "worker.read"}})
	trail.NoErrors(t)
	perRequest := map[any]int{}
	for _, n := range auditNodes(t, trail, "auditEntries") {
		perRequest[n["requestId"]]++
	}
	if perRequest["req-page-2"] != 2 || perRequest["req-page-6"] != 6 {
		t.Errorf("note reads per page: %v, want 2 and 6", perRequest)
	}
}
