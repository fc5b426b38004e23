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

// sessionParticipants loads a session's participants through the request's loader.
func sessionParticipants(ctx context.Context, id uuid.UUID) ([]*exchange.SessionParticipant, error) {
	list, err := loader.For(ctx).SessionParticipants.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*exchange.SessionParticipant{}, nil
	}
	return list, err
}

// sessionDemands loads a session's featured demands the caller may see.
func sessionDemands(ctx context.Context, id uuid.UUID) ([]*exchange.LaborDemand, error) {
	list, err := loader.For(ctx).SessionDemands.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return []*exchange.LaborDemand{}, nil
	}
	return list, err
}

// primeSessions loads what a page of sessions shows below each session in one query per
// kind (participants with outcomes, featured demands, then every center named) and
// primes the request's loaders, so the statement count of a page does not depend on
// its size or on how loader batches happen to be timed. It loads only the lists the
// client selected.
func (r *Resolver) primeSessions(ctx context.Context, sessions []*exchange.ExchangeSession) error {
	if len(sessions) == 0 {
		return nil
	}
	fields := strings.Split(selectedFields(ctx, "edges", "node"), ",")
	ids := make([]uuid.UUID, len(sessions))
	for i, s := range sessions {
		ids[i] = s.ID
	}
	centers := []uuid.UUID{}
	for _, s := range sessions {
		centers = append(centers, s.HostCenterID)
	}
	l := loader.For(ctx)
	if slices.Contains(fields, "participants") || slices.Contains(fields, "outcomes") || slices.Contains(fields, "totals") {
		parts, err := r.SessionService.SessionParticipants(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			l.SessionParticipants.Prime(id, parts[id])
			for _, p := range parts[id] {
				centers = append(centers, p.CenterID)
			}
		}
	}
	if slices.Contains(fields, "featuredDemands") {
		demands, err := r.SessionService.SessionDemands(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			l.SessionDemands.Prime(id, demands[id])
			for _, d := range demands[id] {
				centers = append(centers, d.CenterID)
			}
		}
	}
	return primeCenters(ctx, r, centers, func(id uuid.UUID) uuid.UUID { return id })
}
