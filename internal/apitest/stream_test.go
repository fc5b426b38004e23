package apitest_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestDomainSubscriptionResumesFromItsCursor: every laborDemandPublished event carries
// its change-feed cursor; a client that drops after the first event and resubscribes
// with that cursor gets the rest, in order, with nothing repeated or missed.
func TestDomainSubscriptionResumesFromItsCursor(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	const sub = `subscription($after: String) { laborDemandPublished(after: $after) { id } }`
	viewer := tng.Token(t, "viewer")
	first := apitest.Subscribe(t, second.URL, viewer, sub, map[string]any{"after": feedCursor(t, e)})

	hp := hpg.Token(t, "publisher")
	var ids []string
	for _, title := range []string{"Thợ hàn", "Thợ điện", "Thợ mộc"} {
		ids = append(ids, mustPublishDemand(t, e, hp, map[string]any{"title": title}))
	}
	ev := first.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
	if ev["id"] != ids[0] || first.Cursor == "" {
		t.Fatalf("first event %v with cursor %q, want %s with a cursor", ev, first.Cursor, ids[0])
	}
	last, err := exchange.ParseChangeCursor(first.Cursor)
	if err != nil {
		t.Fatalf("cursor %q: %v", first.Cursor, err)
	}

	resumed := apitest.Subscribe(t, e.Server.URL, viewer, sub, map[string]any{"after": first.Cursor})
	for _, want := range ids[1:] {
		ev := resumed.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
		seq, err := exchange.ParseChangeCursor(resumed.Cursor)
		if err != nil || seq <= last {
			t.Errorf("cursor %q after %d: not increasing (%v)", resumed.Cursor, last, err)
		}
		last = seq
		if ev["id"] != want {
			t.Errorf("resumed event = %v, want %s", ev, want)
		}
	}
	resumed.Silent(t, time.Second)
}

// TestChangesWithoutCursorStartsAtTheTip: a changes subscription without after: does
// not replay the history (the centers created before it); its first event is a change
// committed after it started.
func TestChangesWithoutCursorStartsAtTheTip(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	tip, err := exchange.ParseChangeCursor(feedCursor(t, e))
	if err != nil {
		t.Fatal(err)
	}
	s := apitest.Subscribe(t, e.Server.URL, tng.Token(t, "viewer"), `subscription { changes { entityType action } }`, nil)
	// The server takes the subscription up asynchronously: publish until it reports one.
	hp := hpg.Token(t, "publisher")
	for {
		mustPublishDemand(t, e, hp, map[string]any{"title": "Thợ hàn"})
		ev, ok := s.NextWithin(t, 500*time.Millisecond)
		if !ok {
			continue
		}
		ch := ev["changes"].(map[string]any)
		seq, err := exchange.ParseChangeCursor(s.Cursor)
		if err != nil || seq <= tip || ch["entityType"] != "LaborDemand" {
			t.Errorf("first event %v at %q, want a demand published after sequence %d", ch, s.Cursor, tip)
		}
		return
	}
}

// TestSubscriptionOutageEndsWithUnavailable: while PostgreSQL is down a subscription
// retries, then ends with UNAVAILABLE (not a bare complete); once the database is back,
// resubscribing with the last cursor received delivers what was committed since.
func TestSubscriptionOutageEndsWithUnavailable(t *testing.T) {
	rc := newRestartableCluster(t)
	e := apitest.NewWith(t, apitest.Options{DSN: rc.DSN, Server: faultServer(5 * time.Second), SubscriptionRetry: 2 * time.Second,
		Pool: postgres.PoolOptions{MaxConns: 4, ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second, LockTimeout: 5 * time.Second}})
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	const sub = `subscription($after: String) { laborDemandPublished(after: $after) { id } }`
	viewer, hp := tng.Token(t, "viewer"), hpg.Token(t, "publisher")
	s := apitest.Subscribe(t, e.Server.URL, viewer, sub, map[string]any{"after": feedCursor(t, e)})
	before := mustPublishDemand(t, e, hp, map[string]any{"title": "Thợ hàn"})
	if ev := s.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any); ev["id"] != before {
		t.Fatalf("event %v, want %s", ev, before)
	}

	rc.stop()
	if errs := s.Failed(t, time.Minute); len(errs) != 1 || errs[0].Code() != "UNAVAILABLE" {
		t.Errorf("during the outage the subscription ended with %v, want UNAVAILABLE", errs)
	}
	rc.start()

	var after string
	for { // the instance's outage prober must see the database back before it serves requests
		r := e.Do(t, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": "Thợ điện", "idempotencyKey": "after-outage"})})
		if len(r.Errors) == 0 {
			after = r.Data["publishLaborDemand"].(map[string]any)["laborDemand"].(map[string]any)["id"].(string)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	resumed := apitest.Subscribe(t, e.Server.URL, viewer, sub, map[string]any{"after": s.Cursor})
	if ev := resumed.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any); ev["id"] != after {
		t.Errorf("resumed after the outage: %v, want %s", ev, after)
	}
}

// TestLateSubscriberCatchesUpOnALiveInstance: on an instance whose reader already
// follows the feed, a subscription resuming from an older cursor reads its backlog
// itself (its kind was not read before it came) and then joins the instance's shared
// window: every event since its cursor, in order, once, then the live ones; one of the
// kind already read is served from the window directly.
func TestLateSubscriberCatchesUpOnALiveInstance(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	viewer, hp := tng.Token(t, "viewer"), hpg.Token(t, "publisher")
	const (
		feed    = `subscription($after: String) { changes(after: $after) { entityId } }`
		demands = `subscription($after: String) { laborDemandPublished(after: $after) { id } }`
	)
	start := feedCursor(t, e)
	live := apitest.Subscribe(t, e.Server.URL, viewer, feed, map[string]any{"after": start})
	var ids []string
	for _, title := range []string{"Thợ hàn", "Thợ điện", "Thợ mộc"} {
		ids = append(ids, mustPublishDemand(t, e, hp, map[string]any{"title": title}))
		if ev := live.Next(t, 20*time.Second)["changes"].(map[string]any); ev["entityId"] != ids[len(ids)-1] {
			t.Fatalf("live feed got %v, want %s", ev, ids[len(ids)-1])
		}
	}
	lateDemands := apitest.Subscribe(t, e.Server.URL, viewer, demands, map[string]any{"after": start})
	lateFeed := apitest.Subscribe(t, e.Server.URL, viewer, feed, map[string]any{"after": start})
	for i, id := range ids {
		if ev := lateDemands.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any); ev["id"] != id {
			t.Errorf("late demands subscriber, event %d: %v, want %s", i, ev, id)
		}
		if ev := lateFeed.Next(t, 20*time.Second)["changes"].(map[string]any); ev["entityId"] != id {
			t.Errorf("late feed subscriber, event %d: %v, want %s", i, ev, id)
		}
	}
	next := mustPublishDemand(t, e, hp, map[string]any{"title": "Thợ sơn"})
	for name, s := range map[string]*apitest.Subscription{"demands": lateDemands, "feed": lateFeed, "live": live} {
		ev := s.Next(t, 20*time.Second)
		got := ev["changes"]
		if got == nil {
			got = ev["laborDemandPublished"]
		}
		if m := got.(map[string]any); m["id"] != next && m["entityId"] != next {
			t.Errorf("%s subscriber after catching up got %v, want %s once", name, ev, next)
		}
	}
}
