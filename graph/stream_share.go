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
		ev.send()
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
		resp, err = events.Shared(ev.hub, events.SharedKey{What: "render", Seq: ev.seq, Who: ev.operation}, own)
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
