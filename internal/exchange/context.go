package exchange

import "context"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id, so audit entries and logs name the
// request they came from.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
