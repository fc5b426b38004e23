package exchange

import (
	"context"
	"sync/atomic"
)

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

type auditNoteKey struct{}

// WithAuditNote returns ctx in which writing an audit entry is noted in the flag
// returned: a subscription event whose rendering audited a read (a worker's personal
// data, a referral's notes) must render for each subscriber, so that each read is
// audited under its own caller and request.
func WithAuditNote(ctx context.Context) (context.Context, *atomic.Bool) {
	var audited atomic.Bool
	return context.WithValue(ctx, auditNoteKey{}, &audited), &audited
}

// NoteAudit marks that an audit entry was written under ctx (see WithAuditNote).
func NoteAudit(ctx context.Context) {
	if audited, ok := ctx.Value(auditNoteKey{}).(*atomic.Bool); ok {
		audited.Store(true)
	}
}
