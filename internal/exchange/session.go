package exchange

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SessionMode is how workers take part in a job-exchange session.
type SessionMode string

const (
	SessionOnline SessionMode = "ONLINE"
	SessionOnSite SessionMode = "ON_SITE"
	SessionHybrid SessionMode = "HYBRID"
)

// ExchangeSessionStatus is read from the clock and the cancellation, never stored, so
// nothing has to sweep sessions from SCHEDULED to COMPLETED.
type ExchangeSessionStatus string

const (
	SessionScheduled  ExchangeSessionStatus = "SCHEDULED"
	SessionInProgress ExchangeSessionStatus = "IN_PROGRESS"
	SessionCompleted  ExchangeSessionStatus = "COMPLETED"
	SessionCancelled  ExchangeSessionStatus = "CANCELLED"
)

// Limits of a session (DESIGN §2, ExchangeSession).
const (
	// MaxFeaturedDemands is how many demands one session features, all centers together.
	MaxFeaturedDemands = 50
	// MaxSessionParticipants bounds the centers in one session, the host included.
	MaxSessionParticipants = 100
	// MaxSessionLength is the longest session: a multi-day job fair.
	MaxSessionLength = 14 * 24 * time.Hour
	// MaxScheduleAhead is how far ahead a session may be announced.
	MaxScheduleAhead = 366 * 24 * time.Hour
	// LateRecordWindow lets a center record a session it held at short notice (a mobile
	// session arranged by phone) after the fact: a session may start up to this long
	// before it is scheduled, and centers may join it up to this long after it ended.
	LateRecordWindow = 7 * 24 * time.Hour
	// MaxSessionCount bounds each outcome count.
	MaxSessionCount = 100000
	MaxURLLen       = 500
)

