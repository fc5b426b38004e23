package apitest_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
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
