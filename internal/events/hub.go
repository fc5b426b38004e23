// Package events fans database changes out to subscriptions on every instance. Writers
// append to the outbox (the changes table) and NOTIFY in the same transaction; each
// instance LISTENs once, and on each wake-up one reader per instance reads the new
// outbox rows once (only the kinds someone on the instance follows) into a window in
// memory, after re-checking the keys of the instance's subscribers once per key.
// Each subscriber takes from that window what it may see (exchange.ChangeVisible),
// after its own cursor, so delivery is gap-free and in order, follows the same rules
// as the `changes` query, and costs the database the same whatever the number of
// subscribers. A subscriber behind the window (replaying with after:, or slow) reads
// its backlog itself, then joins the window.
package events

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// pollInterval bounds how late delivery can be if a notification is lost (for
// instance while the listening connection reconnects).
const pollInterval = 15 * time.Second

// Sizes of a read and of the window: the window keeps the newest windowRows rows, so a
// subscriber up to that far behind (a slow client, one just subscribed at the tip)
// costs no read of its own.
const (
	pageRows   = 500
	windowRows = 8192
)

// anyKind is the coverage key of subscribers that follow every kind.
const anyKind exchange.Kind = "*"

// ReadOutbox reads up to limit outbox rows after a sequence, of the kinds given (all
// when empty), with what visibility needs (postgres ChangeService.OutboxAfter).
type ReadOutbox func(ctx context.Context, after int64, kinds []exchange.Kind, limit int) ([]*exchange.OutboxRow, error)

// CheckKey re-checks that a subscriber's key is still usable (not revoked, its center
// not suspended); a refusal is an *exchange.Error.
type CheckKey func(ctx context.Context, p *exchange.Principal) error

// Hub reads the outbox for one instance's subscribers and fans it out to them.
type Hub struct {
	// RetryFor is how long failing reads are retried (see Retry) before subscribers end
	// with UNAVAILABLE.
	RetryFor time.Duration

	read   ReadOutbox
	check  CheckKey
	logger *slog.Logger

	wake        chan struct{} // cap 1: the reader has something to do
	keysChanged atomic.Bool   // the next read re-checks keys even with no new rows

	mu    sync.Mutex
	epoch uint64 // bumped when the window restarts; a read of an older epoch is dropped
	pos   int64  // the last sequence read
	// window holds the rows read, in sequence order; for each kind in covered (or every
	// kind, under anyKind) it holds every row after covered[kind] and after floor.
	window  []*exchange.OutboxRow
	floor   int64
	covered map[exchange.Kind]int64
	subs    map[*subscriber]struct{}
	grew    chan struct{} // closed (and replaced) when the window grows or a subscriber ends
	shared  shared
}

type subscriber struct {
	p     *exchange.Principal
	kinds []exchange.Kind // nil: every kind
	err   error           // why the hub ended it; under Hub.mu
}

// NewHub returns a hub with no subscribers; start Run to feed it.
func NewHub(read ReadOutbox, check CheckKey, logger *slog.Logger) *Hub {
	return &Hub{RetryFor: DefaultRetryFor, read: read, check: check, logger: logger,
		wake: make(chan struct{}, 1), covered: map[exchange.Kind]int64{}, subs: map[*subscriber]struct{}{},
		grew: make(chan struct{})}
}

// Wake tells the reader that new changes may exist.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default: // already signalled; it will read everything new anyway
	}
}

// KeysChanged tells the reader that a key may have been revoked or a center suspended
// (the database's key announcements): it re-checks every subscriber's key at once, so
// their subscriptions end within the announcement's delay, not at the next change.
func (h *Hub) KeysChanged() {
	h.keysChanged.Store(true)
	h.Wake()
}

