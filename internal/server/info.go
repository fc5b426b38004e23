package server

import "context"

// requestInfo is filled in by inner middleware (who the caller is) and read by the
// outer logging middleware once the request is done.
type requestInfo struct {
	center, subject string
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, info *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}
