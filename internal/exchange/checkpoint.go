package exchange

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Retention checkpoints follow a hired worker: is the worker still in the job 30, 90
// and 180 days after the hire? These are the follow-ups a sending province reports on.

// RetentionDays are the checkpoints every hire gets, in days after the HIRED step.
var RetentionDays = []int{30, 90, 180}

// CheckpointGraceDays is how long after its due date a checkpoint may still be
// confirmed before it counts as MISSED. A missed checkpoint may still be confirmed
// late: the record is worth more than the deadline.
const CheckpointGraceDays = 30

// CheckpointStatus is where a retention checkpoint stands.
type CheckpointStatus string

const (
	CheckpointDue       CheckpointStatus = "DUE"
	CheckpointConfirmed CheckpointStatus = "CONFIRMED"
	CheckpointLeft      CheckpointStatus = "LEFT"
	// CheckpointMissed is derived, never stored: a DUE checkpoint past its grace period.
	CheckpointMissed CheckpointStatus = "MISSED"
)

// LeftReason is why a placed worker left the job (MARK_LEFT).
type LeftReason string

const (
	LeftReturnedHome LeftReason = "RETURNED_HOME"
	LeftBetterJob    LeftReason = "BETTER_JOB"
	LeftConditions   LeftReason = "CONDITIONS"
	LeftDismissed    LeftReason = "DISMISSED"
	LeftOther        LeftReason = "OTHER"
)

// IsValid reports whether r is one of the reasons.
func (r LeftReason) IsValid() bool {
	return slices.Contains([]LeftReason{LeftReturnedHome, LeftBetterJob, LeftConditions, LeftDismissed, LeftOther}, r)
}

// RetentionCheckpoint is one follow-up of a hire. The store keeps Status DUE,
// CONFIRMED or LEFT; StatusOn derives MISSED, which reads show.
type RetentionCheckpoint struct {
	ReferralID  uuid.UUID        `db:"referral_id"`
	Day         int              `db:"day"`
	DueOn       time.Time        `db:"due_on"`
	Status      CheckpointStatus `db:"status"`
	ConfirmedAt *time.Time       `db:"confirmed_at"`
}

// StatusOn is the checkpoint's status on the given day: a DUE checkpoint more than
// CheckpointGraceDays past its due date is MISSED.
func (c *RetentionCheckpoint) StatusOn(today time.Time) CheckpointStatus {
	if c.Status == CheckpointDue && dateOf(today).After(c.DueOn.AddDate(0, 0, CheckpointGraceDays)) {
		return CheckpointMissed
	}
	return c.Status
}

