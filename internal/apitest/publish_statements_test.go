package apitest_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestPublishStatementCount: a publish is one round trip to the database, with or
// without an idempotency key: a pipeline of two statements, the caller's settings and
// one statement that claims the key and writes the posting, its audit entry and its
// change (unnumbered, into pending_changes), which PostgreSQL runs as one implicit
// transaction; the answer waits for a numbering round of the sequencer, one statement
// shared by every publisher of the moment and counted apart. A replay of the key reads
// the first result instead of writing.
func TestPublishStatementCount(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter})
	tok := e.AddCenter(t, "HPG", "31").Token(t, "publisher")
	const publish = `mutation($in: PublishLaborDemandInput!) { publishLaborDemand(input: $in) {
		laborDemand { id title version status } userErrors { code } } }`
	// One expiry for every publish: a replay must send the very input the key first had.
	expires := time.Now().AddDate(0, 1, 0).Format(time.RFC3339)
	input := func(key any) map[string]any {
		return map[string]any{"in": map[string]any{"employer": map[string]any{"name": "Công ty May"}, "occupationCode": "8153",
			"title": "Công nhân may", "quantity": 5, "workProvinceCode": "31", "employmentType": "FULL_TIME",
			"expiresAt": expires, "idempotencyKey": key}}
	}
	e.Do(t, tok, publish, input(nil)).NoErrors(t) // the key is verified and cached
	var trips int64
	run := func(key any) (int64, *apitest.Response) {
		before, rounds, tripsBefore := counter.n.Load(), counter.rounds.Load(), counter.trips.Load()
		r := e.Do(t, tok, publish, input(key))
		r.NoErrors(t)
		if key != "k-2" && counter.rounds.Load() == rounds {
			t.Errorf("publish with key %v answered before a numbering round", key)
		}
		trips = counter.trips.Load() - tripsBefore
		return counter.n.Load() - before, r
	}
	for _, key := range []any{nil, "k-1"} {
		n, r := run(key)
		if n != 2 || trips != 1 {
			t.Errorf("publish with key %v ran %d statements in %d round trips besides the numbering round, want 2 in 1", key, n, trips)
		}
		if r.Get("publishLaborDemand.laborDemand.version") != float64(1) || r.Get("publishLaborDemand.laborDemand.status") != "OPEN" {
			t.Errorf("published: %s", r.Raw)
		}
	}
	_, first := run("k-2")
	n, again := run("k-2")
	if again.Get("publishLaborDemand.laborDemand.id") != first.Get("publishLaborDemand.laborDemand.id") {
		t.Errorf("replay: %s, first %s", again.Raw, first.Raw)
	}
	t.Logf("a replay ran %d statements in %d round trips", n, trips)
}
