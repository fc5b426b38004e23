package graph

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// referralEventsRead is the loader key of a read of referral id's events through the
// field under the current one (under, or the current field itself): whether the client
// selected the events' note, which is personal data and audited, and if so the read's
// path and operation. A page of referrals prefetches with the key each row's resolver
// will ask with, so the page is one batch and one audit statement.
func referralEventsRead(ctx context.Context, id uuid.UUID, under ...string) exchange.ReferralEventsRead {
	read := exchange.ReferralEventsRead{ReferralID: id}
	if slices.Contains(strings.Split(selectedFields(ctx, under...), ","), "note") {
		read.Notes, read.Purpose, read.Operation = true, fieldPath(ctx, under...), operationName(ctx)
	}
	return read
}
