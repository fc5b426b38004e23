package graph

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/exchange"
)

// Streams is the gqlgen extension that lets a subscription say more than its payload:
// each event's change-feed cursor goes in the response's extensions.cursor, and a
// stream that fails (the database stayed down, the key was revoked) ends with one
// last response carrying the error instead of a bare complete that reads as "the
// stream is over"; after UNAUTHENTICATED the connection closes with 4403.
//
// It also renders each event once for all the instance's subscribers alike: those
// with the same operation (text, name, variables) and the same rights get the same
// bytes for the same change, so the first renders and the others reuse its data
// (see render).
type Streams struct {
	// Stats counts the events delivered and the renders they cost; nil counts nothing.
	Stats *StreamStats
}

// StreamStats counts subscription events: Events delivered, Renders executed for them
// (fewer when subscribers alike share one).
type StreamStats struct {
	Events, Renders atomic.Int64
}

var (
	_ graphql.HandlerExtension     = Streams{}
	_ graphql.OperationInterceptor = Streams{}
	_ graphql.ResponseInterceptor  = Streams{}
)

// ExtensionName names the extension for gqlgen.
func (Streams) ExtensionName() string { return "Streams" }

// Validate accepts any schema.
func (Streams) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation gives each subscription the stream state its resolver writes to.
func (s Streams) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx); op.Operation != nil && op.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, streamKey{}, &stream{stats: s.Stats})
	}
	return next(ctx)
}

// InterceptResponse renders each event the resolver hands over (or reuses a render of
// it), adds its cursor, and turns the end of a failed stream into an error response.
func (s Streams) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st, _ := ctx.Value(streamKey{}).(*stream)
	if st == nil {
		return next(ctx)
	}
	var ev streamEvent
	ok := false
	switch {
	case st.hasPending: // taken by SharedEvent
		ev, ok = st.pending, true
		st.pending, st.hasPending = streamEvent{}, false
	case st.next != nil:
		ev, ok = st.next()
	default:
		<-ctx.Done() // the resolver gave no stream
	}
	if ok {
		if resp := s.render(ctx, ev, next); resp != nil {
			return resp
		}
	}
	if err := st.takeErr(); err != nil {
		graphql.AddError(ctx, err)
		if exchange.ErrorCode(err) == exchange.CodeUnauthenticated {
			st.refused = err
		}
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	if err := st.refused; err != nil {
		// The error went out; the connection's token is no good any more, so the whole
		// connection ends as an unauthorised one does (4403), not with complete.
		if end, ok := ctx.Value(endConnectionKey{}).(func(int, string)); ok {
			end(CloseUnauthorized, fmt.Sprintf("%s: %s", exchange.ErrorCode(err), exchange.ErrorMessage(err)))
		}
	}
	return nil
}

// CloseUnauthorized is graphql-transport-ws's close code for a connection whose
// client is not (or no longer) authorised.
const CloseUnauthorized = 4403

type endConnectionKey struct{}

// WithEndConnection gives the subscriptions of a websocket connection the way to end
// it with a close code and reason (the transport sets it up when the connection is
// accepted).
func WithEndConnection(ctx context.Context, end func(code int, reason string)) context.Context {
	return context.WithValue(ctx, endConnectionKey{}, end)
}

type streamKey struct{}

// stream is what a subscription's resolver tells the response side: how to take the
// next event to deliver, in order (the resolver decides each is visible to its
// caller), and why the stream ended.
type stream struct {
	// next waits for the next event, in the response handler's goroutine; false when
	// the stream has ended. The resolver sets it.
	next       func() (streamEvent, bool)
	pending    streamEvent // taken by SharedEvent for the handlers to render
	hasPending bool
	stats      *StreamStats
	mu         sync.Mutex
	err        error
	refused    error // the UNAUTHENTICATED error sent; the response side ends the connection
}

// streamEvent is one event to deliver: its change's sequence (its cursor), the
// operation key under which subscribers alike share its render (in hub's shared
// reads; "" shares nothing), its object, and send, which hands the object to gqlgen's
// channel so that the response handler renders it (made once per subscription).
type streamEvent struct {
	seq       int64
	hub       *events.Hub
	operation string
	obj       any
	send      func(obj any)
}

// streamFrom is the stream of the gqlgen subscription ctx belongs to; false outside
// one (tests calling resolvers), where the resolver sends on its own channel.
func streamFrom(ctx context.Context) (*stream, bool) {
	if st, ok := ctx.Value(streamKey{}).(*stream); ok {
		return st, true
	}
	return &stream{}, false
}

// fail records why the stream ended; call it before closing the event channel.
func (s *stream) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *stream) takeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	s.err = nil
	return err
}
