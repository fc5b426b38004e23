package apitest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// refusedWithin waits until the instance at url refuses tok, and fails unless a request
// that started within limit of since was refused. Instances other than the one that
// revoked a key learn of it asynchronously (the database's announcement, or at the
// latest the cache's loss of trust in a silent follower), so this is a bound, not a
// wait for the next request.
func refusedWithin(t *testing.T, url, tok string, since time.Time, limit time.Duration) {
	t.Helper()
	for {
		start := time.Now()
		r := apitest.Post(t, url, tok, viewerQuery, nil)
		if r.Status == http.StatusUnauthorized {
			assertUnauthenticated(t, r)
			if late := start.Sub(since); late > limit {
				t.Fatalf("first refused %s after the change, want within %s", late, limit)
			}
			return
		}
		r.NoErrors(t)
		if time.Since(since) > limit {
			t.Fatalf("still accepted %s after the change", time.Since(since))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRevocationThroughOneInstanceIsRefusedOnAnotherWithinOneSecond: both instances
// have the key cached; the revoking instance refuses at its next request, the other
// within a second.
func TestRevocationThroughOneInstanceIsRefusedOnAnotherWithinOneSecond(t *testing.T) {
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	_, second := e.NewInstance(t, apitest.Options{})
	tok := tng.Token(t, "publisher")
	for range 2 { // the second round is served from both caches
		apitest.Post(t, e.Server.URL, tok, viewerQuery, nil).NoErrors(t)
		apitest.Post(t, second.URL, tok, viewerQuery, nil).NoErrors(t)
	}
	e.Do(t, e.OperatorToken(t), `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) { userErrors { code } } }`,
		map[string]any{"kid": tng.KID}).NoErrors(t)
	revoked := time.Now()
	assertUnauthenticated(t, e.Do(t, tok, viewerQuery, nil))
	refusedWithin(t, second.URL, tok, revoked, time.Second)
}

// TestSuspensionOutsideTheAPIIsRefusedWithinOneSecond: a center suspended by a plain
// UPDATE (as another tool or an administrator would) reaches every instance's cache
// through the database's announcement; no instance made the change itself.
func TestSuspensionOutsideTheAPIIsRefusedWithinOneSecond(t *testing.T) {
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	tok := hpg.Token(t, "publisher")
	for range 2 {
		apitest.Post(t, e.Server.URL, tok, viewerQuery, nil).NoErrors(t)
		apitest.Post(t, second.URL, tok, viewerQuery, nil).NoErrors(t)
	}
	if _, err := e.App.DB.Pool.Exec(context.Background(), `UPDATE centers SET status = 'SUSPENDED' WHERE code = 'HPG'`); err != nil {
		t.Fatal(err)
	}
	suspended := time.Now()
	refusedWithin(t, e.Server.URL, tok, suspended, time.Second)
	refusedWithin(t, second.URL, tok, suspended, time.Second)

	if _, err := e.App.DB.Pool.Exec(context.Background(), `UPDATE centers SET status = 'ACTIVE' WHERE code = 'HPG'`); err != nil {
		t.Fatal(err)
	}
	// Refusals are never cached: reinstated, the center's tokens work at once.
	for _, url := range []string{e.Server.URL, second.URL} {
		apitest.Post(t, url, tok, viewerQuery, nil).NoErrors(t)
	}
}

// TestVerifiedKeyCostsNoStatement: once a key is verified, a request that reads nothing
// else runs no SQL at all.
func TestVerifiedKeyCostsNoStatement(t *testing.T) {
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter, KeyQueryTracer: counter})
	tng := e.AddCenter(t, "TNG", "19")
	tok := tng.Token(t, "viewer")
	e.Do(t, tok, `{ viewer { roles } }`, nil).NoErrors(t)
	before := counter.n.Load()
	e.Do(t, tok, `{ viewer { roles } }`, nil).NoErrors(t)
	if n := counter.n.Load() - before; n != 0 {
		t.Errorf("a request with a verified key ran %d statements, want 0", n)
	}
}
