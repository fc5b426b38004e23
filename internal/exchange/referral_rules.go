package exchange

import (
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The rules of making a referral and of recording its steps, over facts the store
// loads: the destination center, the demand and agreement it names, the last step.
// The state machine itself is DecideReferral.

// MaxEraseReasonLen bounds the reason given for erasing a worker.
const MaxEraseReasonLen = 500

// ReferralNotFound is the refusal of a referral the caller may not see.
func ReferralNotFound() *Error { return NotFound("no referral has this ID") }

// SeesReferral is who sees a referral.
func SeesReferral(p *Principal, originID, destinationID uuid.UUID) bool {
	// authz: only the publishers and coordinators of the origin and destination centers
	// see a referral (its events, notes and worker); viewers, operators and third
	// centers see referral statistics only (DESIGN §1, §5).
	return MayReadPersonalData(p) && SideOf(p.CenterID, originID, destinationID) != SideNone
}

// DecideListReferrals is who lists referrals.
func DecideListReferrals(p *Principal) error {
	// authz: referrals are listed for a center's publishers and coordinators; viewers
	// and operators read statistics.
	if !MayReadPersonalData(p) {
		return Errorf(CodeForbidden, "viewers and operators see referral statistics, not referrals")
	}
	return nil
}

// SeesIndividualChanges is who reads the feed's changes of individual referrals and
// workers.
func SeesIndividualChanges(p *Principal) bool {
	// authz: the changes of referrals and workers are for the publishers and
	// coordinators of their centers; viewers and operators follow statistics.
	return MayReadPersonalData(p)
}

// DecideReferWorker is who refers workers.
func DecideReferWorker(p *Principal) error {
	// authz: a center's publishers (coordinators too) refer its workers; operators have
	// no center to refer from.
	if p.CenterID == uuid.Nil {
		return Errorf(CodeForbidden, "operators may not refer workers")
	}
	return p.Require(RolePublisher)
}

// CheckReferralNote checks the note of a referral step.
func CheckReferralNote(note *string) error {
	if note != nil && utf8.RuneCountInString(*note) > MaxReferralNoteLen {
		return FieldErrorf(fieldOf("note"), CodeTooLong, "note is longer than %d characters", MaxReferralNoteLen)
	}
	return nil
}

// DecideDestination checks the center a worker is referred to, found by code (nil
// when no center has it): an active center other than the caller's.
func DecideDestination(p *Principal, dest *Center, code string) error {
	field := fieldOf("destinationCenterCode")
	switch {
	case dest == nil:
		return FieldErrorf(field, CodeUnknownCenter, "no center has code %q", code)
	case dest.Status != CenterActive:
		return FieldErrorf(field, CodeInvalid, "center %s is %s and cannot receive referrals", dest.Code, dest.Status)
	case dest.ID == p.CenterID:
		return FieldErrorf(field, CodeInvalid, "a center cannot refer a worker to itself")
	}
	return nil
}

// DecideReferralDemand checks the demand a referral names, as the origin sees it (nil
// when the origin cannot see it): posted by the destination and open.
func DecideReferralDemand(d *LaborDemand, dest *Center) error {
	field := fieldOf("demandId")
	switch {
	case d == nil:
		// authz: the origin may refer only to a demand it can see.
		return FieldErrorf(field, CodeNotFound, "no such labor demand")
	case d.CenterID != dest.ID:
		return FieldErrorf(field, CodeInvalid, "the demand is not posted by the destination center %s", dest.Code)
	case d.Status == DemandFilled:
		return FieldErrorf(field, CodeDemandFilled, "the demand has no open position left")
	case d.Status != DemandOpen:
		return FieldErrorf(field, CodeInvalid, "the demand is %s", d.Status)
	}
	return nil
}

// ReferralOccupation is the occupation a referral is for, and so the quota line it
// counts against: the demand's when it names one (demandOccupation nil when it does
// not). A worker registered outside the demand's sub-major group (the first two digits
// of the code) is OCCUPATION_MISMATCH unless the origin says so explicitly.
func ReferralOccupation(workerOccupation string, demandOccupation *string, allowMismatch bool) (string, error) {
	if demandOccupation == nil {
		return workerOccupation, nil
	}
	if subMajor(workerOccupation) != subMajor(*demandOccupation) && !allowMismatch {
		return "", FieldErrorf(fieldOf("worker", "occupationCode"), CodeOccupationMismatch,
			"the worker's occupation %s is outside the demand's group %s (occupation %s); set allowOccupationMismatch to refer them anyway",
			workerOccupation, subMajor(*demandOccupation), *demandOccupation)
	}
	return *demandOccupation, nil
}

func subMajor(code string) string {
	if len(code) < 2 {
		return code
	}
	return code[:2]
}

// DecideReferralAgreement checks the parties of the agreement a referral names.
func DecideReferralAgreement(originIsParty, destIsParty bool, dest *Center) error {
	field := fieldOf("agreementId")
	// authz: only parties see an agreement; for anyone else it does not exist.
	if !originIsParty {
		return FieldErrorf(field, CodeNotFound, "no such agreement")
	}
	if !destIsParty {
		return FieldErrorf(field, CodeInvalid, "the destination center %s is not a party to the agreement", dest.Code)
	}
	return nil
}

// QuotaLineFacts is what the store finds of the quota line a referral or hire counts
// against.
type QuotaLineFacts struct {
	// Found is false when the agreement does not exist.
	Found                 bool
	Status                AgreementStatus
	ValidFrom, ValidUntil time.Time
	// HasLine: the current revision has a line for the occupation and direction.
	HasLine bool
}

// DecideQuotaLine says why a referral or hire cannot count against an agreement's quota
// line: the agreement is not active, or it has no line for the occupation in this
// direction. nil means the line exists on an active agreement.
func DecideQuotaLine(f QuotaLineFacts, occupationCode string, now time.Time) error {
	field := fieldOf("agreementId")
	switch {
	case !f.Found:
		return FieldErrorf(field, CodeNotFound, "no such agreement")
	case !IsActive(f.Status, f.ValidFrom, f.ValidUntil, now):
		return FieldErrorf(field, CodeInvalid, "the agreement is not active (it is %s, valid %s to %s)", f.Status,
			f.ValidFrom.Format(time.DateOnly), f.ValidUntil.Format(time.DateOnly))
	case !f.HasLine:
		return FieldErrorf(field, CodeInvalid, "the agreement has no quota line for occupation %s in this direction", occupationCode)
	}
	return nil
}

// QuotaUsedUp is the refusal of a hire beyond the quota line's workers.
func QuotaUsedUp(occupationCode string) *Error {
	return FieldErrorf(fieldOf("agreementId"), CodeQuotaExceeded,
		"the agreement's quota of occupation %s for this direction is used up", occupationCode)
}

// DecideFillPosition is the refusal of a hire on a demand with no open position
// (exists is false when the demand is gone).
func DecideFillPosition(exists bool) error {
	if !exists {
		return FieldErrorf(fieldOf("demandId"), CodeNotFound, "no such labor demand")
	}
	return FieldErrorf(fieldOf("demandId"), CodeDemandFilled, "the demand has no open position: it is filled, closed or expired")
}

// DecideEventTime checks when the actor says a step happened (nil: now): never in the
// future, never before the referral's previous step (last).
func DecideEventTime(at *time.Time, now, last time.Time) (time.Time, error) {
	if at == nil {
		return now, nil
	}
	field := fieldOf("at")
	if at.After(now) {
		return time.Time{}, FieldErrorf(field, CodeOutOfRange, "at is in the future")
	}
	if at.Before(last) {
		return time.Time{}, FieldErrorf(field, CodeOutOfRange,
			"at is before the referral's previous step (%s)", last.UTC().Format(time.RFC3339))
	}
	return at.UTC(), nil
}

// AlreadyReferred is the refusal of a second open referral of one worker to one
// demand (the store's partial unique index referrals_one_open_per_demand backs it).
func AlreadyReferred() *Error {
	return FieldErrorf(fieldOf("demandId"), CodeAlreadyReferred,
		"this worker already has an open referral to this demand")
}

// WorkerAlreadyPlaced is the refusal of a hire of a worker who is already hired or
// employed through another referral (backed by referrals_one_placement).
func WorkerAlreadyPlaced() *Error {
	return FieldErrorf(fieldOf("action"), CodeWorkerAlreadyPlaced,
		"this worker is already hired or employed through another referral")
}

// WorkerNotFound is the refusal of a worker the caller may not see.
func WorkerNotFound() *Error { return NotFound("no worker has this ID") }

// MayReadPersonalData is who reads workers' personal data at all.
func MayReadPersonalData(p *Principal) bool {
	// authz: viewers and operators see aggregates only; a center's publishers and
	// coordinators see the workers visible to their center.
	return p.CenterID != uuid.Nil && p.Has(RolePublisher)
}

// DecideWorkerChange decides a change only the worker's registering center may make
// (erase, correct, record consent given or withdrawn), for a worker the caller can see.
func DecideWorkerChange(p *Principal, registeredBy uuid.UUID, verb string) error {
	// authz: only the registering center erases, corrects, or records consent.
	if registeredBy != p.CenterID {
		return Errorf(CodeForbidden, "only the center that registered the worker may %s", verb)
	}
	return nil
}

// CheckEraseReason checks the optional reason of an erasure.
func CheckEraseReason(reason *string) error {
	if reason != nil && utf8.RuneCountInString(*reason) > MaxEraseReasonLen {
		return FieldErrorf(fieldOf("reason"), CodeTooLong, "reason is longer than %d characters", MaxEraseReasonLen)
	}
	return nil
}
