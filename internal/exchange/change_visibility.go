package exchange

import (
	"slices"

	"github.com/google/uuid"
)

// OutboxRow is one change as an instance reads it for all its subscribers at once,
// with what deciding its visibility needs: the owner's partner set, read with the row
// when its audience is PARTNERS (nil otherwise).
type OutboxRow struct {
	*Change
	OwnerPartners []uuid.UUID
}

// ChangeVisible is the feed's authorization rule in Go, the same as the SQL the
// changes query reads through (postgres changeVisible): subscriptions decide it per
// subscriber over rows read once per instance.
func ChangeVisible(p *Principal, row *OutboxRow) bool {
	if p == nil {
		return false
	}
	// authz: referrals and workers change for their centers' publishers and
	// coordinators only (SeesIndividualChanges), whatever the audience says.
	if (row.EntityKind == KindReferral || row.EntityKind == KindWorker) && !SeesIndividualChanges(p) {
		return false
	}
	// authz: operators see every change; otherwise the change's audience decides: all
	// centers, the listed ones, or the owner and its partners on the day it is read.
	switch {
	case p.IsOperator(), row.Audience == AudienceAll, slices.Contains(row.AudienceCenterIDs, p.CenterID):
		return true
	case row.Audience == AudiencePartners:
		return slices.Contains(row.OwnerPartners, p.CenterID)
	}
	return false
}
