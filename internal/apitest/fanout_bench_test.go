package apitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/server"
)

// BenchmarkSubscriptionFanOut measures one instance serving subscribers (half
// `changes`, half laborDemandPublished) while another instance publishes demands at
// 50 a second: the SQL statements the subscribers' instance runs per change (main and
// key pools; its own publishes excluded, they run on the other instance) and the delay
// from a publish request's start to each subscriber's event (and from its answer).
// LABORX_FANOUT_SECONDS sets the publishing time (default 30), LABORX_FANOUT_SUBSCRIBERS
// a comma-free single count to run only that size, LABORX_FANOUT_CPUPROFILE a file for
// a CPU profile of the measured span alone (without the subscribers' handshakes).
//
//	go test -run '^$' -bench SubscriptionFanOut -benchtime 1x ./internal/apitest/
func BenchmarkSubscriptionFanOut(b *testing.B) {
	seconds := 30
	if v, err := strconv.Atoi(os.Getenv("LABORX_FANOUT_SECONDS")); err == nil {
		seconds = v
	}
	sizes := []int{10, 100, 1000}
	if v, err := strconv.Atoi(os.Getenv("LABORX_FANOUT_SUBSCRIBERS")); err == nil {
		sizes = []int{v}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			for range b.N {
				fanOut(b, n, time.Duration(seconds)*time.Second)
			}
		})
	}
}