// Run is the instance's reader, until ctx ends: on every wake-up it reads what is new,
// re-checks keys, and publishes; failures are retried with backoff, and past RetryFor
// every subscriber ends with UNAVAILABLE. Whoever LISTENs for changes (the key
// follower's connection, postgres.FollowKeyChanges) calls Wake for each one, after each
// (re)connection and when its connection fails, as notifications may be missed
// meanwhile; the reader also reads every pollInterval.
func (h *Hub) Run(ctx context.Context) {
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	var failingSince time.Time
	backoff := minBackoff
	for {
		err := h.readOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			failingSince, backoff = time.Time{}, minBackoff
			select {
			case <-h.wake:
			case <-ticker.C:
			case <-ctx.Done():
				return
			}
			continue
		}
		if failingSince.IsZero() {
			failingSince = time.Now()
		}
		if time.Since(failingSince) > h.RetryFor {
			h.endAll(ctx, unavailable(err))
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// readOnce reads the rows after pos of the kinds followed, re-checks the keys of the
// subscribers when there is something to deliver (or keys changed), and publishes.
func (h *Hub) readOnce(ctx context.Context) error {
	h.mu.Lock()
	kinds, following := h.readKinds()
	epoch, pos := h.epoch, h.pos
	h.mu.Unlock()
	if !following {
		return nil
	}
	rows, err := h.read(ctx, pos, kinds, pageRows)
	if err != nil {
		return err
	}
	if len(rows) == pageRows {
		h.Wake() // more to read: after these are out
	}
	if len(rows) > 0 || h.keysChanged.Swap(false) {
		if err := h.checkKeys(ctx); err != nil {
			h.keysChanged.Store(true)
			return err
		}
	}
	if len(rows) > 0 {
		h.publish(epoch, kinds, rows)
	}
	return nil
}

// readKinds is what the next read asks for: nil for every kind; false when no one
// follows anything.
func (h *Hub) readKinds() ([]exchange.Kind, bool) {
	if len(h.covered) == 0 {
		return nil, false
	}
	if _, ok := h.covered[anyKind]; ok {
		return nil, true
	}
	kinds := make([]exchange.Kind, 0, len(h.covered))
	for k := range h.covered {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds, true
}

// checkKeys re-checks each key of the subscribers once, and ends the subscribers of
// refused keys with the refusal. A failure to check is returned: nothing new is
// delivered to anyone until the keys are known good.
func (h *Hub) checkKeys(ctx context.Context) error {
	h.mu.Lock()
	byKey := map[string]*exchange.Principal{}
	for s := range h.subs {
		byKey[s.p.KeyID] = s.p
	}
	h.mu.Unlock()
	refused := map[string]error{}
	for kid, p := range byKey {
		err := h.check(ctx, p)
		var refusal *exchange.Error
		switch {
		case errors.As(err, &refusal):
			refused[kid] = err
		case err != nil:
			return err
		}
	}
	if len(refused) == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if err, ok := refused[s.p.KeyID]; ok {
			h.endLocked(s, err)
		}
	}
	h.grewLocked()
	return nil
}

// publish appends rows read in epoch to the window. Kinds followed since the read
// started but not read by it are covered only after these rows.
func (h *Hub) publish(epoch uint64, kinds []exchange.Kind, rows []*exchange.OutboxRow) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if epoch != h.epoch {
		return
	}
	h.pos = rows[len(rows)-1].Sequence
	if kinds != nil {
		for k := range h.covered {
			if !slices.Contains(kinds, k) {
				h.covered[k] = max(h.covered[k], h.pos)
			}
		}
	}
	h.window = append(h.window, rows...)
	if n := len(h.window) - windowRows; n > 0 {
		h.floor = h.window[n-1].Sequence
		h.window = slices.Clone(h.window[n:])
	}
	h.shared.sweep()
	h.grewLocked()
}

// endAll ends every subscriber with err (the database stayed unavailable).
func (h *Hub) endAll(ctx context.Context, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) > 0 {
		h.logger.InfoContext(ctx, "subscriptions ended", "subscribers", len(h.subs), "err", err)
	}
	for s := range h.subs {
		h.endLocked(s, err)
	}
	h.grewLocked()
}

func (h *Hub) endLocked(s *subscriber, err error) {
	if s.err == nil {
		s.err = err
	}
	delete(h.subs, s)
	h.uncoverLocked()
}

func (h *Hub) grewLocked() {
	close(h.grew)
	h.grew = make(chan struct{})
}

// join registers a subscriber whose cursor is after: the kinds it follows are read
// from now on. The first subscriber of an idle hub starts the window at its cursor.
func (h *Hub) join(s *subscriber, after int64) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.covered) == 0 {
		h.epoch++
		h.window, h.pos, h.floor = nil, after, after
	}
	for _, k := range coverKeys(s.kinds) {
		if _, ok := h.covered[k]; !ok {
			h.covered[k] = h.pos
		}
	}
	h.subs[s] = struct{}{}
	h.Wake()
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[s]; ok {
			delete(h.subs, s)
			h.uncoverLocked()
		}
	}
}

// uncoverLocked stops reading the kinds no subscriber follows any more.
func (h *Hub) uncoverLocked() {
	followed := map[exchange.Kind]bool{}
	for s := range h.subs {
		for _, k := range coverKeys(s.kinds) {
			followed[k] = true
		}
	}
	for k := range h.covered {
		if !followed[k] {
			delete(h.covered, k)
		}
	}
}

func coverKeys(kinds []exchange.Kind) []exchange.Kind {
	if kinds == nil {
		return []exchange.Kind{anyKind}
	}
	return kinds
}

