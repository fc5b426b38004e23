package exchange_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestValidateScheduleRecord(t *testing.T) {
	cat := testCatalog()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	yes := true
	base := func(start time.Time) exchange.ScheduleExchangeSessionInput {
		addr, prov := "Nhà văn hoá xã Chợ Mới", "19"
		return exchange.ScheduleExchangeSessionInput{Title: "Phiên lưu động Chợ Mới", Mode: exchange.SessionOnSite,
			StartsAt: start, EndsAt: start.Add(4 * time.Hour), Address: &addr, ProvinceCode: &prov, Record: &yes}
	}
	for name, c := range map[string]struct {
		in   exchange.ScheduleExchangeSessionInput
		want []string
	}{
		"OK 2020 record":   {base(time.Date(2020, 6, 12, 7, 30, 0, 0, time.UTC)), nil},
		"OK first of 2015": {base(exchange.RecordsSince), nil},
		"ErrBefore2015":    {base(time.Date(2014, 12, 31, 7, 0, 0, 0, time.UTC)), []string{"startsAt:OUT_OF_RANGE"}},
		"ErrNotEnded":      {base(now.Add(-time.Hour)), []string{"endsAt:OUT_OF_RANGE"}},
		"ErrFeatures": {func() exchange.ScheduleExchangeSessionInput {
			in := base(time.Date(2020, 6, 12, 7, 30, 0, 0, time.UTC))
			in.FeaturedDemandIds = []string{"x"}
			return in
		}(), []string{"featuredDemandIds:INVALID"}},
		// Without record, the announcement rules stand: at most 7 days back.
		"ErrAnnouncementIn2020": {func() exchange.ScheduleExchangeSessionInput {
			in := base(time.Date(2020, 6, 12, 7, 30, 0, 0, time.UTC))
			in.Record = nil
			return in
		}(), []string{"startsAt:OUT_OF_RANGE"}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, e := range exchange.ValidateSchedule(cat, now, c.in) {
				got = append(got, e.Field[len(e.Field)-1]+":"+string(e.Code))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("errors = %v, want %v", got, c.want)
			}
		})
	}
}

func TestDecideInvitees(t *testing.T) {
	invited, declined := exchange.InvitationInvited, exchange.InvitationDeclined
	ok := exchange.Invitee{Found: true, Active: true}
	for name, c := range map[string]struct {
		codes []string
		found []exchange.Invitee
		room  int
		want  []string
	}{
		"OK":                    {[]string{"HPG", "BNH"}, []exchange.Invitee{ok, ok}, 10, nil},
		"OK pending re-invited": {[]string{"HPG"}, []exchange.Invitee{{Found: true, Active: true, Invitation: &invited}}, 0, nil},
		"OK declined again":     {[]string{"HPG"}, []exchange.Invitee{{Found: true, Active: true, Invitation: &declined}}, 1, nil},
		"ErrNone":               {nil, nil, 10, []string{"centerCodes:OUT_OF_RANGE"}},
		"ErrEach": {[]string{"XXX", "SUS", "TNG", "HPG", "hpg"}, []exchange.Invitee{{}, {Found: true},
			{Found: true, Active: true, IsHost: true}, {Found: true, Active: true, Participant: true}, {Found: true, Active: true}}, 10,
			[]string{"centerCodes.0:NOT_FOUND", "centerCodes.1:INVALID", "centerCodes.2:INVALID", "centerCodes.3:INVALID",
				"centerCodes.4:INVALID"}},
		"ErrFull": {[]string{"HPG", "BNH"}, []exchange.Invitee{ok, ok}, 1, []string{"centerCodes:OUT_OF_RANGE"}},
	} {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, e := range exchange.AsErrors(exchange.DecideInvitees(c.codes, c.found, c.room)) {
				f := e.Field[0]
				if len(e.Field) > 1 {
					f += "." + e.Field[1]
				}
				got = append(got, f+":"+string(e.Code))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("errors = %v, want %v", got, c.want)
			}
		})
	}
}

