package loader

import (
	"context"
	"errors"

	"github.com/vikstrous/dataloadgen"
)

// The one way the GraphQL layer loads what is nested under a page: the connection's
// resolver starts one batch on the request's loader holding every key of the page
// (Prefetch), and each row's resolver reads its value from the loader (Load, or List for
// a list). A loader batches what its resolvers ask within a short wait; the rows of a
// page are resolved concurrently and, on a busy machine, not all within it, so without
// Prefetch a page would cost a varying number of queries.

// Prefetch starts one batch on l for keys, duplicates dropped, and returns a function
// that waits for it. Rows the fetcher did not return (not found, or hidden from the
// caller) are simply absent; the rows' resolvers decide what that means.
func Prefetch[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], keys []K) func() error {
	if len(keys) == 0 {
		return func() error { return nil }
	}
	thunk := l.LoadAllThunk(ctx, uniq(keys))
	return func() error {
		_, err := thunk()
		var errs dataloadgen.ErrorSlice
		if errors.As(err, &errs) {
			for _, e := range errs {
				if e != nil && !errors.Is(e, dataloadgen.ErrNotFound) {
					return e
				}
			}
			return nil
		}
		return err
	}
}

// List reads one parent's list through l; a parent the fetcher returned nothing for
// has an empty list.
func List[K comparable, T any](ctx context.Context, l *dataloadgen.Loader[K, []*T], key K) ([]*T, error) {
	list, err := l.Load(ctx, key)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*T{}, nil
	}
	return list, err
}

func uniq[K comparable](keys []K) []K {
	seen := make(map[K]bool, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
