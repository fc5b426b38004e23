package server

import (
	"context"
	"slices"
	"sync"
)

// requestInfo is filled in by inner middleware and the GraphQL layer (who the caller
// is, which operation ran, which error codes it answered) and read by the outer
// logging middleware once the request is done. Resolvers run concurrently, so it locks.
type requestInfo struct {
	center, subject string

	mu          sync.Mutex
	operation   string
	codes       []string
	authFailure string
	unavailable bool
}

func (i *requestInfo) setOperation(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation = name
}

// addCode remembers an error code the response carries, once each.
func (i *requestInfo) addCode(code string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !slices.Contains(i.codes, code) && len(i.codes) < 8 {
		i.codes = append(i.codes, code)
	}
}

func (i *requestInfo) setAuthFailure(reason string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.authFailure = reason
}

func (i *requestInfo) setUnavailable() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.unavailable = true
}

func (i *requestInfo) isUnavailable() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.unavailable
}

// logAttrs are what the request's log line says about the GraphQL side.
func (i *requestInfo) logAttrs() []any {
	i.mu.Lock()
	defer i.mu.Unlock()
	var attrs []any
	if i.operation != "" {
		attrs = append(attrs, "operation", i.operation)
	}
	if len(i.codes) > 0 {
		attrs = append(attrs, "error_codes", slices.Clone(i.codes))
	}
	if i.authFailure != "" {
		attrs = append(attrs, "auth_failure", i.authFailure)
	}
	return attrs
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}