func TestDecideDecline(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	coming := &exchange.ExchangeSession{StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(28 * time.Hour)}
	over := &exchange.ExchangeSession{StartsAt: now.Add(-28 * time.Hour), EndsAt: now.Add(-24 * time.Hour)}
	record := &exchange.ExchangeSession{StartsAt: now.AddDate(-6, 0, 0), EndsAt: now.AddDate(-6, 0, 0).Add(time.Hour), IsRecord: true}
	cancelled := &exchange.ExchangeSession{StartsAt: coming.StartsAt, EndsAt: coming.EndsAt, CancelledAt: &now}
	inv := func(s exchange.SessionInvitationStatus) *exchange.SessionInvitation {
		return &exchange.SessionInvitation{Status: s}
	}
	for name, c := range map[string]struct {
		s    *exchange.ExchangeSession
		inv  *exchange.SessionInvitation
		want exchange.Code
	}{
		"OK":                {coming, inv(exchange.InvitationInvited), ""},
		"OK record":         {record, inv(exchange.InvitationInvited), ""},
		"ErrNotInvited":     {coming, nil, exchange.CodeNotFound},
		"ErrDeclinedTwice":  {coming, inv(exchange.InvitationDeclined), exchange.CodeInvalidTransition},
		"ErrJoined":         {coming, inv(exchange.InvitationAccepted), exchange.CodeInvalidTransition},
		"ErrOver":           {over, inv(exchange.InvitationInvited), exchange.CodeInvalidTransition},
		"ErrCancelled":      {cancelled, inv(exchange.InvitationInvited), exchange.CodeInvalidTransition},
		"ErrCancelledUninv": {cancelled, nil, exchange.CodeNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			if got := codeOf(exchange.DecideDecline(c.s, c.inv, now)); got != c.want {
				t.Errorf("code = %q, want %q", got, c.want)
			}
		})
	}
	// No invitation reads exactly like no session: same code, field and message.
	a, b := exchange.DecideDecline(coming, nil, now), exchange.NoSuchSession()
	if a.Error() != b.Error() || !slices.Equal(exchange.AsErrors(a)[0].Field, b.Field) {
		t.Errorf("not invited = %v, unknown session = %v", a, b)
	}
}

func TestDecideReferralSession(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	started := &exchange.ExchangeSession{ID: uuid.New(), StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)}
	coming := &exchange.ExchangeSession{ID: uuid.New(), StartsAt: now.Add(time.Hour), EndsAt: now.Add(2 * time.Hour)}
	cancelled := &exchange.ExchangeSession{ID: uuid.New(), StartsAt: started.StartsAt, EndsAt: started.EndsAt, CancelledAt: &now}
	for name, c := range map[string]struct {
		f    exchange.ReferralSessionFacts
		want exchange.Code
	}{
		"OK":             {exchange.ReferralSessionFacts{Found: true, Session: started, OriginJoined: true, DestJoined: true}, ""},
		"ErrUnknown":     {exchange.ReferralSessionFacts{}, exchange.CodeNotFound},
		"ErrDestMissing": {exchange.ReferralSessionFacts{Found: true, Session: started, OriginJoined: true}, exchange.CodeInvalid},
		"ErrOriginMissing": {exchange.ReferralSessionFacts{Found: true, Session: started, DestJoined: true},
			exchange.CodeInvalid},
		"ErrNotStarted": {exchange.ReferralSessionFacts{Found: true, Session: coming, OriginJoined: true, DestJoined: true},
			exchange.CodeInvalid},
		"ErrCancelled": {exchange.ReferralSessionFacts{Found: true, Session: cancelled, OriginJoined: true, DestJoined: true},
			exchange.CodeInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			if got := codeOf(exchange.DecideReferralSession(c.f, now)); got != c.want {
				t.Errorf("code = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCheckJoinAndInviteRecord(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	old := time.Date(2020, 6, 12, 7, 0, 0, 0, time.UTC)
	record := &exchange.ExchangeSession{StartsAt: old, EndsAt: old.Add(4 * time.Hour), IsRecord: true}
	announced := &exchange.ExchangeSession{StartsAt: old, EndsAt: old.Add(4 * time.Hour)}
	if err := exchange.CheckJoin(record, 3, now); err != nil {
		t.Errorf("joining a 2020 record: %v", err)
	}
	if err := exchange.CheckInvite(record, now); err != nil {
		t.Errorf("inviting to a 2020 record: %v", err)
	}
	if exchange.ErrorCode(exchange.CheckJoin(announced, 3, now)) != exchange.CodeInvalidTransition ||
		exchange.ErrorCode(exchange.CheckInvite(announced, now)) != exchange.CodeInvalidTransition {
		t.Errorf("an announcement of 2020 is past joining and inviting")
	}
	p := &exchange.Principal{CenterCode: "HPG"}
	if exchange.ErrorCode(exchange.DecideJoinRecord(p, record, false)) != exchange.CodeForbidden ||
		exchange.DecideJoinRecord(p, record, true) != nil || exchange.DecideJoinRecord(p, announced, false) != nil {
		t.Errorf("DecideJoinRecord: a record by invitation only, an announcement to all")
	}
}
