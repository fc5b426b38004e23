package apitest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// TestParallelPublishesAreNumberedGapFreeInOrder publishes from eight clients on two
// instances at once, with imports (which number their own changes) among them, while a
// follower pages through changes(after:). Publishing transactions share no row, and
// the sequencers of both instances number their committed changes in rounds; the test
// holds that to the feed's promises:
//   - when a publish answers, its change is in the feed (a client reading the feed
//     next sees it), and one client's changes are numbered in the order it made them;
//   - the follower, resuming after the last sequence it saw, never meets a gap: every
//     page starts right after the previous one's end, so no change becomes visible
//     after one numbered later (a skipped change would show as a jump);
//   - afterwards nothing is pending and the feed is 1..n, every demand in it once.
func TestParallelPublishesAreNumberedGapFreeInOrder(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	tok := hpg.Token(t, "publisher")
	pool := dbPool(t, e)
	ctx := context.Background()

	const feed = `query($after: String) { changes(first: 100, after: $after) { edges { node { sequence } } } }`
	stop := make(chan struct{})
	followed := make(chan []int)
	go func() {
		var seen []int
		defer func() { followed <- seen }() // also when a failed check ends the goroutine
		var after any
		for done := false; !done; {
			select {
			case <-stop:
				done = true // one more page: everything is committed now
			default:
			}
			for {
				r := e.Do(t, e.OperatorToken(t), feed, map[string]any{"after": after})
				r.NoErrors(t)
				n := r.Len("changes.edges")
				for i := range n {
					seq := r.Int(t, fmt.Sprintf("changes.edges.%d.node.sequence", i))
					if seq != len(seen)+1 {
						t.Errorf("the follower saw sequence %d after %d: a gap", seq, len(seen))
					}
					seen = append(seen, seq)
				}
				if len(seen) > 0 {
					after = exchange.ChangeCursor(int64(seen[len(seen)-1]))
				}
				if n < 100 {
					break
				}
			}
		}
	}()

	const clients, each = 8, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	published := map[string]bool{}
	for c := range clients {
		url := e.Server.URL
		if c%2 == 1 {
			url = second.URL
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for i := range each {
				var ids []string
				if c == 0 && i%5 == 4 {
					r := apitest.Post(t, url, tok, `mutation($in: ImportInput!) { importLaborDemand(input: $in) { createdCount } }`,
						map[string]any{"in": map[string]any{"csv": importCSV(c, i)}})
					r.NoErrors(t)
					rows, err := pool.Query(ctx, `SELECT id FROM labor_demands WHERE title LIKE $1`, fmt.Sprintf("Nhập %d-%d-%%", c, i))
					if err != nil {
						t.Error(err)
						return
					}
					for rows.Next() {
						var id [16]byte
						_ = rows.Scan(&id)
						ids = append(ids, fmt.Sprintf("%x", id))
					}
					rows.Close()
				} else {
					r := apitest.Post(t, url, tok, publishDemand, map[string]any{"in": demandInput(map[string]any{
						"title": fmt.Sprintf("Song song %d-%d", c, i)})})
					r.NoErrors(t)
					id, err := exchange.ParseGlobalIDOf(exchange.KindLaborDemand, r.String(t, "publishLaborDemand.laborDemand.id"))
					if err != nil {
						t.Error(err)
						return
					}
					ids = append(ids, fmt.Sprintf("%x", id[:])) // as the import's ids below
				}
				// An import's rows are one call's changes, numbered together, and the query
				// above lists them in no order: each is compared with the calls before.
				before := last
				for _, id := range ids {
					var seq int64
					// Answered, so numbered: the change is in the feed already.
					if err := pool.QueryRow(ctx, `SELECT sequence FROM changes WHERE entity_id = $1::uuid`, id).Scan(&seq); err != nil {
						t.Errorf("client %d, publish %d: demand %s answered but its change is not in the feed: %v", c, i, id, err)
						continue
					}
					if seq <= before {
						t.Errorf("client %d: change %d numbered after its earlier change %d", c, seq, before)
					}
					last = max(last, seq)
					mu.Lock()
					published[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	seen := <-followed

	var count, distinct, lowest, highest, last, pending, demands int64
	if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT sequence), coalesce(min(sequence), 1), coalesce(max(sequence), 0),
		(SELECT last FROM change_sequence), (SELECT count(*) FROM pending_changes),
		count(*) FILTER (WHERE entity_kind = 'LaborDemand') FROM changes`).Scan(&count, &distinct, &lowest, &highest, &last, &pending, &demands); err != nil {
		t.Fatal(err)
	}
	if count != distinct || lowest != 1 || highest != count || last != highest || pending != 0 {
		t.Errorf("change feed: %d entries (%d distinct) numbered %d..%d, sequence at %d, %d pending: want 1..n, none pending",
			count, distinct, lowest, highest, last, pending)
	}
	if demands != int64(len(published)) {
		t.Errorf("%d demand changes in the feed, %d demands published", demands, len(published))
	}
	if int64(len(seen)) != count {
		t.Errorf("the follower saw %d changes, the feed holds %d", len(seen), count)
	}
	t.Logf("%d changes from %d clients on two instances, %d demands", count, clients, len(published))
}

// importCSV is three demands in one import, titled after the client and its round.
func importCSV(client, round int) string {
	var b strings.Builder
	b.WriteString("employer_name,occupation_code,title,quantity,work_province_code,employment_type,expires_at\n")
	exp := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	for k := range 3 {
		fmt.Fprintf(&b, "Công ty %d,8153,Nhập %d-%d-%d,5,31,FULL_TIME,%s\n", k, client, round, k, exp)
	}
	return b.String()
}
