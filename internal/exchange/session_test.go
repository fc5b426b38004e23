package exchange_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestSessionStatusAt(t *testing.T) {
	start := time.Date(2026, 7, 15, 1, 0, 0, 0, time.UTC)
	end := start.Add(4 * time.Hour)
	cancelled := start.Add(-48 * time.Hour)
	for _, c := range []struct {
		cancelled *time.Time
		now       time.Time
		want      exchange.ExchangeSessionStatus
	}{
		{nil, start.Add(-time.Second), exchange.SessionScheduled},
		{nil, start, exchange.SessionInProgress},
		{nil, end.Add(-time.Second), exchange.SessionInProgress},
		{nil, end, exchange.SessionCompleted},
		{&cancelled, start.Add(-time.Hour), exchange.SessionCancelled},
		{&cancelled, end.Add(time.Hour), exchange.SessionCancelled},
	} {
		if got := exchange.SessionStatusAt(c.cancelled, start, end, c.now); got != c.want {
			t.Errorf("at %s (cancelled %v): %s, want %s", c.now, c.cancelled != nil, got, c.want)
		}
	}
}

func errorMap(err error) map[string]exchange.Code {
	out := map[string]exchange.Code{}
	for _, e := range exchange.AsErrors(err) {
		out[strings.Join(e.Field, ".")] = e.Code
	}
	return out
}

func TestValidateSchedule(t *testing.T) {
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	valid := func() exchange.ScheduleExchangeSessionInput {
		province, address := "19", "Nhà văn hoá xã Chợ Mới"
		return exchange.ScheduleExchangeSessionInput{Title: "Phiên giao dịch việc làm lưu động", Mode: exchange.SessionOnSite,
			StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(28 * time.Hour), ProvinceCode: &province, Address: &address}
	}
	str := func(s string) *string { return &s }
	for _, c := range []struct {
		name   string
		change func(*exchange.ScheduleExchangeSessionInput)
		want   map[string]exchange.Code
	}{
		{"valid", func(*exchange.ScheduleExchangeSessionInput) {}, map[string]exchange.Code{}},
		{"online, no place", func(s *exchange.ScheduleExchangeSessionInput) {
			s.Mode, s.ProvinceCode, s.Address, s.OnlineURL = exchange.SessionOnline, nil, nil, str("https://meet.example.vn/a")
		}, map[string]exchange.Code{}},
		{"hybrid needs a link", func(s *exchange.ScheduleExchangeSessionInput) { s.Mode = exchange.SessionHybrid },
			map[string]exchange.Code{"onlineUrl": exchange.CodeRequired}},
		{"unknown mode", func(s *exchange.ScheduleExchangeSessionInput) { s.Mode = "RADIO" },
			map[string]exchange.Code{"mode": exchange.CodeInvalid, "onlineUrl": exchange.CodeRequired}},
		{"ftp link", func(s *exchange.ScheduleExchangeSessionInput) {
			s.Mode, s.OnlineURL = exchange.SessionHybrid, str("ftp://example.vn/x")
		}, map[string]exchange.Code{"onlineUrl": exchange.CodeInvalid}},
		{"Bắc Kạn was dissolved", func(s *exchange.ScheduleExchangeSessionInput) { s.ProvinceCode = str("06") },
			map[string]exchange.Code{"provinceCode": exchange.CodeProvinceDissolved}},
		{"starts a week and a minute ago", func(s *exchange.ScheduleExchangeSessionInput) {
			s.StartsAt, s.EndsAt = now.Add(-exchange.LateRecordWindow-time.Minute), now
		}, map[string]exchange.Code{"startsAt": exchange.CodeOutOfRange}},
		{"held yesterday, recorded today", func(s *exchange.ScheduleExchangeSessionInput) {
			s.StartsAt, s.EndsAt = now.Add(-24*time.Hour), now.Add(-20*time.Hour)
		}, map[string]exchange.Code{}},
		{"ends when it starts", func(s *exchange.ScheduleExchangeSessionInput) { s.EndsAt = s.StartsAt },
			map[string]exchange.Code{"endsAt": exchange.CodeInvalid}},
		{"a 14-day fair", func(s *exchange.ScheduleExchangeSessionInput) { s.EndsAt = s.StartsAt.Add(exchange.MaxSessionLength) },
			map[string]exchange.Code{}},
		{"15 days", func(s *exchange.ScheduleExchangeSessionInput) {
			s.EndsAt = s.StartsAt.Add(exchange.MaxSessionLength + time.Second)
		},
			map[string]exchange.Code{"endsAt": exchange.CodeOutOfRange}},
		{"50 demands", func(s *exchange.ScheduleExchangeSessionInput) { s.FeaturedDemandIds = ids(50) }, map[string]exchange.Code{}},
		{"51 demands", func(s *exchange.ScheduleExchangeSessionInput) { s.FeaturedDemandIds = ids(51) },
			map[string]exchange.Code{"featuredDemandIds": exchange.CodeOutOfRange}},
		{"a demand twice", func(s *exchange.ScheduleExchangeSessionInput) { s.FeaturedDemandIds = []string{"a", "b", "a"} },
			map[string]exchange.Code{"featuredDemandIds.2": exchange.CodeInvalid}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := valid()
			c.change(&in)
			if got := errorMap(exchange.ValidateSchedule(testCatalog(), now, in).Err()); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("errors %v, want %v", got, c.want)
			}
		})
	}
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = exchange.GlobalID(exchange.KindLaborDemand, uuid.New())
	}
	return out
}