// ExchangeSession is a job-exchange session (phiên giao dịch việc làm) hosted by one
// center and joined by others. It is an announcement: every center sees it.
type ExchangeSession struct {
	ID           uuid.UUID   `db:"id"`
	HostCenterID uuid.UUID   `db:"host_center_id"`
	Title        string      `db:"title"`
	Description  *string     `db:"description"`
	Mode         SessionMode `db:"mode"`
	StartsAt     time.Time   `db:"starts_at"`
	EndsAt       time.Time   `db:"ends_at"`
	ProvinceCode *string     `db:"province_code"`
	Address      *string     `db:"address"`
	OnlineURL    *string     `db:"online_url"`
	CancelledAt  *time.Time  `db:"cancelled_at"`
	CancelReason *string     `db:"cancel_reason"`
	// IsRecord: a session of the past recorded as history, not an announcement.
	IsRecord  bool      `db:"is_record"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	Version   int       `db:"version"`
	// Status is derived (SetStatus).
	Status ExchangeSessionStatus `db:"-"`
}

// SessionStatusAt is a session's status at now.
func SessionStatusAt(cancelledAt *time.Time, startsAt, endsAt, now time.Time) ExchangeSessionStatus {
	switch {
	case cancelledAt != nil:
		return SessionCancelled
	case now.Before(startsAt):
		return SessionScheduled
	case now.Before(endsAt):
		return SessionInProgress
	}
	return SessionCompleted
}

// SetStatus derives the status at now.
func (s *ExchangeSession) SetStatus(now time.Time) {
	s.Status = SessionStatusAt(s.CancelledAt, s.StartsAt, s.EndsAt, now)
}

// SessionParticipant is a center taking part in a session, the host included, with
// its outcome once it recorded one.
type SessionParticipant struct {
	SessionID uuid.UUID
	CenterID  uuid.UUID
	IsHost    bool
	JoinedAt  time.Time
	outcome   *SessionOutcome
}

// NewSessionParticipant returns a participant with its outcome (nil when none yet).
func NewSessionParticipant(sessionID, centerID uuid.UUID, isHost bool, joinedAt time.Time, o *SessionOutcome) *SessionParticipant {
	return &SessionParticipant{SessionID: sessionID, CenterID: centerID, IsHost: isHost, JoinedAt: joinedAt, outcome: o}
}

// Outcome is what the participant recorded, nil before it recorded anything.
func (p *SessionParticipant) Outcome() *SessionOutcome { return p.outcome }

// SessionReferral is a referral made from an exchange session, as a session outcome
// names it: by ID, with the center that made it.
type SessionReferral struct {
	SessionID      uuid.UUID `db:"session_id"`
	ID             uuid.UUID `db:"id"`
	OriginCenterID uuid.UUID `db:"origin_center_id"`
}

// SessionOutcome is what one participating center reports of a session: counts only,
// never people.
type SessionOutcome struct {
	SessionID        uuid.UUID
	CenterID         uuid.UUID
	WorkersAttending int
	Interviewed      int
	HiredOnSpot      int
	ReferredAfter    int
	// ReferralCount is how many referrals the center made from the session in laborx.
	ReferralCount int
	// Notes are shown to the recording center and the host only (nil to others).
	Notes      *string
	RecordedAt time.Time
	UpdatedAt  time.Time
}

// SessionTotals adds up a session's outcomes.
type SessionTotals struct {
	ParticipatingCenters int
	ReportingCenters     int
	WorkersAttending     int
	Interviewed          int
	HiredOnSpot          int
	ReferredAfter        int
}

// TotalsOf adds up the outcomes of a session's participants.
func TotalsOf(participants []*SessionParticipant) *SessionTotals {
	t := &SessionTotals{ParticipatingCenters: len(participants)}
	for _, p := range participants {
		o := p.Outcome()
		if o == nil {
			continue
		}
		t.ReportingCenters++
		t.WorkersAttending += o.WorkersAttending
		t.Interviewed += o.Interviewed
		t.HiredOnSpot += o.HiredOnSpot
		t.ReferredAfter += o.ReferredAfter
	}
	return t
}

// ScheduleExchangeSessionInput announces a session hosted by the caller's center.
type ScheduleExchangeSessionInput struct {
	IdempotencyKey    *string     `json:"-"`
	Title             string      `json:"title"`
	Description       *string     `json:"description"`
	Mode              SessionMode `json:"mode"`
	StartsAt          time.Time   `json:"startsAt"`
	EndsAt            time.Time   `json:"endsAt"`
	ProvinceCode      *string     `json:"provinceCode"`
	Address           *string     `json:"address"`
	OnlineURL         *string     `json:"onlineUrl"`
	FeaturedDemandIds []string    `json:"featuredDemandIds"`
	// Record: a session held in the past, recorded as history (session_invitation.go).
	Record *bool `json:"record"`
}

// IsRecord reports whether the input records a past session.
func (s ScheduleExchangeSessionInput) IsRecord() bool { return s.Record != nil && *s.Record }

// JoinExchangeSessionInput adds the caller's center to a session, optionally featuring
// some of its own open demands.
type JoinExchangeSessionInput struct {
	SessionID         string
	FeaturedDemandIds []string
	ExpectedVersion   *int
}

// RecordSessionOutcomeInput records (or corrects) the caller's center's outcome.
type RecordSessionOutcomeInput struct {
	SessionID string
	// CenterCode, when given, must be the caller's own center: a center reports only
	// its own outcome.
	CenterCode       *string
	WorkersAttending int
	Interviewed      int
	HiredOnSpot      int
	ReferredAfter    int
	Notes            *string
	ExpectedVersion  *int
}

// CancelExchangeSessionInput cancels a session that has not started.
type CancelExchangeSessionInput struct {
	SessionID       string
	Reason          *string
	ExpectedVersion *int
}

// ExchangeSessionFilter narrows the list of sessions; every given condition must hold.
type ExchangeSessionFilter struct {
	HostCenterCodes        []string
	ParticipantCenterCodes []string
	ProvinceCodes          []string
	Modes                  []SessionMode
	Statuses               []ExchangeSessionStatus
	StartsFrom             *time.Time
	StartsBefore           *time.Time
	Text                   *string
	// IsRecord keeps records (true) or announcements (false).
	IsRecord *bool
	// InvitationStatuses keeps sessions to which the caller's center has an invitation
	// in one of these statuses.
	InvitationStatuses []SessionInvitationStatus
}

// ExchangeSessionOrder orders the list of sessions.
type ExchangeSessionOrder string

const (
	SessionOrderStartsAt     ExchangeSessionOrder = "STARTS_AT"
	SessionOrderStartsAtDesc ExchangeSessionOrder = "STARTS_AT_DESC"
)

// ExchangeSessionService schedules sessions, lets centers join them and record their
// outcomes. Every method takes the caller from ctx.
type ExchangeSessionService interface {
	ExchangeSession(ctx context.Context, id uuid.UUID) (*ExchangeSession, error)
	ExchangeSessions(ctx context.Context, f ExchangeSessionFilter, order ExchangeSessionOrder, page PageArgs) (*Page[*ExchangeSession], error)
	// SessionParticipants and SessionDemands batch the nested lists of many sessions.
	SessionParticipants(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID][]*SessionParticipant, error)
	SessionDemands(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID][]*LaborDemand, error)
	ScheduleExchangeSession(ctx context.Context, in ScheduleExchangeSessionInput) (*ExchangeSession, error)
	JoinExchangeSession(ctx context.Context, in JoinExchangeSessionInput) (*ExchangeSession, error)
	RecordSessionOutcome(ctx context.Context, in RecordSessionOutcomeInput) (*ExchangeSession, *SessionOutcome, error)
	CancelExchangeSession(ctx context.Context, in CancelExchangeSessionInput) (*ExchangeSession, error)
	InviteToExchangeSession(ctx context.Context, in InviteToExchangeSessionInput) (*ExchangeSession, []*SessionInvitation, error)
	DeclineExchangeSession(ctx context.Context, in DeclineExchangeSessionInput) (*ExchangeSession, *SessionInvitation, error)
	// SessionInvitations are the invitations of sessions the caller may read: all of
	// them for the host and operators, its own for an invited center.
	SessionInvitations(ctx context.Context, sessionID uuid.UUID) ([]*SessionInvitation, error)
}

// ValidateSchedule checks a new session's fields at now. Whether the featured demands
// exist, are open and visible to the host is for the store to check.
func ValidateSchedule(cat *Catalog, now time.Time, s ScheduleExchangeSessionInput) Errors {
	var errs Errors
	checkRequiredText(&errs, fieldOf("title"), s.Title, MaxTitleLen)
	checkNoPersonalData(&errs, fieldOf("title"), &s.Title)
	checkPublicText(&errs, fieldOf("description"), s.Description, MaxDescriptionLen)
	checkPublicText(&errs, fieldOf("address"), s.Address, MaxAddressLen)
	place := s.Address != nil && strings.TrimSpace(*s.Address) != ""
	link := s.OnlineURL != nil && strings.TrimSpace(*s.OnlineURL) != ""
	province := s.ProvinceCode != nil && strings.TrimSpace(*s.ProvinceCode) != ""
	switch s.Mode {
	case SessionOnline, SessionOnSite, SessionHybrid:
	default:
		errs.Add(fieldOf("mode"), CodeInvalid, "mode must be ONLINE, ON_SITE or HYBRID")
	}
	if s.Mode != SessionOnline {
		if !place {
			errs.Add(fieldOf("address"), CodeRequired, "a session held at a place needs its address")
		}
		if !province {
			errs.Add(fieldOf("provinceCode"), CodeRequired, "a session held at a place needs its province")
		}
	}
	if s.Mode == SessionOnSite && link {
		errs.Add(fieldOf("onlineUrl"), CodeInvalid, "an ON_SITE session has no online link; use HYBRID")
	}
	if s.Mode != SessionOnSite && !link {
		errs.Add(fieldOf("onlineUrl"), CodeRequired, "an online session needs its link")
	}
	if link {
		checkURL(&errs, fieldOf("onlineUrl"), *s.OnlineURL)
	}
	if province {
		if err := cat.CheckPostingProvince(fieldOf("provinceCode"), *s.ProvinceCode); err != nil {
			errs = append(errs, err.(*Error))
		}
	}
	if s.IsRecord() {
		checkRecordTimes(&errs, now, s)
	} else {
		checkSessionTimes(&errs, now, s.StartsAt, s.EndsAt)
	}
	checkFeaturedCount(&errs, s.FeaturedDemandIds, 0)
	return errs
}

func checkURL(errs *Errors, field []string, s string) {
	s = strings.TrimSpace(s)
	if len(s) > MaxURLLen {
		errs.Add(field, CodeTooLong, "%s is longer than %d characters", field[len(field)-1], MaxURLLen)
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs.Add(field, CodeInvalid, "%s must be an http or https link", field[len(field)-1])
	}
}

func checkSessionTimes(errs *Errors, now, startsAt, endsAt time.Time) {
	switch {
	case startsAt.Before(now.Add(-LateRecordWindow)):
		errs.Add(fieldOf("startsAt"), CodeOutOfRange, "startsAt may be at most %d days in the past", int(LateRecordWindow.Hours()/24))
	case startsAt.After(now.Add(MaxScheduleAhead)):
		errs.Add(fieldOf("startsAt"), CodeOutOfRange, "startsAt may be at most a year ahead")
	}
	switch {
	case !endsAt.After(startsAt):
		errs.Add(fieldOf("endsAt"), CodeInvalid, "endsAt must be after startsAt")
	case endsAt.Sub(startsAt) > MaxSessionLength:
		errs.Add(fieldOf("endsAt"), CodeOutOfRange, "a session lasts at most %d days", int(MaxSessionLength.Hours()/24))
	}
}

// checkFeaturedCount checks that a session will feature at most MaxFeaturedDemands
// demands once ids are added to the `already` it has.
func checkFeaturedCount(errs *Errors, ids []string, already int) {
	if already+len(ids) > MaxFeaturedDemands {
		errs.Add(fieldOf("featuredDemandIds"), CodeOutOfRange, "a session features at most %d demands (it has %d)",
			MaxFeaturedDemands, already)
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			errs.Add(fieldOf("featuredDemandIds", itoa(i)), CodeInvalid, "the demand is listed twice")
		}
		seen[id] = true
	}
}

// CheckFeaturedCount is the limit on featured demands for a join, given how many the
// session features already.
func CheckFeaturedCount(ids []string, already int) error {
	var errs Errors
	checkFeaturedCount(&errs, ids, already)
	return errs.Err()
}

// CheckJoin decides whether a center may join a session at now. A record is joined at
// any time (by invitation: DecideJoinRecord).
func CheckJoin(s *ExchangeSession, participants int, now time.Time) error {
	switch {
	case s.CancelledAt != nil:
		return Errorf(CodeInvalidTransition, "the session was cancelled")
	case !s.IsRecord && now.After(s.EndsAt.Add(LateRecordWindow)):
		return Errorf(CodeInvalidTransition, "the session ended more than %d days ago", int(LateRecordWindow.Hours()/24))
	case participants >= MaxSessionParticipants:
		return Errorf(CodeOutOfRange, "a session has at most %d participating centers", MaxSessionParticipants)
	}
	return nil
}

// CheckCancel decides whether a session may be cancelled at now: only before it starts.
func CheckCancel(s *ExchangeSession, now time.Time) error {
	switch SessionStatusAt(s.CancelledAt, s.StartsAt, s.EndsAt, now) {
	case SessionCancelled:
		return Errorf(CodeInvalidTransition, "the session is already cancelled")
	case SessionInProgress, SessionCompleted:
		return Errorf(CodeInvalidTransition, "a session that has started cannot be cancelled")
	}
	return nil
}

// ValidateOutcome checks an outcome's counts and that the session can have outcomes
// at now: it has started and was not cancelled. Counts are consistent: nobody is hired
// on the spot without an interview, interviewed without attending, or referred
// afterwards without having attended.
func ValidateOutcome(s *ExchangeSession, o RecordSessionOutcomeInput, now time.Time) error {
	switch SessionStatusAt(s.CancelledAt, s.StartsAt, s.EndsAt, now) {
	case SessionCancelled:
		return Errorf(CodeInvalidTransition, "a cancelled session has no outcome")
	case SessionScheduled:
		return Errorf(CodeInvalidTransition, "outcomes are recorded once the session has started (at %s)",
			s.StartsAt.UTC().Format(time.RFC3339))
	}
	var errs Errors
	counts := []struct {
		name string
		n    int
	}{{"workersAttending", o.WorkersAttending}, {"interviewed", o.Interviewed},
		{"hiredOnSpot", o.HiredOnSpot}, {"referredAfter", o.ReferredAfter}}
	bad := false
	for _, c := range counts {
		if c.n < 0 || c.n > MaxSessionCount {
			errs.Add(fieldOf(c.name), CodeOutOfRange, "%s must be between 0 and %d", c.name, MaxSessionCount)
			bad = true
		}
	}
	if !bad {
		if o.Interviewed > o.WorkersAttending {
			errs.Add(fieldOf("interviewed"), CodeInvalid, "interviewed (%d) exceeds workersAttending (%d)",
				o.Interviewed, o.WorkersAttending)
		}
		if o.HiredOnSpot > o.Interviewed {
			errs.Add(fieldOf("hiredOnSpot"), CodeInvalid, "hiredOnSpot (%d) exceeds interviewed (%d)",
				o.HiredOnSpot, o.Interviewed)
		}
		if o.ReferredAfter > o.WorkersAttending {
			errs.Add(fieldOf("referredAfter"), CodeInvalid, "referredAfter (%d) exceeds workersAttending (%d)",
				o.ReferredAfter, o.WorkersAttending)
		}
	}
	checkPublicText(&errs, fieldOf("notes"), o.Notes, MaxNoteLen)
	return errs.Err()
}
