package graph

import (
	"context"
	"strings"

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

// prefetchCenters starts one batch for the centers of a page of postings
// (loader.Prefetch), so nested `center` fields cost one query whatever the timing.
func prefetchCenters[T any](ctx context.Context, items []T, centerOf func(T) uuid.UUID) {
	loader.Prefetch(ctx, loader.For(ctx).Center, centerIDs(items, centerOf))
}

// prefetchCenterKeys prefetches the keys of a page's centers when the client selected
// `keys` on them (at path below the list field): rows are marshalled one after the
// other (marshalInOrder), so without it each new center would wait out the loader's
// batch window alone.
func prefetchCenterKeys[T any](ctx context.Context, items []T, centerOf func(T) uuid.UUID, path ...string) {
	selected := strings.Split(selectedFields(ctx, path...), ",")
	prefetch(ctx, selected, "keys", loader.For(ctx).CenterKeys, centerIDs(items, centerOf))
}

func centerIDs[T any](items []T, centerOf func(T) uuid.UUID) []uuid.UUID {
	ids := make([]uuid.UUID, len(items))
	for i, item := range items {
		ids[i] = centerOf(item)
	}
	return ids
}

// primeCenters gives the center loader the centers a list read with its page, so the
// page's nested `center` fields are served from them without a query.
func primeCenters(ctx context.Context, centers []*exchange.Center) {
	l := loader.For(ctx).Center
	for _, c := range centers {
		l.Prime(c.ID, c)
	}
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
