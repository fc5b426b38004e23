package graph

import (
	"context"
	"encoding/json"

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
	st, inGraphQL := streamFrom(ctx)
	f := r.Hub.Follow(ctx, p, from, kinds)
	// next runs in the goroutine that asks for the next event: gqlgen's response
	// handler (through Streams), so a delivery costs no goroutine switch of its own.
	next := func() (int64, *T, bool) {
		for {
			ch, err := f.Next()
			if ch == nil {
				st.fail(err)
				return 0, nil, false
			}
			if !keep(ch) {
				continue
			}
			obj, err := events.Retry(ctx, r.Hub.RetryFor, func() (*T, error) { return load(ctx, ch) })
			if err == nil {
				return ch.Sequence, obj, true
			}
			if exchange.ErrorCode(err) == exchange.CodeUnavailable {
				st.fail(err)
				f.Close()
				return 0, nil, false
			}
			// refused: the caller may not see it (now), or it does not match
		}
	}
	// Buffered: the response side hands each object over just before it renders it.
	out := make(chan *T, 1)
	if !inGraphQL {
		go func() {
			defer close(out)
			for {
				_, obj, ok := next()
				if !ok {
					return
				}
				select {
				case out <- obj:
				case <-ctx.Done():
					return
				}
			}
		}()
		return out, nil
	}
	operation := operationKey(ctx, p)
	send := func(obj any) { out <- obj.(*T) }
	st.next = func() (streamEvent, bool) {
		seq, obj, ok := next()
		if !ok {
			return streamEvent{}, false
		}
		return streamEvent{seq: seq, hub: r.Hub, operation: operation, obj: obj, send: send}, true
	}
	return out, nil
}

// sharedLoad makes an object load once per change for all the instance's subscribers
// woken together with the same rights and the same filter (given as its JSON): the
// load depends on nothing else of the caller (center, operator, roles), so callers
// alike share it (events.Shared), and a thousand subscribers cost one read. ctx is the
// subscription's: its caller's rights go into the key once, not at every change.
func sharedLoad[T any](ctx context.Context, r *Resolver, filter string, load func(ctx context.Context, ch *exchange.Change) (*T, error)) func(ctx context.Context, ch *exchange.Change) (*T, error) {
	// authz: the key holds everything of the caller the services' rules read.
	alike := "load " + rightsKey(auth.FromContext(ctx)) + " " + filter
	return func(ctx context.Context, ch *exchange.Change) (*T, error) {
		key := events.SharedKey{What: string(ch.EntityKind), Seq: ch.Sequence, Who: alike}
		return events.Shared(r.Hub, key, func() (*T, error) { return load(ctx, ch) })
	}
}

// filterKey is a filter as the key of a shared load.
func filterKey(f any) string {
	b, _ := json.Marshal(f)
	return string(b)
}
