package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// prefetch starts one batch on l for the keys of a page when the client selected field
// on the page's nodes (loader.Prefetch); the rows' resolvers wait for the result.
func prefetch[K comparable, V any](ctx context.Context, selected []string, field string, l *dataloadgen.Loader[K, V], keys []K) {
	if slices.Contains(selected, field) {
		loader.Prefetch(ctx, l, keys)
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
		loader.Prefetch(ctx, l.Center, centers)
	}
	if slices.Contains(selected, "currentRevision") {
		loader.Prefetch(ctx, l.AgreementRevisions, ids)
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
	var centers []uuid.UUID
	var workers []exchange.WorkerRead
	// The keys the events resolvers will ask with: the same selection for every row.
	events := make([]exchange.ReferralEventsRead, len(page))
	read := referralEventsRead(ctx, uuid.Nil, "edges", "node", "events")
	for i, x := range page {
		events[i] = read
		events[i].ReferralID = x.ID
		centers = append(centers, x.OriginCenterID, x.DestinationCenterID)
		// The key the worker resolver will ask with; it asks nothing for an erased worker.
		if !x.WorkerErased {
			workers = append(workers, workerRead(ctx, x.WorkerID, "edges", "node", "worker"))
		}
	}
	l := loader.For(ctx)
	if slices.Contains(selected, "origin") || slices.Contains(selected, "destination") {
		loader.Prefetch(ctx, l.Center, centers)
	}
	prefetch(ctx, selected, "worker", l.Worker, workers)
	prefetch(ctx, selected, "events", l.ReferralEvents, events)
}
