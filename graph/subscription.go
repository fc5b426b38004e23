package graph

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/exchange"
)

// followKind streams the objects of one kind as they change: it follows the change
// feed, keeps the changes of that kind (and id, when given), and loads each object
// through its service, so the caller's rights apply exactly as for node(id:).
func followKind[T any](ctx context.Context, r *Resolver, kind exchange.Kind, onlyID, after *string,
	load func(ctx context.Context, id uuid.UUID) (*T, error)) (<-chan *T, error) {
	var only uuid.UUID
	if onlyID != nil {
		id, err := exchange.ParseGlobalIDOf(kind, *onlyID)
		if err != nil {
			return nil, err
		}
		// authz: subscribing to one object needs the right to see it now.
		if _, err := load(ctx, id); err != nil {
			return nil, err
		}
		only = id
	}
	return follow(ctx, r, after, []exchange.Kind{kind}, func(ch *exchange.Change) bool {
		return only == uuid.Nil || ch.EntityID == only
	}, sharedLoad(ctx, r, "", func(ctx context.Context, ch *exchange.Change) (*T, error) { return load(ctx, ch.EntityID) }))
}

// follow streams the objects of the changes of kinds (nil: all) that keep selects,
// loaded with the caller's rights. An object load refuses (not visible, not matching)
// is skipped; a load that fails otherwise (the database restarting) is retried, and
// ends the stream with UNAVAILABLE when it keeps failing, never skipped. Each event
// carries its change-feed cursor (extensions.cursor, see Streams), and after: that
// cursor resumes the stream with nothing missed or repeated; without after it starts
// at the feed's tip.
func follow[T any](ctx context.Context, r *Resolver, after *string, kinds []exchange.Kind, keep func(*exchange.Change) bool,
	load func(ctx context.Context, ch *exchange.Change) (*T, error)) (<-chan *T, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, r.Recheck(ctx, p)
	}
	var from int64
	var err error
	if after != nil {
		from, err = exchange.ParseChangeCursor(*after)
	} else {
		from, err = r.ChangeFeed.LatestSequence(ctx)
	}
	if err != nil {
		return nil, err
	}
	st := streamFrom(ctx)
	operation := operationKey(ctx, p)
	run := r.Hub.Follow(ctx, p, from, kinds)
	// Buffered: the response side hands each object over just before it renders it.
	out := make(chan *T, 1)
	go func() {
		if st.events == nil {
			defer close(out)
		} else {
			defer close(st.events)
		}
		st.fail(run(func(ch *exchange.Change) error {
			if !keep(ch) {
				return nil
			}
			obj, err := events.Retry(ctx, r.Hub.RetryFor, func() (*T, error) { return load(ctx, ch) })
			if err != nil {
				if exchange.ErrorCode(err) == exchange.CodeUnavailable {
					return err
				}
				return nil // refused: the caller may not see it (now), or it does not match
			}
			if st.events == nil {
				select {
				case out <- obj:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			ev := streamEvent{cursor: exchange.ChangeCursor(ch.Sequence), hub: r.Hub,
				key: renderKey(ch.Sequence, operation), send: func() { out <- obj }}
			select {
			case st.events <- ev:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}))
	}()
	return out, nil
}

// sharedLoad makes an object load once per change for all the instance's subscribers
// woken together with the same rights and the same filter (given as its JSON): the
// load depends on nothing else of the caller (center, operator, roles), so callers
// alike share it (events.Shared), and a thousand subscribers cost one read. ctx is the
// subscription's: its caller's rights go into the key once, not at every change.
func sharedLoad[T any](ctx context.Context, r *Resolver, filter string, load func(ctx context.Context, ch *exchange.Change) (*T, error)) func(ctx context.Context, ch *exchange.Change) (*T, error) {
	// authz: the key holds everything of the caller the services' rules read.
	alike := rightsKey(auth.FromContext(ctx)) + " " + filter
	return func(ctx context.Context, ch *exchange.Change) (*T, error) {
		key := "load " + string(ch.EntityKind) + " " + strconv.FormatInt(ch.Sequence, 10) + " " + alike
		return events.Shared(r.Hub, key, func() (*T, error) { return load(ctx, ch) })
	}
}

// filterKey is a filter as the key of a shared load.
func filterKey(f any) string {
	b, _ := json.Marshal(f)
	return string(b)
}
