package exchange

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Invitations to job-exchange sessions, records of past sessions, and the referrals a
// session produced (issue 13). A host invites centers; an invited center joins (the
// invitation is then ACCEPTED) or declines. Invitations are private to the host and
// the invited center: to anyone else, a session they were not invited to has no
// invitation for them, exactly as a session that does not exist.

// SessionInvitationStatus is where an invitation stands.
type SessionInvitationStatus string

const (
	InvitationInvited  SessionInvitationStatus = "INVITED"
	InvitationAccepted SessionInvitationStatus = "ACCEPTED"
	InvitationDeclined SessionInvitationStatus = "DECLINED"
)

// SessionInvitation is a host's invitation of one center to a session.
type SessionInvitation struct {
	SessionID     uuid.UUID               `db:"session_id"`
	CenterID      uuid.UUID               `db:"center_id"`
	Status        SessionInvitationStatus `db:"status"`
	Message       *string                 `db:"message"`
	InvitedAt     time.Time               `db:"invited_at"`
	RespondedAt   *time.Time              `db:"responded_at"`
	DeclineReason *string                 `db:"decline_reason"`
}

// InviteToExchangeSessionInput invites centers to a session of the caller's center.
type InviteToExchangeSessionInput struct {
	SessionID       string
	CenterCodes     []string
	Message         *string
	ExpectedVersion *int
}

// DeclineExchangeSessionInput declines the caller's center's invitation.
type DeclineExchangeSessionInput struct {
	SessionID       string
	Reason          *string
	ExpectedVersion *int
}

// RecordsSince is the earliest day a session record may start: the exchange keeps the
// centers' history from 2015 (the 38 mobile sessions of 2020 among it).
var RecordsSince = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxInvitationsAtOnce bounds the centers one call invites.
const MaxInvitationsAtOnce = 50

// checkRecordTimes checks a record's times at now: it started on or after RecordsSince
// and has ended; a record features no demands (they are long closed).
func checkRecordTimes(errs *Errors, now time.Time, s ScheduleExchangeSessionInput) {
	if s.StartsAt.Before(RecordsSince) {
		errs.Add(fieldOf("startsAt"), CodeOutOfRange, "a session record starts on %s or later", RecordsSince.Format(time.DateOnly))
	}
	switch {
	case !s.EndsAt.After(s.StartsAt):
		errs.Add(fieldOf("endsAt"), CodeInvalid, "endsAt must be after startsAt")
	case s.EndsAt.Sub(s.StartsAt) > MaxSessionLength:
		errs.Add(fieldOf("endsAt"), CodeOutOfRange, "a session lasts at most %d days", int(MaxSessionLength.Hours()/24))
	case s.EndsAt.After(now):
		errs.Add(fieldOf("endsAt"), CodeOutOfRange, "a record is of a session that has ended; announce a coming one without record")
	}
	if len(s.FeaturedDemandIds) > 0 {
		errs.Add(fieldOf("featuredDemandIds"), CodeInvalid, "a session record features no demands")
	}
}

// CheckInvitationMessage checks an invitation's message: public text, no personal data.
func CheckInvitationMessage(msg *string) error {
	var errs Errors
	checkPublicText(&errs, fieldOf("message"), msg, MaxNoteLen)
	return errs.Err()
}

// DecideInvite is who invites centers to a session: its host.
func DecideInvite(p *Principal, s *ExchangeSession) error {
	// authz: only the host center invites to its session (sessions are public, so this
	// tells nobody anything new).
	if s.HostCenterID != p.CenterID {
		return FieldErrorf(fieldOf("sessionId"), CodeForbidden, "only the host center invites to a session")
	}
	return nil
}

// CheckInvite decides whether a session takes invitations at now: not when cancelled,
// and an announcement only while it can still be joined. A record takes them at any
// time: the host names the centers that took part.
func CheckInvite(s *ExchangeSession, now time.Time) error {
	switch {
	case s.CancelledAt != nil:
		return Errorf(CodeInvalidTransition, "the session was cancelled")
	case !s.IsRecord && now.After(s.EndsAt.Add(LateRecordWindow)):
		return Errorf(CodeInvalidTransition, "the session ended more than %d days ago", int(LateRecordWindow.Hours()/24))
	}
	return nil
}

