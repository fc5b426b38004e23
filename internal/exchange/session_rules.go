package exchange

import (
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Who may do what with an exchange session, and which demands it may feature. The
// session's own timeline (CheckJoin, CheckCancel, ValidateOutcome) is in session.go.

// SessionNotFound is the refusal of a session ID that names no session.
func SessionNotFound(id uuid.UUID) *Error {
	return NotFound("no ExchangeSession has ID %q", GlobalID(KindExchangeSession, id))
}

// NoSuchSession is SessionNotFound for the sessionId of a mutation's input.
func NoSuchSession() *Error {
	return FieldErrorf(fieldOf("sessionId"), CodeNotFound, "no such exchange session")
}

// DecideReadSessions is who reads sessions.
func DecideReadSessions(p *Principal) error {
	// authz: sessions are announcements, public to every center's staff (any role) and
	// to operators.
	if p.IsOperator() {
		return nil
	}
	return p.Require(RoleViewer)
}

// DecideCancelSession is who cancels a session.
func DecideCancelSession(p *Principal, s *ExchangeSession) error {
	// authz: only the host cancels its session.
	if s.HostCenterID != p.CenterID {
		return FieldErrorf(fieldOf("sessionId"), CodeForbidden, "only the host center cancels a session")
	}
	return nil
}

// DecideOutcomeCenter refuses an outcome recorded for another center than the caller's
// (centerCode nil: the caller's own).
func DecideOutcomeCenter(p *Principal, centerCode *string) error {
	// authz: a center records only its own outcome.
	if centerCode != nil && !strings.EqualFold(strings.TrimSpace(*centerCode), p.CenterCode) {
		return FieldErrorf(fieldOf("centerCode"), CodeForbidden, "a center records only its own outcome (%s)", p.CenterCode)
	}
	return nil
}

// DecideRecordOutcome is who has an outcome to record: the session's participants.
func DecideRecordOutcome(p *Principal, joined bool) error {
	// authz: only participating centers have an outcome to record.
	if !joined {
		return FieldErrorf(fieldOf("sessionId"), CodeForbidden, "%s does not take part in this session; join it first", p.CenterCode)
	}
	return nil
}

// FeaturedDemand is what the store found of a demand a center wants to feature: Found
// is false when the session's host cannot see it.
type FeaturedDemand struct {
	Found    bool
	CenterID uuid.UUID
	Status   DemandStatus
	// Featured: the session features it already.
	Featured bool
}

// ParseFeaturedDemandIDs reads the featuredDemandIds of a schedule or join; a malformed
// ID is NOT_FOUND at its position.
func ParseFeaturedDemandIDs(ids []string) ([]uuid.UUID, error) {
	var errs Errors
	keys := make([]uuid.UUID, len(ids))
	for i, gid := range ids {
		id, err := ParseGlobalIDOf(KindLaborDemand, gid)
		if err != nil {
			errs.Add(featuredField(i), CodeNotFound, "%s", noFeaturableDemand)
		}
		keys[i] = id
	}
	return keys, errs.Err()
}

// noFeaturableDemand is the one answer for a demand the caller may not feature because
// it cannot see it, it is not the caller's, or it does not exist: one code and one
// message, so the refusal tells nobody that a hidden demand exists.
const noFeaturableDemand = "no labor demand with this ID can be featured by this center"

func featuredField(i int) []string { return fieldOf("featuredDemandIds", strconv.Itoa(i)) }

// DecideFeaturedDemands checks the demands a center features in a session, in input
// order: each must be one the host may see (so featuring never shows a partner-only
// demand to a center that could not find it in the market), OPEN, and not featured
// yet; when ownOnly (a joining center), also one of the caller's own.
func DecideFeaturedDemands(p *Principal, demands []FeaturedDemand, ownOnly bool) error {
	var errs Errors
	for i, d := range demands {
		switch {
		case !d.Found, ownOnly && d.CenterID != p.CenterID:
			// authz: only demands the host may see; a joining center features only its
			// own demands. Another center's demand, which the caller may not be able to
			// see, is refused exactly like a missing one (no existence oracle).
			errs.Add(featuredField(i), CodeNotFound, "%s", noFeaturableDemand)
		case d.Status != DemandOpen:
			errs.Add(featuredField(i), CodeInvalid, "only OPEN demands are featured; this one is %s", d.Status)
		case d.Featured:
			errs.Add(featuredField(i), CodeInvalid, "the session features this demand already")
		}
	}
	return errs.Err()
}
