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
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// NewHub returns a hub with no subscribers; start Listen to feed it.
func NewHub() *Hub {
	return &Hub{subs: map[chan struct{}]struct{}{}}
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

// Follow streams every change fetch returns after `after`, in sequence order: first
// those already committed, then new ones as they are committed on any instance. The
// channel closes when ctx ends or fetch fails.
func (h *Hub) Follow(ctx context.Context, after int64, fetch Fetch, logger *slog.Logger) <-chan *exchange.Change {
	out := make(chan *exchange.Change)
	wake, unsubscribe := h.subscribe()
	go func() {
		defer close(out)
		defer unsubscribe()
		ticker := time.NewTicker(pollInterval)
		defer ticker.Stop()
		const page = 100
		for {
			changes, err := fetch(ctx, after, page)
			switch {
			case err == nil:
			case ctx.Err() != nil:
				return
			case exchange.ErrorCode(err) == exchange.CodeUnauthenticated:
				logger.InfoContext(ctx, "subscription ended: its token is no longer accepted", "reason", exchange.ErrorMessage(err))
				return
			default:
				logger.ErrorContext(ctx, "subscription read", "err", err, "after", after)
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
	return out
}
