// Package events fans database changes out to subscriptions on every instance. Writers
// append to the outbox (the changes table) and NOTIFY in the same transaction; each
// instance LISTENs once and wakes its subscribers, and each subscriber reads what it
// may see from the outbox after its own cursor. Reading from the table, not from
// notification payloads, keeps delivery gap-free and in order, applies the same
// visibility rules as the `changes` query, and makes replay-then-follow one loop.
package events

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"github.com/laborx/laborx/internal/exchange"
)

// pollInterval bounds how late a subscriber can be if a notification is lost (for
// instance while the listening connection reconnects).
const pollInterval = 15 * time.Second

// Hub wakes the subscribers of one instance when changes are committed anywhere.
type Hub struct {
	// RetryFor is how long a subscriber retries failing reads (see Retry).
	RetryFor time.Duration

	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	shared shared
}

// NewHub returns a hub with no subscribers; start Listen to feed it.
func NewHub() *Hub {
	return &Hub{RetryFor: DefaultRetryFor, subs: map[chan struct{}]struct{}{}}
}

// Listen holds one connection LISTENing on channel until ctx ends, reconnecting after
// failures. connect must return a dedicated connection (not one from the pool).
func (h *Hub) Listen(ctx context.Context, channel string, connect func(ctx context.Context) (*pgx.Conn, error), logger *slog.Logger) error {
	l := &pgxlisten.Listener{
		Connect:        connect,
		ReconnectDelay: 2 * time.Second,
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				logger.WarnContext(ctx, "change listener", "err", err)
				// Notifications may be lost until it reconnects: subscribers read now,
				// and start their retry clock if the database is gone.
				h.Wake()
			}
		},
	}
	l.Handle(channel, h)
	return l.Listen(ctx)
}

// HandleNotification wakes every subscriber.
func (h *Hub) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	h.Wake()
	return nil
}

// HandleBacklog runs after each (re)connect: notifications may have been missed while
// disconnected, so every subscriber re-reads.
func (h *Hub) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.Wake()
	return nil
}

// Wake signals every subscriber that new changes may exist.
func (h *Hub) Wake() {
	h.shared.next()
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- struct{}{}:
		default: // already signalled; it will read everything new anyway
		}
	}
}

func (h *Hub) subscribe() (chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// Fetch reads up to a page of changes after a sequence, as the caller in ctx may see them.
type Fetch func(ctx context.Context, after int64, limit int) ([]*exchange.Change, error)

// Stream is one subscriber's ordered view of the change feed. C closes when the
// subscription's context ends or the stream fails; Err then says why it failed (nil when
// the context ended), so a client is told rather than left with a quiet stream.
type Stream struct {
	C   <-chan *exchange.Change
	err error // written before C closes
}

// Err is the reason the stream ended; read it only after C is closed.
func (s *Stream) Err() error { return s.err }

// Follow streams every change fetch returns after `after`, in sequence order: first
// those already committed, then new ones as they are committed on any instance. A read
// that fails for a reason other than a refusal (the database restarting, a timeout) is
// retried with backoff for up to RetryFor; the stream never skips a change, it either
// delivers it or ends with an error (UNAVAILABLE, or the refusal itself such as
// UNAUTHENTICATED after a revocation).
func (h *Hub) Follow(ctx context.Context, after int64, fetch Fetch, logger *slog.Logger) *Stream {
	out := make(chan *exchange.Change)
	s := &Stream{C: out}
	wake, unsubscribe := h.subscribe()
	go func() {
		defer close(out)
		defer unsubscribe()
		ticker := time.NewTicker(pollInterval)
		defer ticker.Stop()
		const page = 100
		for {
			changes, err := Retry(ctx, h.RetryFor, func() ([]*exchange.Change, error) { return fetch(ctx, after, page) })
			if err != nil {
				if ctx.Err() == nil {
					logger.InfoContext(ctx, "subscription ended", "err", err, "after", after)
					s.err = err
				}
				return
			}
			for _, ch := range changes {
				select {
				case out <- ch:
					after = ch.Sequence
				case <-ctx.Done():
					return
				}
			}
			if len(changes) == page {
				continue
			}
			select {
			case <-wake:
			case <-ticker.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return s
}