// CheckpointsFor returns the checkpoints of a hire made at hiredAt: due on the UTC
// calendar date of the hire plus each of RetentionDays.
func CheckpointsFor(referralID uuid.UUID, hiredAt time.Time) []*RetentionCheckpoint {
	hired := dateOf(hiredAt)
	out := make([]*RetentionCheckpoint, len(RetentionDays))
	for i, d := range RetentionDays {
		out[i] = &RetentionCheckpoint{ReferralID: referralID, Day: d, DueOn: hired.AddDate(0, 0, d), Status: CheckpointDue}
	}
	return out
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ReferralStep is what updateReferralStatus carries besides the action: the
// interview a SCHEDULE_INTERVIEW sets, the checkpoint a CONFIRM_EMPLOYMENT confirms
// and the reason of a MARK_LEFT.
type ReferralStep struct {
	InterviewAt   *time.Time
	Place, Link   *string
	CheckpointDay *int
	LeftReason    *LeftReason
}

// DecideReferralStep is DecideReferral extended by two repeatable steps: a
// CONFIRM_EMPLOYMENT that names a checkpoint may also be taken from EMPLOYED (a later
// checkpoint keeps the referral EMPLOYED), and a SCHEDULE_INTERVIEW with an
// interviewAt from INTERVIEW_SCHEDULED (rescheduling, one more event). Every other
// case is DecideReferral's, with the same checks in the same order, so the access
// decisions are its own.
func DecideReferralStep(from ReferralStatus, a ReferralAction, step ReferralStep, side ReferralSide, actor *Principal) (ReferralStatus, error) {
	switch {
	case a == ReferralConfirmEmployment && step.CheckpointDay != nil && from == ReferralEmployed:
		// authz: the same decision as confirming a HIRED referral (same sides, same role).
		if _, err := DecideReferral(ReferralHired, a, side, actor); err != nil {
			return "", err
		}
		return ReferralEmployed, nil
	case a == ReferralScheduleInterview && step.InterviewAt != nil && from == ReferralInterviewScheduled:
		// authz: the same decision as the first scheduling (the destination, same role).
		if _, err := DecideReferral(ReferralAcknowledged, a, side, actor); err != nil {
			return "", err
		}
		return ReferralInterviewScheduled, nil
	}
	// authz: DecideReferral.
	return DecideReferral(from, a, side, actor)
}

// DecideCheckpoint checks the checkpoint fields of a step taken at the given time
// against the referral's checkpoints, and returns the day of the checkpoint it
// confirms (0: none). checkpointDay belongs to CONFIRM_EMPLOYMENT, leftReason to
// MARK_LEFT; CONFIRM_EMPLOYMENT without a checkpoint is the first confirmation that
// the worker started (HIRED → EMPLOYED), as before checkpoints existed.
func DecideCheckpoint(a ReferralAction, step ReferralStep, checkpoints []*RetentionCheckpoint, at time.Time) (int, error) {
	var errs Errors
	if step.LeftReason != nil {
		if a != ReferralMarkLeft {
			errs.Add(fieldOf("leftReason"), CodeInvalid, "leftReason is given only with MARK_LEFT")
		} else if !step.LeftReason.IsValid() {
			errs.Add(fieldOf("leftReason"), CodeInvalid, "unknown leftReason %q", *step.LeftReason)
		}
	}
	if step.CheckpointDay == nil {
		return 0, errs.Err()
	}
	day := *step.CheckpointDay
	field := fieldOf("checkpointDay")
	switch {
	case a != ReferralConfirmEmployment:
		errs.Add(field, CodeInvalid, "checkpointDay is given only with CONFIRM_EMPLOYMENT")
	case !slices.Contains(RetentionDays, day):
		errs.Add(field, CodeInvalid, "checkpointDay must be one of 30, 90 or 180")
	default:
		i := slices.IndexFunc(checkpoints, func(c *RetentionCheckpoint) bool { return c.Day == day })
		switch {
		case i < 0:
			errs.Add(field, CodeInvalidTransition, "this referral has no %d-day checkpoint: it was never hired", day)
		case checkpoints[i].Status != CheckpointDue && checkpoints[i].Status != CheckpointMissed:
			errs.Add(field, CodeInvalidTransition, "the %d-day checkpoint is already %s", day, checkpoints[i].Status)
		case dateOf(at).Before(checkpoints[i].DueOn):
			errs.Add(field, CodeOutOfRange, "the %d-day checkpoint is not due until %s",
				day, checkpoints[i].DueOn.Format(time.DateOnly))
		}
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	return day, nil
}

// RetentionRate is, for referrals from the centers of one province to those of
// another, how many hires reached a checkpoint day and how many of them were
// confirmed still in work on it.
type RetentionRate struct {
	OriginProvinceCode      string `db:"origin_province_code"`
	DestinationProvinceCode string `db:"destination_province_code"`
	Day                     int    `db:"day"`
	// Due counts checkpoints whose due date has passed (whatever their status).
	Due       int `db:"due"`
	Confirmed int `db:"confirmed"`
	Left      int `db:"left_job"`
}

// Rate is Confirmed / Due; nil when nothing is due yet.
func (r *RetentionRate) Rate() *float64 {
	if r.Due == 0 {
		return nil
	}
	v := float64(r.Confirmed) / float64(r.Due)
	return &v
}
