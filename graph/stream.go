package graph

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/laborx/laborx/internal/exchange"
)

// Streams is the gqlgen extension that lets a subscription say more than its payload:
// each event's change-feed cursor goes in the response's extensions.cursor, and a
// stream that fails (the database stayed down, the key was revoked) ends with one
// last response carrying the error instead of a bare complete that reads as "the
// stream is over"; after UNAUTHENTICATED the connection closes with 4403.
type Streams struct{}

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
func (Streams) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx); op.Operation != nil && op.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, streamKey{}, &stream{})
	}
	return next(ctx)
}

// InterceptResponse adds the cursor to each event and turns the end of a failed stream
// into an error response.
func (Streams) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	st, _ := ctx.Value(streamKey{}).(*stream)
	if st == nil {
		return resp
	}
	if resp != nil {
		if c := st.pop(); c != "" {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["cursor"] = c
		}
		return resp
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

// stream is what a subscription's resolver tells the response side. Cursors queue in
// delivery order: the resolver pushes one just before sending its event on the
// (unbuffered) channel, the response side pops one per event received.
type stream struct {
	mu      sync.Mutex
	cursors []string
	err     error
	refused error // the UNAUTHENTICATED error sent; the response side ends the connection
}

func streamFrom(ctx context.Context) *stream {
	if st, ok := ctx.Value(streamKey{}).(*stream); ok {
		return st
	}
	return &stream{} // outside a gqlgen subscription (tests calling resolvers): nobody reads it
}

func (s *stream) push(cursor string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors = append(s.cursors, cursor)
}

func (s *stream) pop() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cursors) == 0 {
		return ""
	}
	c := s.cursors[0]
	s.cursors = s.cursors[1:]
	return c
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