// Invitee is what the store found of a center a host invites: Found is false for an
// unknown code.
type Invitee struct {
	Found       bool
	Active      bool
	IsHost      bool
	Participant bool
	// Invitation is the center's current invitation, nil when none.
	Invitation *SessionInvitationStatus
}

// DecideInvitees checks the centers of an invitation, in input order, given how many
// more centers the session has room for. A center already invited and not yet
// answering is left as it is (a retried call changes nothing); one that declined is
// invited again.
func DecideInvitees(codes []string, found []Invitee, room int) error {
	var errs Errors
	if len(codes) == 0 || len(codes) > MaxInvitationsAtOnce {
		errs.Add(fieldOf("centerCodes"), CodeOutOfRange, "invite 1 to %d centers at a time", MaxInvitationsAtOnce)
		return errs.Err()
	}
	seen := map[string]bool{}
	fresh := 0
	for i, c := range found {
		at := fieldOf("centerCodes", itoa(i))
		code := NormalizeCenterCode(codes[i])
		switch {
		case seen[code]:
			errs.Add(at, CodeInvalid, "center %s is listed twice", code)
		case !c.Found:
			errs.Add(at, CodeNotFound, "no center has code %q", code)
		case !c.Active:
			errs.Add(at, CodeInvalid, "center %s is suspended", code)
		case c.IsHost:
			errs.Add(at, CodeInvalid, "the host takes part already")
		case c.Participant:
			errs.Add(at, CodeInvalid, "center %s takes part already", code)
		case c.Invitation == nil || *c.Invitation == InvitationDeclined:
			fresh++
		}
		seen[code] = true
	}
	if fresh > room {
		errs.Add(fieldOf("centerCodes"), CodeOutOfRange, "a session has at most %d participating and invited centers",
			MaxSessionParticipants)
	}
	return errs.Err()
}

// DecideDecline decides a center's declining of a session: inv is its invitation, nil
// when it has none. Without one the session does not exist for the caller: the answer
// is the one for an unknown session ID, so declining tells nobody whom a host invited.
func DecideDecline(s *ExchangeSession, inv *SessionInvitation, now time.Time) error {
	// authz: only an invited center declines, and only its own invitation.
	if inv == nil {
		return NoSuchSession()
	}
	switch {
	case s.CancelledAt != nil:
		return Errorf(CodeInvalidTransition, "the session was cancelled")
	case inv.Status == InvitationDeclined:
		return Errorf(CodeInvalidTransition, "the invitation is already declined")
	case inv.Status == InvitationAccepted:
		return Errorf(CodeInvalidTransition, "the center takes part in the session already")
	case !s.IsRecord && !now.Before(s.EndsAt):
		return Errorf(CodeInvalidTransition, "the session is over")
	}
	return nil
}

// DecideJoinRecord is who joins a session record: only the centers its host invited,
// since a record states who took part.
func DecideJoinRecord(p *Principal, s *ExchangeSession, invited bool) error {
	// authz: a record is joined by invitation only.
	if s.IsRecord && !invited {
		return FieldErrorf(fieldOf("sessionId"), CodeForbidden, "%s was not invited to this session record", p.CenterCode)
	}
	return nil
}

// ReferralSessionFacts are what the store found of the session a referral names.
type ReferralSessionFacts struct {
	Found                    bool
	Session                  *ExchangeSession
	OriginJoined, DestJoined bool
	OriginCode, DestCode     string
}

// DecideReferralSession checks the session a new referral came out of: one that has
// started and was not cancelled, in which both the origin and the destination took
// part. An unknown session ID is NOT_FOUND.
func DecideReferralSession(f ReferralSessionFacts, now time.Time) error {
	at := fieldOf("sessionId")
	if !f.Found {
		return NoSuchSession()
	}
	var missing []string
	if !f.OriginJoined {
		missing = append(missing, f.OriginCode)
	}
	if !f.DestJoined {
		missing = append(missing, f.DestCode)
	}
	switch {
	case f.Session.CancelledAt != nil:
		return FieldErrorf(at, CodeInvalid, "the session was cancelled")
	case now.Before(f.Session.StartsAt):
		return FieldErrorf(at, CodeInvalid, "a referral comes out of a session once it has started")
	case len(missing) > 0:
		return FieldErrorf(at, CodeInvalid, "both centers of a referral take part in its session; not taking part: %s",
			strings.Join(missing, ", "))
	}
	return nil
}