func TestValidateOutcome(t *testing.T) {
	start := time.Date(2026, 7, 15, 1, 0, 0, 0, time.UTC)
	s := &exchange.ExchangeSession{StartsAt: start, EndsAt: start.Add(4 * time.Hour)}
	ok := exchange.RecordSessionOutcomeInput{WorkersAttending: 120, Interviewed: 60, HiredOnSpot: 25, ReferredAfter: 30}
	for _, c := range []struct {
		name   string
		change func(*exchange.RecordSessionOutcomeInput)
		want   map[string]exchange.Code
	}{
		{"consistent", func(*exchange.RecordSessionOutcomeInput) {}, map[string]exchange.Code{}},
		{"all zero", func(o *exchange.RecordSessionOutcomeInput) { *o = exchange.RecordSessionOutcomeInput{} }, map[string]exchange.Code{}},
		{"everyone hired", func(o *exchange.RecordSessionOutcomeInput) { o.Interviewed, o.HiredOnSpot = 120, 120 }, map[string]exchange.Code{}},
		{"negative", func(o *exchange.RecordSessionOutcomeInput) { o.ReferredAfter = -1 },
			map[string]exchange.Code{"referredAfter": exchange.CodeOutOfRange}},
		{"too many", func(o *exchange.RecordSessionOutcomeInput) { o.WorkersAttending = exchange.MaxSessionCount + 1 },
			map[string]exchange.Code{"workersAttending": exchange.CodeOutOfRange}},
		{"more interviewed than attending", func(o *exchange.RecordSessionOutcomeInput) { o.Interviewed = 121 },
			map[string]exchange.Code{"interviewed": exchange.CodeInvalid}},
		{"hired without interview", func(o *exchange.RecordSessionOutcomeInput) { o.HiredOnSpot = 61 },
			map[string]exchange.Code{"hiredOnSpot": exchange.CodeInvalid}},
		{"referred more than attended", func(o *exchange.RecordSessionOutcomeInput) { o.ReferredAfter = 121 },
			map[string]exchange.Code{"referredAfter": exchange.CodeInvalid}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.change(&in)
			if got := errorMap(exchange.ValidateOutcome(s, in, start.Add(time.Hour))); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("errors %v, want %v", got, c.want)
			}
		})
	}
	t.Run("not before the start", func(t *testing.T) {
		if got := exchange.ErrorCode(exchange.ValidateOutcome(s, ok, start.Add(-time.Second))); got != exchange.CodeInvalidTransition {
			t.Errorf("before the start: %s", got)
		}
	})
	t.Run("weeks later, referrals still counted", func(t *testing.T) {
		if err := exchange.ValidateOutcome(s, ok, start.AddDate(0, 1, 0)); err != nil {
			t.Error(err)
		}
	})
	t.Run("not when cancelled", func(t *testing.T) {
		cancelled := *s
		at := start.Add(-time.Hour)
		cancelled.CancelledAt = &at
		if got := exchange.ErrorCode(exchange.ValidateOutcome(&cancelled, ok, start.Add(time.Hour))); got != exchange.CodeInvalidTransition {
			t.Errorf("cancelled: %s", got)
		}
	})
}

func TestCheckJoinAndCancel(t *testing.T) {
	start := time.Date(2026, 7, 15, 1, 0, 0, 0, time.UTC)
	s := &exchange.ExchangeSession{StartsAt: start, EndsAt: start.Add(4 * time.Hour)}
	if err := exchange.CheckJoin(s, 1, s.EndsAt.Add(exchange.LateRecordWindow)); err != nil {
		t.Errorf("joining a week after the end: %v", err)
	}
	if got := exchange.ErrorCode(exchange.CheckJoin(s, 1, s.EndsAt.Add(exchange.LateRecordWindow+time.Second))); got != exchange.CodeInvalidTransition {
		t.Errorf("joining later: %s", got)
	}
	if got := exchange.ErrorCode(exchange.CheckJoin(s, exchange.MaxSessionParticipants, start)); got != exchange.CodeOutOfRange {
		t.Errorf("the 101st center: %s", got)
	}
	if err := exchange.CheckCancel(s, start.Add(-time.Second)); err != nil {
		t.Errorf("cancelling before the start: %v", err)
	}
	if got := exchange.ErrorCode(exchange.CheckCancel(s, start)); got != exchange.CodeInvalidTransition {
		t.Errorf("cancelling at the start: %s", got)
	}
}

func TestTotalsOf(t *testing.T) {
	sid := uuid.New()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	parts := []*exchange.SessionParticipant{
		exchange.NewSessionParticipant(sid, a, true, time.Now(), &exchange.SessionOutcome{WorkersAttending: 80, Interviewed: 40, ReferredAfter: 15}),
		exchange.NewSessionParticipant(sid, b, false, time.Now(), &exchange.SessionOutcome{WorkersAttending: 120, Interviewed: 60, HiredOnSpot: 25, ReferredAfter: 30}),
		exchange.NewSessionParticipant(sid, c, false, time.Now(), nil),
	}
	want := exchange.SessionTotals{ParticipatingCenters: 3, ReportingCenters: 2, WorkersAttending: 200, Interviewed: 100, HiredOnSpot: 25, ReferredAfter: 45}
	if got := *exchange.TotalsOf(parts); got != want {
		t.Errorf("totals %+v, want %+v", got, want)
	}
}
