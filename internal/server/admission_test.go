package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/graph"
)

// gatedServer is the GraphQL handler behind the request context and the UNAVAILABLE
// answer, over loopback HTTP, with a hook that runs inside each admitted request:
// hold(op) blocks a request named op until release(op). Queries are `query Name {
// __typename }`, which need no resolver.
type gatedServer struct {
	url   string
	reg   *prometheus.Registry
	mu    sync.Mutex
	ran   []string                 // operation names in the order they were admitted
	holds map[string]chan struct{} // op -> closed to let it finish
}

func newGatedServer(t *testing.T, cfg Config) *gatedServer {
	t.Helper()
	g := &gatedServer{reg: prometheus.NewRegistry(), holds: map[string]chan struct{}{}}
	logger := slog.New(slog.DiscardHandler)
	m := newMetrics(g.reg)
	srv := newGraphQL(cfg, Deps{Resolver: &graph.Resolver{}, Logger: logger, Registry: g.reg}, m,
		newUnauthGuard(cfg, g.reg, m.rateLimited, logger))
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		name := graphql.GetOperationContext(ctx).Operation.Name
		g.mu.Lock()
		g.ran = append(g.ran, name)
		hold := g.holds[name]
		g.mu.Unlock()
		if hold != nil {
			<-hold
		}
		return next(ctx)
	})
	hs := httptest.NewServer(requestContext(logger, m, nil, answerUnavailable(srv)))
	t.Cleanup(hs.Close)
	g.url = hs.URL + "/graphql"
	return g
}

func (g *gatedServer) hold(op string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.holds[op] = make(chan struct{})
}

func (g *gatedServer) release(op string) { close(g.holds[op]) }

func (g *gatedServer) admitted() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ran...)
}

// waiting is the laborx_graphql_waiting gauge.
func (g *gatedServer) waiting(t *testing.T) float64 {
	t.Helper()
	families, err := g.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "laborx_graphql_waiting" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no laborx_graphql_waiting metric")
	return 0
}

type gatedAnswer struct {
	status     int
	retryAfter string
	codes      []string
}

// do sends `query op { __typename }`, or the mutation when op starts with "mutation ".
func (g *gatedServer) do(t *testing.T, op string) gatedAnswer {
	t.Helper()
	doc := "query " + op + " { __typename }"
	if strings.HasPrefix(op, "mutation ") {
		doc = op + " { __typename }"
	}
	resp, err := http.Post(g.url, "application/json", strings.NewReader(string(requestBody(doc, nil))))
	if err != nil {
		t.Error(err)
		return gatedAnswer{}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("%s: %v: %s", op, err, raw)
	}
	a := gatedAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	for _, e := range body.Errors {
		a.codes = append(a.codes, e.Extensions.Code)
	}
	return a
}

// goDo sends op in the background; its answer arrives on the channel.
func (g *gatedServer) goDo(t *testing.T, op string) <-chan gatedAnswer {
	out := make(chan gatedAnswer, 1)
	go func() { out <- g.do(t, op) }()
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("gave up waiting until %s", what)
}

func gateConfig(slots int, wait, lease time.Duration) Config {
	cfg := DefaultConfig()
	cfg.MaxConcurrent, cfg.QueueWait, cfg.slotLease = slots, wait, lease
	return cfg
}

// TestAdmissionAnswersUnavailableWhenBusy: with every slot taken, a request that finds
// none within the wait bound is told the server is busy (503, Retry-After,
// UNAVAILABLE), and the one running is unaffected.
func TestAdmissionAnswersUnavailableWhenBusy(t *testing.T) {
	g := newGatedServer(t, gateConfig(1, 20*time.Millisecond, time.Hour))
	g.hold("A")
	first := g.goDo(t, "A")
	waitFor(t, "A runs", func() bool { return len(g.admitted()) == 1 })
	got := g.do(t, "B")
	if got.status != http.StatusServiceUnavailable || got.retryAfter == "" || len(got.codes) != 1 || got.codes[0] != "UNAVAILABLE" {
		t.Errorf("B while A holds the only slot: %+v, want 503 with Retry-After and UNAVAILABLE", got)
	}
	g.release("A")
	if a := <-first; a.status != http.StatusOK || len(a.codes) != 0 {
		t.Errorf("A: %+v, want 200 without errors", a)
	}
	if a := g.do(t, "C"); a.status != http.StatusOK || len(a.codes) != 0 {
		t.Errorf("C once the slot is free: %+v, want 200", a)
	}
}

// TestAdmissionServesInArrivalOrder: requests waiting for a slot start in the order
// they came, not all at once.
func TestAdmissionServesInArrivalOrder(t *testing.T) {
	g := newGatedServer(t, gateConfig(1, 0, time.Hour))
	g.hold("A")
	answers := []<-chan gatedAnswer{g.goDo(t, "A")}
	waitFor(t, "A runs", func() bool { return len(g.admitted()) == 1 })
	for i, op := range []string{"B", "C", "D"} {
		answers = append(answers, g.goDo(t, op))
		waitFor(t, op+" queues", func() bool { return g.waiting(t) == float64(i+1) })
	}
	g.release("A")
	for _, a := range answers {
		if got := <-a; got.status != http.StatusOK {
			t.Errorf("answer %+v, want 200", got)
		}
	}
	if got := strings.Join(g.admitted(), ""); got != "ABCD" {
		t.Errorf("admitted in the order %s, want ABCD", got)
	}
}

// TestAdmissionLeaseFreesTheSlot: a request that holds its slot past the lease (it
// waits on a lock, a slow statement) gives the slot back, so the others still run.
func TestAdmissionLeaseFreesTheSlot(t *testing.T) {
	g := newGatedServer(t, gateConfig(1, 0, 10*time.Millisecond))
	g.hold("A")
	first := g.goDo(t, "A")
	waitFor(t, "A runs", func() bool { return len(g.admitted()) == 1 })
	if a := g.do(t, "B"); a.status != http.StatusOK || len(a.codes) != 0 {
		t.Errorf("B while A is past its lease: %+v, want 200", a)
	}
	g.release("A")
	if a := <-first; a.status != http.StatusOK {
		t.Errorf("A: %+v, want 200", a)
	}
}

// TestAdmissionLetsMutationsPass: mutations wait on PostgreSQL, not the CPU, and are
// not counted.
func TestAdmissionLetsMutationsPass(t *testing.T) {
	g := newGatedServer(t, gateConfig(1, 20*time.Millisecond, time.Hour))
	g.hold("A")
	first := g.goDo(t, "A")
	waitFor(t, "A runs", func() bool { return len(g.admitted()) == 1 })
	if a := g.do(t, "mutation M"); a.status != http.StatusOK || len(a.codes) != 0 {
		t.Errorf("a mutation while a query holds the only slot: %+v, want 200", a)
	}
	g.release("A")
	<-first
}

// TestAdmissionUnboundedWithoutLimit: MaxConcurrent 0 is no gate at all.
func TestAdmissionUnboundedWithoutLimit(t *testing.T) {
	g := newGatedServer(t, gateConfig(0, 20*time.Millisecond, time.Hour))
	g.hold("A")
	first := g.goDo(t, "A")
	waitFor(t, "A runs", func() bool { return len(g.admitted()) == 1 })
	if a := g.do(t, "B"); a.status != http.StatusOK {
		t.Errorf("B without a gate: %+v, want 200", a)
	}
	g.release("A")
	<-first
}
