package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// prefetchSessions loads what a page of sessions shows below each session in one
// batch per kind (participants with outcomes, featured demands, then every center
// named), so the statement count of a page does not depend on its size or on how
// loader batches happen to be timed. It loads only the lists the client selected.
func prefetchSessions(ctx context.Context, sessions []*exchange.ExchangeSession) error {
	if len(sessions) == 0 {
		return nil
	}
	fields := strings.Split(selectedFields(ctx, "edges", "node"), ",")
	parts := slices.Contains(fields, "participants") || slices.Contains(fields, "outcomes") || slices.Contains(fields, "totals")
	demands := slices.Contains(fields, "featuredDemands")
	ids := make([]uuid.UUID, len(sessions))
	centers := []uuid.UUID{}
	for i, s := range sessions {
		ids[i] = s.ID
		centers = append(centers, s.HostCenterID)
	}
	l := loader.For(ctx)
	waitParts, waitDemands := func() error { return nil }, func() error { return nil }
	if parts {
		waitParts = loader.Prefetch(ctx, l.SessionParticipants, ids)
	}
	if demands {
		waitDemands = loader.Prefetch(ctx, l.SessionDemands, ids)
	}
	if err := errors.Join(waitParts(), waitDemands()); err != nil {
		return err
	}
	// The lists are in the loaders' caches now; their centers go in one more batch.
	for _, id := range ids {
		if parts {
			list, err := loader.List(ctx, l.SessionParticipants, id)
			if err != nil {
				return err
			}
			for _, p := range list {
				centers = append(centers, p.CenterID)
			}
		}
		if demands {
			list, err := loader.List(ctx, l.SessionDemands, id)
			if err != nil {
				return err
			}
			for _, d := range list {
				centers = append(centers, d.CenterID)
			}
		}
	}
	loader.Prefetch(ctx, l.Center, centers)
	return nil
}

// sessionReferralIDs are the IDs of the referrals a center made from a session that
// the caller may see (its own center's, in or out), newest first, at most 100; one
// batch for every outcome of the request (loader.SessionReferrals).
func sessionReferralIDs(ctx context.Context, o *exchange.SessionOutcome) ([]string, error) {
	out := []string{}
	if o.ReferralCount == 0 {
		return out, nil
	}
	list, err := loader.List(ctx, loader.For(ctx).SessionReferrals, o.SessionID)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		if r.OriginCenterID == o.CenterID && len(out) < exchange.MaxPageSize {
			out = append(out, exchange.GlobalID(exchange.KindReferral, r.ID))
		}
	}
	return out, nil
}
