package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/exchange"
)

// errNotShared marks a render that no other subscriber may reuse.
var errNotShared = errors.New("render not shared")

// render renders ev for this subscriber, or reuses the render of a subscriber alike:
// subscribers with the same key (the change, the operation, the rights; see
// operationKey) would execute the same selection on the same object with the same
// rules, so the first executes and the others take its data (events.Shared). A render
// that reported errors or audited a read is this subscriber's own: the others render
// for themselves. It returns nil when the subscription's context ended meanwhile.
func (s Streams) render(ctx context.Context, ev streamEvent, next graphql.ResponseHandler) *graphql.Response {
	own := func() (*graphql.Response, error) {
		ev.send(ev.obj)
		rctx, audited := exchange.WithAuditNote(ctx)
		resp := next(rctx)
		if s.Stats != nil {
			s.Stats.Renders.Add(1)
		}
		if resp == nil || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || audited.Load() {
			return resp, errNotShared
		}
		// gqlgen reuses its buffer for the subscription's next event. The cursor is the
		// change's, the same for every subscriber of the key: its extensions are
		// shared too, read-only.
		return &graphql.Response{Data: bytes.Clone(resp.Data), Extensions: map[string]any{"cursor": exchange.ChangeCursor(ev.seq)}}, nil
	}
	var resp *graphql.Response
	var err error
	if ev.operation == "" {
		resp, err = own()
	} else {
		resp, err = events.Shared(ev.hub, ev.renderKey(), own)
	}
	if resp == nil {
		return nil
	}
	if err == nil {
		// Others read the shared response: this one gets its own, whose data and
		// extensions (the cursor) no one writes to.
		resp = &graphql.Response{Data: resp.Data, Extensions: resp.Extensions}
	} else {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cursor"] = exchange.ChangeCursor(ev.seq)
	}
	if s.Stats != nil {
		s.Stats.Events.Add(1)
	}
	return resp
}

// renderKey is the key under which the subscribers of ev's operation key share its
// render.
func (ev streamEvent) renderKey() events.SharedKey {
	return events.SharedKey{What: "render", Seq: ev.seq, Who: ev.operation}
}

// SharedEvent returns the subscription's next event when a subscriber alike has
// rendered it already, for its transport to write as it is: through gqlgen's response
// handlers it would only be handed that render back (see render), at the cost of a
// response context and the handler chain for each subscriber. It reports false when
// ctx is not a subscription's of Streams, or has ended, or the next event needs the
// handlers (a render of its own, the stream's end or error): the transport asks them
// for it then, as for any response, and they take the event kept for them. The events
// are the same, in the same order, either way; the resolver decided each is visible
// to the subscriber (events.Follower.Next, and the rights in the operation key).
// The response is the one the subscribers alike share: the caller only reads it.
func SharedEvent(ctx context.Context) (*graphql.Response, bool) {
	st, _ := ctx.Value(streamKey{}).(*stream)
	if st == nil || st.next == nil || st.hasPending || ctx.Err() != nil {
		return nil, false
	}
	ev, ok := st.next()
	if !ok {
		return nil, false // ended: the handlers tell the client how
	}
	if ev.operation != "" {
		if resp, ok := events.Cached[*graphql.Response](ev.hub, ev.renderKey()); ok {
			if st.stats != nil {
				st.stats.Events.Add(1)
			}
			return resp, true
		}
	}
	st.pending, st.hasPending = ev, true
	return nil, false
}

// operationKey is what decides an event's render besides its change: the operation
// (text, name and variables, after persisted queries filled the text in) and the
// caller's rights. It is "" outside a gqlgen operation.
func operationKey(ctx context.Context, p *exchange.Principal) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	op := graphql.GetOperationContext(ctx)
	vars, err := json.Marshal(op.Variables) // map keys sorted: equal variables, equal text
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", rightsKey(p), op.OperationName, op.RawQuery, vars)
	return hex.EncodeToString(h.Sum(nil))
}

// rightsKey is everything of the caller that the services' rules and the resolvers
// read to decide what it sees: its center, whether it is the operator, its roles.
// authz: callers with the same rights key see the same objects and fields.
func rightsKey(p *exchange.Principal) string {
	if p == nil {
		return "" // follow refuses the unauthenticated before anything is keyed
	}
	roles := slices.Clone(p.Roles)
	slices.Sort(roles)
	return fmt.Sprintf("%s %t %v", p.CenterID, p.IsOperator(), roles)
}
