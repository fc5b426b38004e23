package graph

import (
	"context"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/loader"
)

// revisionsOf is an agreement's revisions: those read with it when it was read as one
// snapshot (a subscription's event), else through the loader.
func revisionsOf(ctx context.Context, a *exchange.Agreement) ([]*exchange.AgreementRevision, error) {
	if a.Revisions != nil {
		return a.Revisions, nil
	}
	return loader.List(ctx, loader.For(ctx).AgreementRevisions, a.ID)
}