func fanOut(b *testing.B, subscribers int, d time.Duration) {
	// The collector as `laborx serve` sets it by default (cmd/laborx/gc.go: GOGC 800,
	// GOMEMLIMIT 1GiB), not Go's 100 and no limit; GOGC or GOMEMLIMIT in the
	// environment override them, as they do serve's.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(800))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	}
	counter := &statementCounter{}
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.UnauthRate = 0, 0
	e := apitest.NewWith(b, apitest.Options{QueryTracer: counter, KeyQueryTracer: counter, Server: &cfg})
	tng, hpg := e.AddCenter(b, "TNG", "19"), e.AddCenter(b, "HPG", "31")
	// The publishing instance's goroutines are labelled side=publisher (they inherit
	// the label of the goroutine that starts them): a CPU profile tells its cost apart
	// from the subscribers' instance's (unlabelled) and the clients'.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "publisher")))
	_, publisher := e.NewInstance(b, apitest.Options{})
	pprof.SetGoroutineLabels(context.Background())
	viewer, hp := tng.Token(b, "viewer"), hpg.Token(b, "publisher")
	// Everything this goroutine starts from here on is the clients' side (subscribers
	// and publisher), labelled so that a CPU profile tells it from the two instances':
	// go tool pprof -tagfocus side=client (or -tagignore) -top.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "client")))
	defer pprof.SetGoroutineLabels(context.Background())
	now := map[string]any{"after": feedCursor(b, e)}
	// Half follow the feed, half the demands (whose objects are loaded once per change
	// for all of them).
	subs := make([]*apitest.Subscription, subscribers)
	for i := range subs {
		q := `subscription($after: String) { changes(after: $after) { entityId } }`
		if i%2 == 1 {
			q = `subscription($after: String) { laborDemandPublished(after: $after) { id title } }`
		}
		subs[i] = apitest.Subscribe(b, e.Server.URL, viewer, q, now)
	}

	// Every subscription is live (has its first event) before the measured publishes:
	// 1,000 websocket handshakes alongside them would measure the handshakes.
	warmUp := apitest.Post(b, publisher.URL, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": "Khởi động"})})
	if len(warmUp.Errors) > 0 {
		b.Fatalf("warm-up publish: %s", warmUp.Raw)
	}
	warmCtx, warmCancel := context.WithTimeout(context.Background(), 5*time.Minute)
	var warm sync.WaitGroup
	for _, s := range subs {
		warm.Go(func() {
			if _, _, err := s.Read(warmCtx); err != nil {
				b.Errorf("warm-up event: %v", err)
			}
		})
	}
	warm.Wait()
	warmCancel()
	if b.Failed() {
		return
	}

	var mu sync.Mutex
	// Each publish's request start and answer: the change committed in between, so a
	// delivery's delay from its commit lies between the delay from the answer (which
	// may be negative: an event can arrive before its publish's answer) and the delay
	// from the start.
	type publish struct{ start, answered time.Time }
	published := map[string]publish{}
	var publishing []time.Duration // each publish request's own duration
	// Each subscriber records what it received on its own (no lock shared by a
	// thousand readers), reading of each event only what it is checked on: its
	// object's id and its cursor, which must grow from event to event. The ids go into
	// one byte buffer per subscriber and the arrivals hold no pointer, both sized for
	// the run: an arrival costs the process no allocation and the collector nothing to
	// scan (a string per arrival, 1.5 million in a run, made the clients' records most
	// of the live heap the collector marked).
	type arrival struct {
		from, to int32 // the id, in record.ids
		at       int64 // time.Time.UnixNano
	}
	type record struct {
		mu       sync.Mutex
		arrivals []arrival
		ids      []byte
		done     atomic.Bool // has the last demand
	}
	idOf := func(rec *record, a arrival) []byte { return rec.ids[a.from:a.to] }
	var last atomic.Pointer[string] // the last demand's id, once published
	records := make([]*record, len(subs))
	total := int(d.Seconds() * 50)
	ctx, cancel := context.WithTimeout(context.Background(), d+3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var stopped atomic.Bool // the readers are stopped by closing their connections
	for i, s := range subs {
		// A demand's global id is 64 bytes (base64 of "LaborDemand:" and its uuid).
		rec := &record{arrivals: make([]arrival, 0, total+8), ids: make([]byte, 0, 64*(total+8))}
		records[i] = rec
		wg.Go(func() {
			var buf bytes.Buffer
			var prev int64
			for {
				msg, err := s.ReadMessage(context.Background(), &buf)
				if err != nil {
					if !stopped.Load() {
						b.Errorf("subscriber: %v", err)
					}
					return
				}
				at := time.Now().UnixNano()
				id, seq, err := readEvent(msg)
				if err != nil {
					b.Errorf("subscriber %d: %v", i, err)
					return
				}
				if seq <= prev {
					b.Errorf("subscriber %d: cursor %d after %d", i, seq, prev)
					return
				}
				prev = seq
				rec.mu.Lock()
				from := int32(len(rec.ids))
				rec.ids = append(rec.ids, id...)
				rec.arrivals = append(rec.arrivals, arrival{from, int32(len(rec.ids)), at})
				rec.mu.Unlock()
				if l := last.Load(); l != nil && *l == string(id) {
					rec.done.Store(true)
				}
			}
		})
	}
	tipBefore := tip(b, e)
	before := counter.n.Load()
	cpuBefore := processCPU(b)
	var memBefore runtime.MemStats
	runtime.ReadMemStats(&memBefore)
	stopProfile := profileSpan(b)
	framesBefore, writesBefore := e.App.Drain.WebsocketWrites()
	tick := time.NewTicker(time.Second / 50)
	var pub sync.WaitGroup
	var failed atomic.Int64
	for i := range total {
		<-tick.C
		pub.Go(func() {
			// The delay counts from the publish request's start (it includes the publish
			// itself): its id is known only from the answer, which may come after events.
			start := time.Now()
			r := apitest.Post(b, publisher.URL, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": fmt.Sprintf("Bench %d", i)})})
			if len(r.Errors) > 0 {
				if failed.Add(1) == 1 {
					b.Logf("publish %d failed (counted, not measured): %s", i, r.Raw)
				}
				return
			}
			answered := time.Now()
			mu.Lock()
			published[r.String(b, "publishLaborDemand.laborDemand.id")] = publish{start, answered}
			publishing = append(publishing, answered.Sub(start))
			mu.Unlock()
		})
	}
	tick.Stop()
	pub.Wait()
	// A last demand, published once the others are answered: a subscriber that has it
	// has everything before it (delivery is in order).
	for last.Load() == nil && ctx.Err() == nil {
		r := apitest.Post(b, publisher.URL, hp, publishDemand, map[string]any{"in": demandInput(map[string]any{"title": "Bench end"})})
		if len(r.Errors) == 0 {
			id := r.String(b, "publishLaborDemand.laborDemand.id")
			last.Store(&id)
		}
	}
	lastID := *last.Load()
	// Each arrival is looked at once: a subscriber that had the last demand before its
	// id was known is found by its arrivals since the last look.
	checked := make([]int, len(records))
	for ctx.Err() == nil {
		done := 0
		for i, rec := range records {
			rec.mu.Lock()
			if !rec.done.Load() && slices.ContainsFunc(rec.arrivals[checked[i]:], func(a arrival) bool { return string(idOf(rec, a)) == lastID }) {
				rec.done.Store(true)
			}
			checked[i] = len(rec.arrivals)
			if rec.done.Load() {
				done++
			}
			rec.mu.Unlock()
		}
		if done == len(subs) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	statements := counter.n.Load() - before
	cpu := processCPU(b) - cpuBefore
	var memAfter runtime.MemStats
	runtime.ReadMemStats(&memAfter)
	stopProfile()
	frames, writes := e.App.Drain.WebsocketWrites()
	frames, writes = frames-framesBefore, writes-writesBefore
	changes := tip(b, e) - tipBefore
	cancel()
	stopped.Store(true)
	for _, s := range subs {
		s.Close()
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	// Every subscriber has every demand published (in order: delivery is ordered, so
	// the last one's arrival proves nothing was left behind, but check it).
	var delays, afterAnswer []time.Duration
	missing, arrived := 0, 0
	for i, rec := range records {
		arrived += len(rec.arrivals)
		seen := make(map[string]bool, len(rec.arrivals))
		for _, a := range rec.arrivals {
			seen[string(idOf(rec, a))] = true
		}
		for id := range published {
			if !seen[id] {
				if missing++; missing <= 5 {
					b.Errorf("subscriber %d never received demand %s", i, id)
				}
			}
		}
		for _, a := range rec.arrivals {
			if pub, ok := published[string(idOf(rec, a))]; ok {
				at := time.Unix(0, a.at)
				delays = append(delays, at.Sub(pub.start))
				afterAnswer = append(afterAnswer, at.Sub(pub.answered))
			}
		}
	}
	if missing > 0 {
		b.Fatalf("%d deliveries missing", missing)
	}
	p := func(list []time.Duration, q float64) time.Duration {
		slices.Sort(list)
		return list[int(q*float64(len(list)-1))]
	}
	b.ReportMetric(float64(statements)/float64(changes), "statements/change")
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(p(delays, 0.5)), "p50-ms")
	b.ReportMetric(ms(p(delays, 0.99)), "p99-ms")
	// The same delays counted from each publish's answer instead of its start: a lower
	// bound of the delay from the commit, as p50-ms and p99-ms are its upper bound.
	b.ReportMetric(ms(p(afterAnswer, 0.5)), "p50-after-answer-ms")
	b.ReportMetric(ms(p(afterAnswer, 0.99)), "p99-after-answer-ms")
	// A publish that failed (timed out on a starved machine) is not in the delays:
	// the run is only good when this is 0.
	b.ReportMetric(float64(failed.Load()), "failed-publishes")
	// The test process's CPU (both instances and every client; PostgreSQL runs apart)
	// per event delivered (of answered publishes or not): what decides whether 50,000
	// deliveries a second fit.
	b.ReportMetric(float64(cpu.Microseconds())/float64(arrived), "cpu-µs/delivery")
	// The allocations of the whole process (both instances and the clients) per event
	// delivered: unlike CPU time, they do not depend on how loaded the machine is.
	b.ReportMetric(float64(memAfter.Mallocs-memBefore.Mallocs)/float64(arrived), "allocs/delivery")
	b.ReportMetric(float64(memAfter.TotalAlloc-memBefore.TotalAlloc)/float64(arrived), "B/delivery")
	b.ReportMetric(float64(memAfter.NumGC-memBefore.NumGC), "gc-cycles")
	// Frames per socket write: above 1 when frames waiting for one socket went out in
	// one write (internal/server/gather.go).
	b.ReportMetric(float64(frames)/float64(max(writes, 1)), "frames/write")
	b.Logf("%d subscribers, %d publishes in %s (%d failed), %d changes: %d statements (%.2f per change); %d deliveries (%d measured), %s of CPU; p50 %s p99 %s max %s; the publish requests alone p50 %s p99 %s",
		subscribers, total, d, failed.Load(), changes, statements, float64(statements)/float64(changes), arrived, len(delays), cpu,
		p(delays, 0.5), p(delays, 0.99), p(delays, 1), p(publishing, 0.5), p(publishing, 0.99))
}

// readEvent reads what a subscriber checks of a message: that it is an event (a
// "next" without errors), its object's id (changes.entityId or
// laborDemandPublished.id) and its cursor's sequence. The server writes every event in
// one shape, so the fields are found by their text (a quote inside a JSON string is
// escaped, so `":` there cannot match); a message of any other shape is decoded in
// full, so that it is reported, not misread. The id may be part of msg.
func readEvent(msg []byte) (id []byte, seq int64, err error) {
	if rest, ok := bytes.CutPrefix(msg, eventHead); ok && bytes.HasSuffix(msg, eventTail) && !bytes.Contains(msg, eventErrors) {
		// The object comes first in data: its id is the first field.
		id, okID := textAfter(rest, changesHead)
		if !okID {
			id, okID = textAfter(rest, demandHead)
		}
		// The cursor is the last extension, near the end.
		cursor, okCursor := textAfter(msg[max(0, bytes.LastIndex(msg, cursorHead)):], cursorHead)
		if okID && okCursor {
			seq, err := exchange.ParseChangeCursor(string(cursor))
			return id, seq, err
		}
	}
	var m struct {
		Type    string `json:"type"`
		Payload struct {
			Data struct {
				Changes *struct {
					EntityID string `json:"entityId"`
				} `json:"changes"`
				Demand *struct {
					ID string `json:"id"`
				} `json:"laborDemandPublished"`
			} `json:"data"`
			Errors     []apitest.Error `json:"errors"`
			Extensions struct {
				Cursor string `json:"cursor"`
			} `json:"extensions"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		return nil, 0, fmt.Errorf("undecodable message %s: %w", msg, err)
	}
	data := m.Payload.Data
	switch {
	case m.Type != "next" || len(m.Payload.Errors) > 0:
		return nil, 0, fmt.Errorf("got %s", msg)
	case data.Changes != nil:
		id = []byte(data.Changes.EntityID)
	case data.Demand != nil:
		id = []byte(data.Demand.ID)
	default:
		return nil, 0, fmt.Errorf("an event without its object: %s", msg)
	}
	seq, err = exchange.ParseChangeCursor(m.Payload.Extensions.Cursor)
	return id, seq, err
}

// The parts of an event message readEvent looks for, made once (not per message).
var (
	eventHead   = []byte(`{"payload":{"data":{`)
	eventTail   = []byte(`,"type":"next"}`)
	eventErrors = []byte(`"errors":`)
	changesHead = []byte(`"changes":{"entityId":"`)
	demandHead  = []byte(`"laborDemandPublished":{"id":"`)
	cursorHead  = []byte(`"extensions":{"cursor":"`)
)

// textAfter returns the JSON string text that follows prefix at msg's start (prefix
// ends with the string's opening quote), when it has no escapes, as part of msg.
func textAfter(msg, prefix []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(msg, prefix)
	if !ok {
		return nil, false
	}
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return nil, false
	}
	return rest[:j], true
}

// profileSpan starts the CPU profile LABORX_FANOUT_CPUPROFILE names, if any, and
// returns what stops it.
func profileSpan(b *testing.B) func() {
	name := os.Getenv("LABORX_FANOUT_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// processCPU is the user and system CPU time the test process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// tip is the feed's newest sequence. It reads through the counted pool: call it
// outside the counted span.
func tip(b *testing.B, e *apitest.Env) int64 {
	seq, err := postgres.NewChangeService(e.App.DB).LatestSequence(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return seq
}
