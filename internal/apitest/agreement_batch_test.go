package apitest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestAgreementsStatementCount: a page of agreements with every nested list costs the
// same number of SQL statements for 2 agreements as for 20.
func TestAgreementsStatementCount(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter})
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	coord := tng.Token(t, "coordinator")
	// BNH is not a party to this one, the oldest: it is on TNG's and the operator's
	// pages only.
	e.Do(t, hpg.Token(t, "coordinator"), proposeAgreement, in("title", "HPG–TNG", "partyCenterCodes", []string{"TNG"},
		"terms", terms(quota("8153", 3, "HPG", "TNG")))).NoErrors(t)
	for i := range 22 {
		r := e.Do(t, coord, proposeAgreement, in("title", fmt.Sprintf("Cung ứng %d", i), "partyCenterCodes", []string{"HPG", "BNH"},
			"terms", terms(quota("8153", 10+i, "TNG", "HPG"), quota("8212", 5, "TNG", "BNH"))))
		r.NoErrors(t)
		id := r.String(t, "proposeAgreement.agreement.id")
		e.Do(t, hpg.Token(t, "publisher"), commentOnAgreement, in("agreementId", id, "text", "Đồng ý")).NoErrors(t)
		if i%2 == 0 {
			e.Do(t, coord, signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
		}
	}

	q := `query($n: Int) { agreements(first: $n) { edges { node { id title
		parties { code } currentRevision { number proposedBy { code } }
		revisions { number } signatures { center { code } revision }
		events { action actorCenter { code } } comments { center { code } text }
		quotaLines { occupation { code } from { code } to { code } workers } } } } }`
	count := func(tok string, first int) (int64, *apitest.Response) {
		before := counter.n.Load()
		r := e.Do(t, tok, q, map[string]any{"n": first})
		r.NoErrors(t)
		return counter.n.Load() - before, r
	}
	for _, c := range []struct {
		who string
		tok string
	}{{"TNG", coord}, {"BNH", bnh.Token(t, "viewer")}, {"operator", e.OperatorToken(t)}} {
		// A key's first verification reads it (later ones use the cache): count the
		// query's own statements, not that one.
		e.Do(t, c.tok, `{ viewer { roles } }`, nil).NoErrors(t)
		n2, r2 := count(c.tok, 2)
		n20, r20 := count(c.tok, 20)
		if r2.Len("agreements.edges") != 2 || r20.Len("agreements.edges") != 20 {
			t.Fatalf("%s: %d and %d agreements", c.who, r2.Len("agreements.edges"), r20.Len("agreements.edges"))
		}
		if n2 != n20 {
			t.Errorf("%s: agreements(first: 2) ran %d statements, (first: 20) %d", c.who, n2, n20)
		}
		t.Logf("%s: statements per request: first 2 → %d, first 20 → %d", c.who, n2, n20)
		for i := range 20 {
			node := fmt.Sprintf("agreements.edges.%d.node.", i)
			if r20.Len(node+"parties") != 3 || r20.Len(node+"revisions") != 1 || r20.Len(node+"comments") != 1 ||
				r20.Len(node+"quotaLines") != 2 || r20.Int(t, node+"currentRevision.number") != 1 ||
				r20.Len(node+"events") < 1 || r20.Len(node+"signatures") > 1 {
				t.Fatalf("%s: agreement %d: %s", c.who, i, r20.Raw)
			}
		}
	}
}

// TestReferralsStatementCount: the same for a page of referrals with their centers,
// occupation, worker and history.
func TestReferralsStatementCount(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	f := newReferralFixture(t, apitest.Options{QueryTracer: counter})
	e := f.e
	for i := range 52 {
		dest := "HPG"
		if i%4 == 0 {
			dest = "BNH"
		}
		id, _ := refer(t, e, f.origin, referInput(fmt.Sprintf("0010900001%02d", i), dest))
		if i%3 == 0 && dest == "HPG" {
			act(t, e, f.dest, id, "ACKNOWLEDGE").NoErrors(t)
		}
	}
	q := `query($n: Int) { referrals(first: $n) { edges { node { id status
		origin { code } destination { code } occupation { code } worker { fullName } events { action } } } } }`
	count := func(first int) (int64, *apitest.Response) {
		before := counter.n.Load()
		r := e.Do(t, f.origin, q, map[string]any{"n": first})
		r.NoErrors(t)
		return counter.n.Load() - before, r
	}
	n5, r5 := count(5)
	n50, r50 := count(50)
	if r5.Len("referrals.edges") != 5 || r50.Len("referrals.edges") != 50 {
		t.Fatalf("%d and %d referrals", r5.Len("referrals.edges"), r50.Len("referrals.edges"))
	}
	if n5 != n50 {
		t.Errorf("referrals(first: 5) ran %d statements, (first: 50) %d", n5, n50)
	}
	t.Logf("statements per request: first 5 → %d, first 50 → %d", n5, n50)
	for i := range 50 {
		node := fmt.Sprintf("referrals.edges.%d.node.", i)
		if r50.String(t, node+"worker.fullName") != "Nguyễn Văn Thử" || r50.Len(node+"events") < 1 {
			t.Fatalf("referral %d: %s", i, r50.Raw)
		}
	}
}

// TestAgreementUpdatedFreshLists: the loaders of one subscription do not serve an event
// the lists read for the one before. (Subscribe does not wait for the server to start
// the subscription, so the first events may be missed; of four, the test needs two.)
func TestAgreementUpdatedFreshLists(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	sub := apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "viewer"),
		`subscription { agreementUpdated { currentRevision { number } revisions { number } } }`, nil)
	r := e.Do(t, tng.Token(t, "coordinator"), proposeAgreement, in("title", "Cung ứng", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 10, "TNG", "HPG"))))
	r.NoErrors(t)
	id, version := r.String(t, "proposeAgreement.agreement.id"), r.Int(t, "proposeAgreement.agreement.version")
	for i := range 3 {
		coord := []*apitest.Center{hpg, tng}[i%2].Token(t, "coordinator")
		r = e.Do(t, coord, reviseAgreement, in("agreementId", id, "expectedVersion", version,
			"terms", terms(quota("8153", 20+i, "TNG", "HPG"))))
		r.NoErrors(t)
		version = r.Int(t, "reviseAgreement.agreement.version")
	}
	seen := 0
	for {
		ev := sub.Next(t, 20*time.Second)["agreementUpdated"].(map[string]any)
		seen++
		n := ev["currentRevision"].(map[string]any)["number"].(float64)
		// The agreement and its revisions are read from one snapshot: an event lists
		// exactly the revisions up to its current one (a stale loader would list fewer,
		// two reads could list one committed after it).
		if got := len(ev["revisions"].([]any)); got != int(n) {
			t.Fatalf("event of revision %v lists %d revisions", n, got)
		}
		if n == 4 {
			break
		}
	}
	if seen < 2 {
		t.Fatalf("%d events seen, want at least 2", seen)
	}
}
