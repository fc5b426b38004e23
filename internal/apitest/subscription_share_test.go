package apitest_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// TestSubscriptionRenderIsTheSubscribersOwn: subscribers of different centers and
// rights on the same subscription text each receive the payload their rights give
// (the worker for the paying center's publishers, null for its viewer, the receiving
// center and the operator), never another's; and a render that read personal data is
// not shared even between two publishers of the same center: each read is audited
// under its own subject and request.
func TestSubscriptionRenderIsTheSubscribersOwn(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	const sub = `subscription($after: String) { benefitTransferUpdated(after: $after) { id status worker { fullName } decisionNumber } }`
	now := map[string]any{"after": feedCursor(t, e)}
	publisher := func(subject string) string {
		return tng.TokenWith(t, auth.Claims{Subject: subject, Roles: []string{"publisher"}})
	}
	subscribers := []struct {
		who      string
		sub      *apitest.Subscription
		personal bool
	}{
		{"TNG publisher a", apitest.Subscribe(t, e.Server.URL, publisher("a@tng"), sub, now), true},
		{"TNG viewer", apitest.Subscribe(t, e.Server.URL, tng.Token(t, "viewer"), sub, now), false},
		{"TNG publisher b", apitest.Subscribe(t, e.Server.URL, publisher("b@tng"), sub, now), true},
		{"HPG publisher", apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "publisher"), sub, now), false},
		{"the operator", apitest.Subscribe(t, e.Server.URL, e.OperatorToken(t), sub, now), false},
	}
	today := exchange.DateInVietnam(time.Now()).Format(time.DateOnly)
	r := e.Do(t, tng.Token(t, "publisher"), requestTransfer, map[string]any{"in": transferRequest(today)})
	r.NoErrors(t)
	id := r.String(t, "requestBenefitTransfer.benefitTransfer.id")
	for _, s := range subscribers {
		ev := s.sub.Next(t, 20*time.Second)["benefitTransferUpdated"].(map[string]any)
		if ev["id"] != id || ev["status"] != "REQUESTED" {
			t.Fatalf("%s: %v, want transfer %s REQUESTED", s.who, ev, id)
		}
		if got := ev["worker"] != nil && ev["decisionNumber"] != nil; got != s.personal {
			t.Errorf("%s: worker %v, decision %v, want personal data %v", s.who, ev["worker"], ev["decisionNumber"], s.personal)
		}
		if w, _ := ev["worker"].(map[string]any); s.personal && w["fullName"] != "Nguyễn Văn Thử" {
			t.Errorf("%s: worker %v", s.who, ev["worker"])
		}
		if s.sub.Cursor == "" {
			t.Errorf("%s: the event has no extensions.cursor", s.who)
		}
	}
	for _, subject := range []string{"a@tng", "b@tng"} {
		var n int
		if err := dbPool(t, e).QueryRow(context.Background(), `SELECT count(*) FROM audit_entries
			WHERE action = 'worker.read' AND subject = $1 AND request_id IS NOT NULL`, subject).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d worker reads audited for %s, want its own 1", n, subject)
		}
	}
}

// TestSubscriptionRenderIsShared: subscribers with the same operation and the same
// rights share one render of each change, counted by the instance's metrics
// (laborx_subscription_renders_total against laborx_subscription_events_total); the
// subscribers of another center are rendered for apart, so every change costs at least
// one render per kind of subscriber, and far fewer than one per subscriber.
func TestSubscriptionRenderIsShared(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	const sub = `subscription($after: String) { laborDemandPublished(after: $after) { id title center { code } } }`
	now := map[string]any{"after": feedCursor(t, e)}
	const alike, apart, changes = 8, 2, 3
	var subs []*apitest.Subscription
	viewer := tng.Token(t, "viewer")
	for range alike {
		subs = append(subs, apitest.Subscribe(t, e.Server.URL, viewer, sub, now))
	}
	for range apart {
		subs = append(subs, apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "viewer"), sub, now))
	}
	eventsBefore, rendersBefore := streamCounts(t, e)
	for i := range changes {
		title := fmt.Sprintf("Chia sẻ %d", i)
		r := e.Do(t, tng.Token(t, "publisher"), publishDemand, map[string]any{"in": demandInput(map[string]any{"title": title})})
		r.NoErrors(t)
		id := r.String(t, "publishLaborDemand.laborDemand.id")
		for j, s := range subs {
			ev := s.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
			if ev["id"] != id || ev["title"] != title || ev["center"].(map[string]any)["code"] != "TNG" {
				t.Fatalf("subscriber %d: %v, want demand %s %q", j, ev, id, title)
			}
		}
	}
	eventsAfter, rendersAfter := streamCounts(t, e)
	events, renders := eventsAfter-eventsBefore, rendersAfter-rendersBefore
	if events != (alike+apart)*changes {
		t.Errorf("%d events counted, want %d", events, (alike+apart)*changes)
	}
	if renders < 2*changes || renders > events/2 {
		t.Errorf("%d renders for %d events of %d changes to two kinds of subscriber, want from %d to %d", renders, events, changes, 2*changes, events/2)
	}
}

var streamCount = regexp.MustCompile(`(?m)^laborx_subscription_(events|renders)_total (\S+)$`)

// streamCounts reads the subscription events and renders counted by e's instance.
func streamCounts(t *testing.T, e *apitest.Env) (events, renders int) {
	t.Helper()
	got := map[string]int{}
	for _, m := range streamCount.FindAllStringSubmatch(metrics(t, e), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		got[m[1]] = int(v)
	}
	if len(got) != 2 {
		t.Fatalf("the subscription counters are not in /metrics")
	}
	return got["events"], got["renders"]
}
