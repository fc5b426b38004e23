package exchange

import (
	"context"
	"slices"
	"strings"
	"time"

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
	// Whoever is at neither end (operators included) gets exactly the refusal of a
	// referral that does not exist, so it learns nothing of the referral.
	switch {
	case actor == nil:
		return "", Errorf(CodeUnauthenticated, "authentication required")
	case side != SideOrigin && side != SideDestination:
		return "", ReferralNotFound()
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

// Referral follows one worker from the origin center to a destination center's
// province until hired, confirmed in work, or back home.
type Referral struct {
	ID                  uuid.UUID `db:"id"`
	WorkerID            uuid.UUID `db:"worker_id"`
	OriginCenterID      uuid.UUID `db:"origin_center_id"`
	DestinationCenterID uuid.UUID `db:"destination_center_id"`
	// OccupationCode is what the referral is for (the demand's, when it names one) and
	// the quota line it counts against; WorkerOccupationCode is the worker's registered
	// occupation when referred.
	OccupationCode       string         `db:"occupation_code"`
	WorkerOccupationCode string         `db:"worker_occupation_code"`
	DemandID             *uuid.UUID     `db:"demand_id"`
	AgreementID          *uuid.UUID     `db:"agreement_id"`
	SessionID            *uuid.UUID     `db:"session_id"`
	Status               ReferralStatus `db:"status"`
	// WorkerErased is true once the origin erased the worker's personal data; the
	// referral and its events remain, anonymous, for statistics.
	WorkerErased bool      `db:"worker_erased"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	Version      int       `db:"version"`
	// LeftReason is why the worker left (LEFT_JOB), when the center said.
	LeftReason *LeftReason `db:"left_reason"`
	// The last interview scheduled with details (see Interview).
	InterviewAt    *time.Time `db:"interview_at"`
	InterviewPlace *string    `db:"interview_place"`
	InterviewLink  *string    `db:"interview_link"`
}

// ReferralEvent is one step of a referral's history. The first event (the referral's
// creation) has no From and no Action.
type ReferralEvent struct {
	ID            int64           `db:"id"`
	ReferralID    uuid.UUID       `db:"referral_id"`
	From          *ReferralStatus `db:"from_status"`
	To            ReferralStatus  `db:"to_status"`
	Action        *ReferralAction `db:"action"`
	ActorCenterID *uuid.UUID      `db:"actor_center_id"`
	ActorSubject  string          `db:"actor_subject"`
	Note          *string         `db:"note"`
	// At is when it happened, as the actor reports it; RecordedAt when it was recorded.
	At         time.Time `db:"at"`
	RecordedAt time.Time `db:"recorded_at"`
	// The interview a SCHEDULE_INTERVIEW step set, if it had details.
	InterviewAt    *time.Time `db:"interview_at"`
	InterviewPlace *string    `db:"interview_place"`
	InterviewLink  *string    `db:"interview_link"`
}

// ReferWorkerInput registers (or reuses) a worker and refers them to another center.
type ReferWorkerInput struct {
	IdempotencyKey        *string `json:"-"`
	Worker                WorkerInput
	DestinationCenterCode string
	DemandID              *string
	AgreementID           *string
	// SessionID names the job-exchange session the referral came out of.
	SessionID *string
	Note      *string
	// AllowOccupationMismatch: the origin refers, knowingly, a worker registered in
	// another sub-major group than the demand's occupation.
	AllowOccupationMismatch *bool
}

// UpdateReferralStatusInput moves a referral along (DESIGN §2).
type UpdateReferralStatusInput struct {
	ReferralID      string
	Action          ReferralAction
	Note            *string
	At              *time.Time
	ExpectedVersion *int
	// InterviewAt, Place and Link: see DecideInterview.
	InterviewAt *time.Time
	Place       *string
	Link        *string
	// CheckpointDay and LeftReason: see DecideCheckpoint.
	CheckpointDay *int
	LeftReason    *LeftReason
}

// Step is the input's fields besides the action.
func (in UpdateReferralStatusInput) Step() ReferralStep {
	return ReferralStep{InterviewAt: in.InterviewAt, Place: in.Place, Link: in.Link,
		CheckpointDay: in.CheckpointDay, LeftReason: in.LeftReason}
}

// ReferralDirection selects referrals by the caller's end: IN (to the caller's center)
// or OUT (from it).
type ReferralDirection string

const (
	ReferralIn  ReferralDirection = "IN"
	ReferralOut ReferralDirection = "OUT"
)

// ReferralFilter narrows the caller's referrals. CenterCodes names the center at the
// other end; OccupationCode is a prefix; CreatedFrom is inclusive, CreatedTo exclusive.
type ReferralFilter struct {
	Direction      *ReferralDirection
	Statuses       []ReferralStatus
	CenterCodes    []string
	OccupationCode *string
	CreatedFrom    *time.Time
	CreatedTo      *time.Time
	// SessionID keeps the referrals that came out of a session.
	SessionID *string
	// CheckpointDue keeps referrals with a checkpoint due today and not yet missed
	// (true) or without one (false).
	CheckpointDue *bool
}

// ReferralService refers workers and moves referrals along. Every method takes the
// caller from ctx: referrals are visible to their two centers only, workers' personal
// data to the registering center and the destinations of their referrals.
type ReferralService interface {
	ReferWorker(ctx context.Context, in ReferWorkerInput) (*Referral, error)
	UpdateReferralStatus(ctx context.Context, in UpdateReferralStatusInput) (*Referral, error)
	Referral(ctx context.Context, id uuid.UUID) (*Referral, error)
	Referrals(ctx context.Context, f ReferralFilter, page PageArgs) (*Page[*Referral], error)
	// EraseWorker returns the erased worker's id.
	EraseWorker(ctx context.Context, in EraseWorkerInput) (uuid.UUID, error)
	// WithdrawConsent and GiveConsent change a worker's consents (registering center
	// only) and return the worker's id.
	WithdrawConsent(ctx context.Context, in WithdrawConsentInput) (uuid.UUID, error)
	GiveConsent(ctx context.Context, in GiveConsentInput) (uuid.UUID, error)
	// WorkerConsents loads the consent histories of workers the caller's center
	// registered, oldest first (SeesConsents); others are absent.
	WorkerConsents(ctx context.Context, workerIDs []uuid.UUID) (map[uuid.UUID][]*Consent, error)
	// UpdateWorker corrects a worker's data (registering center only) and returns its id.
	UpdateWorker(ctx context.Context, in UpdateWorkerInput) (uuid.UUID, error)
	// Workers loads workers the caller may see and audits the read: each WorkerRead
	// names a worker and the fields the client asked for. Others are absent.
	Workers(ctx context.Context, reads []WorkerRead) (map[WorkerRead]*Worker, error)
	// ReferralEvents loads the events of referrals the caller may see, oldest first.
	ReferralEvents(ctx context.Context, referralIDs []uuid.UUID) (map[uuid.UUID][]*ReferralEvent, error)
	// ReferralCheckpoints loads the retention checkpoints of referrals the caller may
	// see, by day.
	ReferralCheckpoints(ctx context.Context, referralIDs []uuid.UUID) (map[uuid.UUID][]*RetentionCheckpoint, error)
}