// take is what a subscriber at cursor delivers next: the window's rows after it, and
// the channel that says the window grew; or, when the window does not cover it yet, the
// sequence up to which it must read on its own (behind > cursor).
func (h *Hub) take(s *subscriber, cursor int64) (rows []*exchange.OutboxRow, behind int64, grew <-chan struct{}, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.err != nil {
		return nil, 0, nil, s.err
	}
	from := h.floor
	for _, k := range coverKeys(s.kinds) {
		c, ok := h.covered[k]
		if all, anyOK := h.covered[anyKind]; anyOK && (!ok || all < c) {
			c, ok = all, true
		}
		if ok {
			from = max(from, c)
		}
	}
	if cursor < from {
		return nil, from, nil, nil
	}
	i := sort.Search(len(h.window), func(i int) bool { return h.window[i].Sequence > cursor })
	return h.window[i:], 0, h.grew, nil
}

// Follow registers p as a subscriber to the changes after `after` of the given kinds
// (nil: every kind) and returns its follower, whose Next hands them over one at a
// time, in sequence order and in the caller's goroutine (no goroutine and channel of
// its own between the hub and the subscription): first those already committed, then
// new ones as they are committed on any instance. The follower leaves the hub when
// ctx ends or Next reports the end.
func (h *Hub) Follow(ctx context.Context, p *exchange.Principal, after int64, kinds []exchange.Kind) *Follower {
	s := &subscriber{p: p, kinds: kinds}
	leave := h.join(s, after)
	stop := context.AfterFunc(ctx, leave)
	return &Follower{h: h, s: s, ctx: ctx, cursor: after, leave: func() { stop(); leave() }}
}

// Follower is one subscriber's place in the feed; its Next is called from one
// goroutine at a time.
type Follower struct {
	h      *Hub
	s      *subscriber
	ctx    context.Context
	leave  func()
	cursor int64                 // the last sequence looked at
	rows   []*exchange.OutboxRow // taken, not looked at yet
	upTo   int64                 // once rows are looked at, the cursor is at least this
	grew   <-chan struct{}       // non-nil: the window had nothing more; wait for it
	// checked: p's key was re-checked after joining; ended: Next reported the end.
	checked, ended bool
}

// Next returns the next change the subscriber may see. It never skips a change: it
// returns it, or ends with an error (UNAVAILABLE when reads kept failing for
// RetryFor, UNAUTHENTICATED when p's key was revoked or its center suspended); it
// returns nil, nil when ctx ends, so a client is told of a failure rather than left
// with a quiet stream. After the end every call returns nil, nil.
func (f *Follower) Next() (*exchange.Change, error) {
	if f.ended {
		return nil, nil
	}
	ch, err := f.next()
	if ch != nil {
		return ch, nil
	}
	f.ended = true
	f.leave()
	if err == nil || f.ctx.Err() != nil {
		return nil, nil
	}
	f.h.logger.InfoContext(f.ctx, "subscription ended", "err", err)
	return nil, err
}

// Close ends the follower before its end: it leaves the hub, and Next returns nil, nil.
func (f *Follower) Close() {
	f.ended = true
	f.leave()
}

func (f *Follower) next() (*exchange.Change, error) {
	h, s, ctx := f.h, f.s, f.ctx
	if !f.checked {
		// p's key was verified before s joined: a revocation announced in between was
		// re-checked without s, so s checks its key once more now that it is in.
		if _, err := Retry(ctx, h.RetryFor, func() (struct{}, error) { return struct{}{}, h.check(ctx, s.p) }); err != nil {
			return nil, err
		}
		f.checked = true
	}
	for {
		for len(f.rows) > 0 {
			row := f.rows[0]
			f.rows = f.rows[1:]
			f.cursor = row.Sequence
			// authz: the subscriber gets of its kinds only the changes it may see, by
			// the rule of the `changes` query.
			if (s.kinds == nil || slices.Contains(s.kinds, row.EntityKind)) && exchange.ChangeVisible(s.p, row) {
				return row.Change, nil
			}
		}
		f.cursor, f.upTo = max(f.cursor, f.upTo), 0
		if f.grew != nil {
			select {
			case <-f.grew:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			f.grew = nil
		}
		rows, behind, grew, err := h.take(s, f.cursor)
		if err != nil {
			return nil, err
		}
		if behind <= f.cursor {
			// The window's rows after the cursor; none: wait for it to grow.
			f.rows = rows
			if len(rows) == 0 {
				f.grew = grew
			}
			continue
		}
		// Behind the window: read the backlog up to where it starts.
		rows, err = Retry(ctx, h.RetryFor, func() ([]*exchange.OutboxRow, error) {
			return h.read(ctx, f.cursor, s.kinds, pageRows)
		})
		if err != nil {
			return nil, err
		}
		n := sort.Search(len(rows), func(i int) bool { return rows[i].Sequence > behind })
		f.rows = rows[:n]
		if len(rows) < pageRows || rows[len(rows)-1].Sequence >= behind {
			f.upTo = behind
		}
	}
}
