package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// retryAfter is the Retry-After of an UNAVAILABLE answer, in seconds: about how long a
// PostgreSQL restart or failover takes, so clients neither hammer nor give up.
const retryAfter = 2

// probeInterval is how often a database found unreachable is tried again.
const probeInterval = 250 * time.Millisecond

// Outage tracks whether the database is reachable, so an outage is logged once when it
// starts and once when it ends instead of on every request, and exported as a metric.
// Requests report what they see (Report); while the database is down a prober tries it
// until it answers.
type Outage struct {
	probe func(ctx context.Context) error
	log   *slog.Logger

	up       prometheus.Gauge
	outages  prometheus.Counter
	failures *prometheus.CounterVec

	mu      sync.Mutex
	down    bool
	since   time.Time
	stopped bool
	done    chan struct{} // closed when the prober of the current outage exits
	stop    context.CancelFunc
}

// NewOutage returns a tracker that probes with probe (a ping on a pool that requests
// cannot exhaust) and registers its metrics on reg.
func NewOutage(probe func(ctx context.Context) error, logger *slog.Logger, reg prometheus.Registerer) *Outage {
	o := &Outage{
		probe: probe,
		log:   logger,
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "laborx_database_up", Help: "1 while the primary database answers, 0 during an outage.",
		}),
		outages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laborx_database_outages_total", Help: "Outages of the primary database seen by this instance.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_unavailable_total",
			Help: "Requests answered UNAVAILABLE, by fault: timeout (deadline, statement or lock timeout) or unreachable.",
		}, []string{"fault"}),
	}
	o.up.Set(1)
	reg.MustRegister(o.up, o.outages, o.failures)
	return o
}

// Report records a request's database error: an unreachable database starts an outage.
func (o *Outage) Report(ctx context.Context, f postgres.Fault, err error) {
	if f == postgres.NoFault {
		return
	}
	o.failures.WithLabelValues(f.String()).Inc()
	if f != postgres.Unreachable {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down || o.stopped {
		return
	}
	o.down, o.since = true, time.Now()
	o.up.Set(0)
	o.outages.Inc()
	o.log.ErrorContext(ctx, "database unavailable: answering UNAVAILABLE (503) until it is back", "err", err)
	probeCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	o.stop, o.done = stop, make(chan struct{})
	go o.watch(probeCtx, o.done)
}

// Down reports whether an outage is in progress.
func (o *Outage) Down() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}

// watch probes the database until it answers, then ends the outage.
func (o *Outage) watch(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(probeInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := o.probe(pctx)
		cancel()
		if err == nil {
			o.mu.Lock()
			o.down = false
			o.up.Set(1)
			o.log.ErrorContext(ctx, "database available again", "outage_seconds", time.Since(o.since).Seconds())
			o.mu.Unlock()
			return
		}
	}
}

// Close stops the prober; later reports are ignored.
func (o *Outage) Close() {
	o.mu.Lock()
	o.stopped = true
	stop, done := o.stop, o.done
	o.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// unavailable turns a database fault into the error a client sees, and reports it.
func (o *Outage) unavailable(ctx context.Context, f postgres.Fault, err error) *exchange.Error {
	if info := requestInfoFrom(ctx); info != nil {
		info.setUnavailable()
	}
	o.Report(ctx, f, err)
	if f == postgres.Unreachable {
		return exchange.Errorf(exchange.CodeUnavailable, "the database is unavailable; retry in a few seconds")
	}
	return exchange.Errorf(exchange.CodeUnavailable, "the request timed out; retry in a few seconds")
}

// answerUnavailable turns a GraphQL response that carries an UNAVAILABLE error into
// HTTP 503 with Retry-After: gqlgen answers 200 for errors in execution, and a load
// balancer or client library must see that the service, not the request, failed.
func answerUnavailable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		if info == nil || isWebsocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&faultWriter{ResponseWriter: w, info: info}, r)
	})
}

type faultWriter struct {
	http.ResponseWriter
	info  *requestInfo
	wrote bool
}

func (w *faultWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		if code == http.StatusOK && w.info.isUnavailable() {
			setRetryAfter(w.Header())
			code = http.StatusServiceUnavailable
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *faultWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *faultWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func setRetryAfter(h http.Header) {
	h.Set("Retry-After", strconv.Itoa(retryAfter))
}
