package server

import (
	"cmp"
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"

	"github.com/laborx/laborx/internal/exchange"
)

// admission bounds how many queries run at once; the rest wait their turn in arrival
// order (semaphore.Weighted is FIFO). On a few cores, ten requests that
// each fan out into dozens of goroutines all run interleaved and all finish late, and a
// collection that starts in the middle slows every one of them; admitted a few at a
// time they finish in the order they came, each in about the time it takes alone, and
// the queue ahead of a request is what its latency is made of (BENCHMARKS.md, "Tail
// latency"). A request that cannot start within the wait bound (or its deadline) is
// answered UNAVAILABLE (HTTP 503, Retry-After): the server is saturated and says so.
//
// A slot bounds the requests using the CPU, not those waiting for something else: a
// request that has held its slot for slotLease is waiting on PostgreSQL (a lock, a
// slow statement, a pool connection) and gives its slot back while it goes on. So a
// stalled database never stalls the queries that need none of it ({ viewer }, cached
// keys), as without the gate.
//
// Only queries are gated: a page of demands is CPU (gqlgen's per-field work, dozens of
// goroutines), while a mutation spends its time in PostgreSQL's transactions and
// commits, where more in flight is more throughput. Subscriptions live as long as
// their connection.
type admission struct {
	slots *semaphore.Weighted
	wait  time.Duration
	lease time.Duration
	// present turns the refusal into the response's error like any other (code,
	// metrics, the request log's error codes).
	present graphql.ErrorPresenterFunc

	waiting  prometheus.Gauge
	waitTime prometheus.Histogram
}

// newAdmission returns the gate of cfg.MaxConcurrent slots, or nil when it is 0
// (unbounded).
func newAdmission(cfg Config, present graphql.ErrorPresenterFunc, reg prometheus.Registerer) *admission {
	if cfg.MaxConcurrent <= 0 {
		return nil
	}
	a := &admission{
		slots:   semaphore.NewWeighted(int64(cfg.MaxConcurrent)),
		wait:    cfg.QueueWait,
		lease:   cmp.Or(cfg.slotLease, slotLease),
		present: present,
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "laborx_graphql_waiting",
			Help: "Queries waiting for one of the --max-concurrent execution slots.",
		}),
		waitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "laborx_graphql_wait_seconds", Help: "How long queries waited for an execution slot.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	reg.MustRegister(a.waiting, a.waitTime)
	return a
}

// defaultMaxConcurrent is two slots per core: one request computing while another
// waits on its statements (BENCHMARKS.md, "Tail latency").
func defaultMaxConcurrent() int { return 2 * runtime.GOMAXPROCS(0) }

// slotLease is how long a request holds its slot at most: several times what the
// heaviest common query (a page of 50 demands, ~3 ms of CPU) takes alone.
const slotLease = 50 * time.Millisecond

// errBusy is the refusal of a request that found no slot within the wait bound.
var errBusy = errors.New("no execution slot within the wait bound")

func (a *admission) aroundOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if op == nil || op.Operation == nil || op.Operation.Operation != ast.Query {
		return next(ctx)
	}
	h := next(ctx) // cheap: gqlgen executes when the response handler is called
	first := true
	return func(ctx context.Context) *graphql.Response {
		if !first { // later parts of a deferred response: the work was admitted
			return h(ctx)
		}
		first = false
		if err := a.acquire(ctx); err != nil {
			return a.refuse(ctx, err)
		}
		var once sync.Once
		release := func() { once.Do(func() { a.slots.Release(1) }) }
		lease := time.AfterFunc(a.lease, release)
		defer func() {
			lease.Stop()
			release()
		}()
		return h(ctx)
	}
}

// acquire waits for a slot in arrival order, at most the wait bound when there is one,
// and never past the request's own deadline.
func (a *admission) acquire(ctx context.Context) error {
	if a.slots.TryAcquire(1) { // free, and no one queued ahead (TryAcquire keeps FIFO)
		a.waitTime.Observe(0)
		return nil
	}
	start := time.Now()
	a.waiting.Inc()
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if a.wait > 0 {
		wctx, cancel = context.WithTimeoutCause(ctx, a.wait, errBusy)
	}
	err := a.slots.Acquire(wctx, 1)
	cancel()
	a.waiting.Dec()
	a.waitTime.Observe(time.Since(start).Seconds())
	if err != nil {
		return context.Cause(wctx)
	}
	return nil
}

// refuse answers a request that was not admitted. Past the wait bound or the request's
// deadline the client did nothing wrong and may retry: UNAVAILABLE, HTTP 503 with
// Retry-After (answerUnavailable). A client that went away gets nothing written.
func (a *admission) refuse(ctx context.Context, err error) *graphql.Response {
	msg := "the server is busy; retry in a few seconds"
	switch {
	case errors.Is(err, context.Canceled):
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		msg = "the request timed out; retry in a few seconds"
	}
	if info := requestInfoFrom(ctx); info != nil {
		info.setUnavailable()
	}
	return &graphql.Response{Errors: gqlerror.List{a.present(ctx, exchange.Errorf(exchange.CodeUnavailable, "%s", msg))}}
}
