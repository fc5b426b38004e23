package apitest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestFanOutStatementsDoNotGrowWithSubscribers counts the SQL statements (main pool
// and key pool) an instance runs for its subscribers while another instance
// publishes demands: with 20 `changes` and 20 laborDemandPublished subscribers the
// instance runs no more statements for the same publishes than with one of each
// (one outbox read per wake-up, one key check per key, one demand load per change and
// rights), where it used to run some per subscriber.
func TestFanOutStatementsDoNotGrowWithSubscribers(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter, KeyQueryTracer: counter})
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	_, publisher := e.NewInstance(t, apitest.Options{})
	viewer, hp := tng.Token(t, "viewer"), hpg.Token(t, "publisher")
	const (
		feed    = `subscription($after: String) { changes(after: $after) { entityId } }`
		demands = `subscription($after: String) { laborDemandPublished(after: $after) { id title } }`
	)
	publish := func(title string) string {
		r := apitest.Post(t, publisher.URL, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": title})})
		r.NoErrors(t)
		return r.String(t, "publishLaborDemand.laborDemand.id")
	}
	// statementsFor subscribes n of each kind, makes sure every subscription is live
	// (each has received a first demand), then publishes 5 demands, one after the other
	// has reached everyone, and returns the statements the instance ran meanwhile.
	statementsFor := func(n int) int64 {
		now := map[string]any{"after": feedCursor(t, e)}
		var subs []*apitest.Subscription
		for range n {
			subs = append(subs, apitest.Subscribe(t, e.Server.URL, viewer, feed, now),
				apitest.Subscribe(t, e.Server.URL, viewer, demands, now))
		}
		receive := func(id string) {
			for i, s := range subs {
				data := s.Next(t, 30*time.Second)
				got := data["laborDemandPublished"]
				if i%2 == 0 {
					got = data["changes"]
				}
				if got.(map[string]any)["id"] != id && got.(map[string]any)["entityId"] != id {
					t.Fatalf("subscriber %d got %v, want %s", i, data, id)
				}
			}
		}
		receive(publish("Khởi động"))
		before := counter.n.Load()
		for i := range 5 {
			receive(publish(fmt.Sprintf("Thợ hàn %d", i)))
		}
		return counter.n.Load() - before
	}
	one := statementsFor(1)
	many := statementsFor(20)
	t.Logf("5 changes: %d statements with 1+1 subscribers, %d with 20+20 (beside the first ones)", one, many)
	// The second round also feeds the first round's two subscribers, which share reads.
	if many > one {
		t.Errorf("5 changes cost %d statements with 20+20 subscribers, %d with 1+1: fan-out reads per subscriber", many, one)
	}
}

// TestShortOutageSkipsNoEvent: while PostgreSQL restarts under live subscriptions
// (shorter than the retry bound), demands published around it reach
// laborDemandPublished exactly as they reach `changes`: every sequence the feed
// delivered, in order, none skipped as if it could not be seen.
func TestShortOutageSkipsNoEvent(t *testing.T) {
	rc := newRestartableCluster(t)
	e := apitest.NewWith(t, apitest.Options{DSN: rc.DSN, Server: faultServer(5 * time.Second), SubscriptionRetry: time.Minute,
		Pool: postgres.PoolOptions{MaxConns: 4, ConnectTimeout: 2 * time.Second, StatementTimeout: 5 * time.Second, LockTimeout: 5 * time.Second}})
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	viewer, hp := tng.Token(t, "viewer"), hpg.Token(t, "publisher")
	now := map[string]any{"after": feedCursor(t, e)}
	feed := apitest.Subscribe(t, e.Server.URL, viewer, `subscription($after: String) { changes(after: $after) { entityType entityId } }`, now)
	demands := apitest.Subscribe(t, e.Server.URL, viewer, `subscription($after: String) { laborDemandPublished(after: $after) { id } }`, now)

	// Publish while the database goes down and comes back: some publishes fail, the
	// committed ones must all arrive.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		time.Sleep(300 * time.Millisecond) // a few publishes in flight when it stops
		rc.stop()
		rc.start()
	}()
	published := 0
	var last string
publishing:
	for i := 0; ; i++ {
		r := apitest.Post(t, e.Server.URL, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{
			"title": fmt.Sprintf("Thợ hàn %d", i), "idempotencyKey": fmt.Sprintf("outage-%d", i)})})
		if len(r.Errors) == 0 {
			published++
			last = r.String(t, "publishLaborDemand.laborDemand.id")
		}
		select {
		case <-stopped:
			if len(r.Errors) == 0 {
				break publishing
			}
		default:
		}
		time.Sleep(20 * time.Millisecond)
	}
	var feedSeqs, demandSeqs []int64
	for {
		ch := feed.Next(t, time.Minute)["changes"].(map[string]any)
		seq, err := exchange.ParseChangeCursor(feed.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		if ch["entityType"] == "LaborDemand" {
			feedSeqs = append(feedSeqs, seq)
		}
		if ch["entityId"] == last {
			break
		}
	}
	for {
		ev := demands.Next(t, time.Minute)["laborDemandPublished"].(map[string]any)
		seq, err := exchange.ParseChangeCursor(demands.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		demandSeqs = append(demandSeqs, seq)
		if ev["id"] == last {
			break
		}
	}
	t.Logf("%d demands published around the restart; the feed delivered sequences %v", published, feedSeqs)
	if !slices.Equal(feedSeqs, demandSeqs) {
		t.Errorf("laborDemandPublished delivered sequences %v, the feed %v: an event was skipped or repeated", demandSeqs, feedSeqs)
	}
}
