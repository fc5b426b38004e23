package exchange

import (
	"strings"
	"time"
)

// MaxInterviewPlaceLen bounds an interview's place (an address, a room).
const MaxInterviewPlaceLen = 500

// Interview is when and where (a place, a link, or both) a referred worker meets the
// employer, as the destination center last scheduled it.
type Interview struct {
	At    time.Time
	Place *string
	Link  *string
}

// Interview is the referral's last scheduled interview; nil when none had details.
func (r *Referral) Interview() *Interview {
	return interviewOf(r.InterviewAt, r.InterviewPlace, r.InterviewLink)
}

// Interview is the interview this step scheduled; nil for other steps.
func (e *ReferralEvent) Interview() *Interview {
	return interviewOf(e.InterviewAt, e.InterviewPlace, e.InterviewLink)
}

func interviewOf(at *time.Time, place, link *string) *Interview {
	if at == nil {
		return nil
	}
	return &Interview{At: *at, Place: place, Link: link}
}

// InterviewOf returns the step's interview, nil when it names no time.
func (s ReferralStep) InterviewOf() *Interview {
	if s.InterviewAt == nil {
		return nil
	}
	return &Interview{At: s.InterviewAt.UTC(), Place: s.Place, Link: s.Link}
}

// DecideInterview checks the interview fields of a step: they belong to
// SCHEDULE_INTERVIEW; interviewAt needs a place or a link (or both), within a year of
// now either way, and a place or link needs interviewAt. SCHEDULE_INTERVIEW without
// any of them records only that an interview is planned, as before interviews had
// details.
func DecideInterview(a ReferralAction, s ReferralStep, now time.Time) error {
	var errs Errors
	given := s.InterviewAt != nil || s.Place != nil || s.Link != nil
	switch {
	case !given:
		return nil
	case a != ReferralScheduleInterview:
		errs.Add(fieldOf("interviewAt"), CodeInvalid, "interviewAt, place and link are given only with SCHEDULE_INTERVIEW")
		return errs.Err()
	case s.InterviewAt == nil:
		errs.Add(fieldOf("interviewAt"), CodeRequired, "an interview's place or link needs its interviewAt")
	case s.InterviewAt.Before(now.AddDate(-1, 0, 0)) || s.InterviewAt.After(now.Add(MaxScheduleAhead)):
		errs.Add(fieldOf("interviewAt"), CodeOutOfRange, "interviewAt must be within a year of now")
	}
	if blank(s.Place) && blank(s.Link) {
		errs.Add(fieldOf("place"), CodeRequired, "an interview needs a place or a link")
	}
	checkText(&errs, fieldOf("place"), s.Place, MaxInterviewPlaceLen)
	if !blank(s.Link) {
		checkURL(&errs, fieldOf("link"), *s.Link)
	}
	return errs.Err()
}

func blank(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }
