package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// loadList reads one parent's list through a request loader; a parent the fetcher
// returned nothing for has an empty list.
func loadList[T any](ctx context.Context, l *dataloadgen.Loader[uuid.UUID, []*T], id uuid.UUID) ([]*T, error) {
	list, err := l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*T{}, nil
	}
	return list, err
}

// prefetch starts one batch on l for the keys of a page when the client selected field
// on the page's nodes. A loader batches what its resolvers ask within a short wait; the
// rows of a page are resolved concurrently and, on a busy machine, not all within it,
// so a page would cost a varying number of queries. Started from the connection's
// resolver the batch holds every key of the page, and the rows' resolvers find their
// values in the loader's cache.
func prefetch[K comparable, V any](ctx context.Context, selected []string, field string, l *dataloadgen.Loader[K, V], keys []K) {
	if len(keys) > 0 && slices.Contains(selected, field) {
		l.LoadAllThunk(ctx, keys) // the rows' resolvers wait for the result
	}
}

// prefetchAgreementLists prefetches the lists and centers of a page of agreements.
func prefetchAgreementLists(ctx context.Context, page []*exchange.Agreement) {
	selected := strings.Split(selectedFields(ctx, "edges", "node"), ",")
	ids := make([]uuid.UUID, len(page))
	var centers []uuid.UUID
	for i, a := range page {
		ids[i] = a.ID
		centers = append(centers, a.ProposerCenterID)
		centers = append(centers, a.PartyCenterIDs...)
	}
	l := loader.For(ctx)
	if slices.Contains(selected, "parties") || slices.Contains(selected, "proposer") {
		l.Center.LoadAllThunk(ctx, uniq(centers))
	}
	if slices.Contains(selected, "currentRevision") {
		l.AgreementRevisions.LoadAllThunk(ctx, ids)
	}
	prefetch(ctx, selected, "revisions", l.AgreementRevisions, ids)
	prefetch(ctx, selected, "signatures", l.AgreementSignatures, ids)
	prefetch(ctx, selected, "events", l.AgreementEvents, ids)
	prefetch(ctx, selected, "comments", l.AgreementComments, ids)
	prefetch(ctx, selected, "quotaLines", l.AgreementQuotaLines, ids)
}

// prefetchReferralLinks prefetches the centers, workers and histories of a page of
// referrals.
func prefetchReferralLinks(ctx context.Context, page []*exchange.Referral) {
	selected := strings.Split(selectedFields(ctx, "edges", "node"), ",")
	ids := make([]uuid.UUID, len(page))
	var centers []uuid.UUID
	var workers []exchange.WorkerRead
	// The key the worker resolver will ask with: the fields selected under worker.
	fields := selectedFields(ctx, "edges", "node", "worker")
	for i, x := range page {
		ids[i] = x.ID
		centers = append(centers, x.OriginCenterID, x.DestinationCenterID)
		workers = append(workers, exchange.WorkerRead{ID: x.WorkerID, Fields: fields})
	}
	l := loader.For(ctx)
	if slices.Contains(selected, "origin") || slices.Contains(selected, "destination") {
		l.Center.LoadAllThunk(ctx, uniq(centers))
	}
	prefetch(ctx, selected, "worker", l.Worker, uniq(workers))
	prefetch(ctx, selected, "events", l.ReferralEvents, ids)
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
