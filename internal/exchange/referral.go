package exchange

import (
	"slices"
	"strings"

	"github.com/google/uuid"
)

// ReferralStatus is where a referred worker stands (DESIGN §2, Referral lifecycle).
type ReferralStatus string

const (
	ReferralReferred           ReferralStatus = "REFERRED"
	ReferralAcknowledged       ReferralStatus = "ACKNOWLEDGED"
	ReferralInterviewScheduled ReferralStatus = "INTERVIEW_SCHEDULED"
	ReferralHired              ReferralStatus = "HIRED"
	ReferralNotHired           ReferralStatus = "NOT_HIRED"
	ReferralWithdrawn          ReferralStatus = "WITHDRAWN"
	ReferralEmployed           ReferralStatus = "EMPLOYED"
	ReferralLeftJob            ReferralStatus = "LEFT_JOB"
)

// ReferralAction is an action of updateReferralStatus. Creating a referral
// (referWorker) is not one: it has no previous status.
type ReferralAction string

const (
	ReferralAcknowledge       ReferralAction = "ACKNOWLEDGE"
	ReferralScheduleInterview ReferralAction = "SCHEDULE_INTERVIEW"
	ReferralMarkHired         ReferralAction = "MARK_HIRED"
	ReferralMarkNotHired      ReferralAction = "MARK_NOT_HIRED"
	ReferralWithdraw          ReferralAction = "WITHDRAW"
	ReferralConfirmEmployment ReferralAction = "CONFIRM_EMPLOYMENT"
	ReferralMarkLeft          ReferralAction = "MARK_LEFT"
)

// CountsAsHire reports whether the action places the worker: it increments the demand's
// filledCount and consumes one worker of the agreement quota line for the referral's
// occupation and direction. Only MARK_HIRED does. Nothing ever gives a hire back:
// WITHDRAW is only possible before HIRED, and MARK_LEFT records that a worker who was
// placed later left, which does not undo the placement, so filled counts and quota
// consumption stay as they are.
func (a ReferralAction) CountsAsHire() bool {
	return a == ReferralMarkHired
}

// ReferralSide is the caller's relation to a referral.
type ReferralSide int

const (
	SideOrigin ReferralSide = iota
	SideDestination
	SideNone
)

func (s ReferralSide) String() string {
	switch s {
	case SideOrigin:
		return "origin"
	case SideDestination:
		return "destination"
	}
	return "none"
}

// SideOf returns which end of a referral the actor's center is. The nil center
// (operators) is never a side. origin and destination always differ (referWorker
// refuses a referral to oneself); were they equal, the center would count as origin.
func SideOf(actorCenterID, originID, destinationID uuid.UUID) ReferralSide {
	switch {
	case actorCenterID == uuid.Nil:
		return SideNone
	case actorCenterID == originID:
		return SideOrigin
	case actorCenterID == destinationID:
		return SideDestination
	}
	return SideNone
}

// referralRule is one row of the DESIGN §2 table. sides empty means either side.
type referralRule struct {
	sides []ReferralSide
	from  []ReferralStatus
	to    ReferralStatus
}

var referralRules = map[ReferralAction]referralRule{
	ReferralAcknowledge: {
		[]ReferralSide{SideDestination},
		[]ReferralStatus{ReferralReferred}, ReferralAcknowledged},
	ReferralScheduleInterview: {
		[]ReferralSide{SideDestination},
		[]ReferralStatus{ReferralReferred, ReferralAcknowledged}, ReferralInterviewScheduled},
	ReferralMarkHired: {
		[]ReferralSide{SideDestination},
		[]ReferralStatus{ReferralAcknowledged, ReferralInterviewScheduled}, ReferralHired},
	ReferralMarkNotHired: {
		[]ReferralSide{SideDestination},
		[]ReferralStatus{ReferralAcknowledged, ReferralInterviewScheduled}, ReferralNotHired},
	ReferralWithdraw: {
		[]ReferralSide{SideOrigin},
		[]ReferralStatus{ReferralReferred, ReferralAcknowledged, ReferralInterviewScheduled}, ReferralWithdrawn},
	ReferralConfirmEmployment: {
		[]ReferralSide{SideOrigin, SideDestination},
		[]ReferralStatus{ReferralHired}, ReferralEmployed},
	ReferralMarkLeft: {
		[]ReferralSide{SideOrigin, SideDestination},
		[]ReferralStatus{ReferralHired, ReferralEmployed}, ReferralLeftJob},
}

// DecideReferral decides whether actor, on the given side of a referral in status
// from, may apply action a, and returns the new status. Checks run in this order:
//  1. operators may not act on referrals (FORBIDDEN); a center on neither side gets
//     NOT_FOUND, as if the referral did not exist;
//  2. the actor needs the PUBLISHER role (a COORDINATOR has it) (FORBIDDEN);
//  3. the action belongs to the other side, e.g. the origin marking a hire
//     (FORBIDDEN, naming who may);
//  4. the action is not allowed from the current status (INVALID_TRANSITION, naming
//     the status, the target and the statuses it is allowed from).
func DecideReferral(from ReferralStatus, a ReferralAction, side ReferralSide, actor *Principal) (ReferralStatus, error) {
	// authz: only the two centers of a referral may move it, and only with a write role.
	switch {
	case actor == nil:
		return "", Errorf(CodeUnauthenticated, "authentication required")
	case actor.IsOperator():
		return "", Errorf(CodeForbidden, "operators may not update referrals")
	case side != SideOrigin && side != SideDestination:
		return "", Errorf(CodeNotFound, "referral not found")
	case !actor.Has(RolePublisher):
		return "", Errorf(CodeForbidden, "updating a referral needs the %s role", RolePublisher)
	}
	rule, ok := referralRules[a]
	if !ok {
		return "", Errorf(CodeInvalid, "unknown referral action %q", a)
	}
	// authz: which side may take this action.
	if !slices.Contains(rule.sides, side) {
		return "", Errorf(CodeForbidden, "only the %s center may %s; this center is the %s",
			rule.sides[0], referralVerb(a), side)
	}
	if !slices.Contains(rule.from, from) {
		allowed := make([]string, 0, len(rule.from))
		for _, s := range rule.from {
			allowed = append(allowed, string(s))
		}
		return "", Errorf(CodeInvalidTransition, "cannot move a referral from %s to %s: %s is allowed only from %s",
			from, rule.to, a, strings.Join(allowed, ", "))
	}
	return rule.to, nil
}

func referralVerb(a ReferralAction) string {
	return strings.ToLower(strings.ReplaceAll(string(a), "_", " "))
}
