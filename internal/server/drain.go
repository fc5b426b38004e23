package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/graph"
)

// closeGoingAway is RFC 6455's "going away": the server is shutting down, reconnect
// (to another instance) and resume with `after:`.
const closeGoingAway = 1001

// Drain is an instance's shutdown sequence as the HTTP side sees it: readiness turns
// 503 first (Start), so a load balancer stops sending new clients while requests in
// flight finish; at the end every websocket is closed with 1001 (CloseWebsockets).
// It also counts the open websockets for the metrics.
type Drain struct {
	draining  atomic.Bool
	goingAway atomic.Bool

	mu      sync.Mutex
	sockets map[*int]context.CancelFunc
	open    prometheus.Gauge
	writes  writeCounts
}

// NewDrain returns a Drain that exports the open websocket count on reg.
func NewDrain(reg prometheus.Registerer) *Drain {
	d := &Drain{sockets: map[*int]context.CancelFunc{}, open: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "laborx_websockets_open", Help: "Open GraphQL websocket connections.",
	})}
	reg.MustRegister(d.open,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "laborx_websocket_frames_total",
			Help: "Websocket frames written (messages, pings, closes)."},
			func() float64 { return float64(d.writes.frames.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "laborx_websocket_writes_total",
			Help: "Socket writes the websocket frames took (frames waiting together go in one)."},
			func() float64 { return float64(d.writes.writes.Load()) }))
	return d
}

// WebsocketWrites returns the frames written to websockets so far and the socket
// writes they took (gather.go).
func (d *Drain) WebsocketWrites() (frames, writes int64) {
	return d.writes.frames.Load(), d.writes.writes.Load()
}

// Start makes /readyz answer 503 from now on.
func (d *Drain) Start() { d.draining.Store(true) }

// Draining reports whether Start was called.
func (d *Drain) Draining() bool { return d.draining.Load() }

// CloseWebsockets ends every websocket connection with 1001 "going away" and waits,
// up to ctx, until their handlers have returned.
func (d *Drain) CloseWebsockets(ctx context.Context) {
	d.goingAway.Store(true)
	d.mu.Lock()
	for _, cancel := range d.sockets {
		cancel()
	}
	d.mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		d.mu.Lock()
		n := len(d.sockets)
		d.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// trackWebsockets gives each websocket connection a context CloseWebsockets can end;
// gqlgen closes a connection whose context ends (and websocket hands it 1001 then).
func (d *Drain) trackWebsockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWebsocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		ctx = context.WithValue(ctx, socketEndKey{}, &socketEnd{})
		key := new(int)
		d.mu.Lock()
		d.sockets[key] = cancel
		d.mu.Unlock()
		d.open.Inc()
		defer func() {
			d.open.Dec()
			d.mu.Lock()
			delete(d.sockets, key)
			d.mu.Unlock()
		}()
		if d.goingAway.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// websocket is gqlgen's websocket implementation with the close code swapped: gqlgen
// closes a connection whose context ended with 1000 "terminated", which tells a client
// the server meant to end it; during shutdown it is 1001, which says reconnect. Its
// frames are written by one goroutine per connection, gathered (gather.go).
func (d *Drain) websocket(inner transport.WebsocketImplementation) transport.WebsocketImplementation {
	return goingAwayImplementation{inner: inner, d: d}
}

type goingAwayImplementation struct {
	inner transport.WebsocketImplementation
	d     *Drain
}

func (g goingAwayImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := g.inner.Accept(gatherWrites(w, &g.d.writes), r, o)
	if err != nil {
		return nil, err
	}
	end, _ := r.Context().Value(socketEndKey{}).(*socketEnd)
	return &goingAwayConn{WebsocketConn: c, d: g.d, end: end}, nil
}

type goingAwayConn struct {
	transport.WebsocketConn
	d   *Drain
	end *socketEnd
}

func (c *goingAwayConn) WriteClose(code int, message string) error {
	if code == transport.WebsocketCloseNormalClosure {
		if c.d.goingAway.Load() {
			code, message = closeGoingAway, "going away"
		} else if c.end != nil {
			code, message = c.end.get(code, message)
		}
	}
	return c.WebsocketConn.WriteClose(code, message)
}

// socketEnd is the close code a connection's subscriptions asked for (a revoked key:
// 4403): gqlgen closes a connection whose context ended with 1000, which this replaces.
type socketEnd struct {
	mu     sync.Mutex
	code   int
	reason string
}

type socketEndKey struct{}

func (e *socketEnd) get(code int, reason string) (int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.code == 0 {
		return code, reason
	}
	return e.code, e.reason
}

// endable lets the subscriptions of an accepted connection end it with a close code
// (graph.WithEndConnection); cancel ends the connection's context.
func endable(ctx context.Context, cancel context.CancelFunc) context.Context {
	e, ok := ctx.Value(socketEndKey{}).(*socketEnd)
	if !ok {
		return ctx
	}
	return graph.WithEndConnection(ctx, func(code int, reason string) {
		e.mu.Lock()
		e.code, e.reason = code, reason
		e.mu.Unlock()
		cancel()
	})
}

// SetReadLimit and SetReadDeadline pass gqlgen's optional interfaces through, so the
// payload limit and the ping/pong deadline still apply.
func (c *goingAwayConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *goingAwayConn) SetReadDeadline(t time.Time) error {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return l.SetReadDeadline(t)
	}
	return nil
}
