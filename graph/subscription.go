package graph

import (
	"context"
	"fmt"

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
	return follow(ctx, r, after, func(ch *exchange.Change) bool {
		return ch.EntityKind == kind && (only == uuid.Nil || ch.EntityID == only)
	}, func(ctx context.Context, ch *exchange.Change) (*T, error) { return load(ctx, ch.EntityID) })
}

// follow streams the objects of the changes keep selects, loaded with the caller's
// rights. An object load refuses (not visible, not matching) is skipped; a load that
// fails otherwise (the database restarting) is retried, and ends the stream with
// UNAVAILABLE when it keeps failing, never skipped. Each event carries its change-feed
// cursor (extensions.cursor, see Streams), and after: that cursor resumes the stream
// with nothing missed or repeated; without after it starts at the feed's tip.
func follow[T any](ctx context.Context, r *Resolver, after *string, keep func(*exchange.Change) bool,
	load func(ctx context.Context, ch *exchange.Change) (*T, error)) (<-chan *T, error) {
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
	changes := r.Hub.Follow(ctx, from, r.checkedFeed(), r.Logger)
	out := make(chan *T)
	go func() {
		defer close(out)
		for ch := range changes.C {
			if !keep(ch) {
				continue
			}
			obj, err := events.Retry(ctx, r.Hub.RetryFor, func() (*T, error) { return load(ctx, ch) })
			switch {
			case exchange.ErrorCode(err) == exchange.CodeUnavailable:
				st.fail(err)
				return
			case err != nil:
				continue // refused: the caller may not see it (now), or it does not match
			}
			st.push(exchange.ChangeCursor(ch.Sequence))
			select {
			case out <- obj:
			case <-ctx.Done():
				return
			}
		}
		st.fail(changes.Err())
	}()
	return out, nil
}

// checkedFeed reads the change feed for a subscription, re-checking the caller's key
// before each read: the stream ends as soon as the key is revoked or the center
// suspended (both notify), not when the token expires. The key check and the page are
// shared by the instance's subscribers woken by the same notification (events.Shared):
// one key check per key and one read per center and cursor, not per subscriber.
func (r *Resolver) checkedFeed() events.Fetch {
	return func(ctx context.Context, after int64, limit int) ([]*exchange.Change, error) {
		p := auth.FromContext(ctx)
		if p == nil {
			return nil, r.Recheck(ctx, p)
		}
		if _, err := events.Shared(r.Hub, "key "+p.KeyID, func() (struct{}, error) {
			return struct{}{}, r.Recheck(ctx, p)
		}); err != nil {
			return nil, err
		}
		// authz: the page depends only on the caller's center and whether it is the
		// operator (changeVisible), so callers alike share it.
		key := fmt.Sprintf("feed %s %t %d %d", p.CenterID, p.IsOperator(), after, limit)
		return events.Shared(r.Hub, key, func() ([]*exchange.Change, error) {
			return r.ChangeFeed.ChangesAfter(ctx, after, limit)
		})
	}
}
