package graph

import (
	"context"

	"github.com/google/uuid"

	"github.com/laborx/laborx/graph/model"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// deref returns *p, or the zero value (the default filter or order) for nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// primeCenters loads the centers of a page of postings in one query and primes the
// request's Center loader with them, so nested `center` fields cost no query and the
// statement count does not depend on how the loader's batches happen to be timed.
func primeCenters[T any](ctx context.Context, r *Resolver, items []T, centerOf func(T) uuid.UUID) error {
	if len(items) == 0 || r.CentersByIDs == nil {
		return nil
	}
	seen := map[uuid.UUID]bool{}
	ids := []uuid.UUID{}
	for _, item := range items {
		if c := centerOf(item); !seen[c] {
			seen[c] = true
			ids = append(ids, c)
		}
	}
	centers, err := r.CentersByIDs(ctx, ids)
	if err != nil {
		return err
	}
	l := loader.For(ctx).Center
	for k, c := range centers {
		l.Prime(k, c)
	}
	return nil
}

// importPayload maps an import's outcome to its payload.
func importPayload(ctx context.Context, res *exchange.ImportResult, err error) (*model.ImportPayload, error) {
	ues, err := userErrors(ctx, err)
	out := &model.ImportPayload{RowErrors: []*exchange.ImportRowError{}, UserErrors: ues}
	if res != nil {
		out.CreatedCount, out.RowCount, out.RowErrors = res.CreatedCount, res.RowCount, res.Errors
	}
	return out, err
}
