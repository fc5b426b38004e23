package exchange_test

import (
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestDecideInterview(t *testing.T) {
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	at := now.AddDate(0, 0, 7)
	far := now.AddDate(2, 0, 0)
	for _, tc := range []struct {
		name   string
		action exchange.ReferralAction
		step   exchange.ReferralStep
		want   string
	}{
		{"nothing", exchange.ReferralScheduleInterview, exchange.ReferralStep{}, ""},
		{"place", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &at, Place: str("KCN Đình Vũ, nhà A")}, ""},
		{"link", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &at, Link: str("https://meet.example.vn/x")}, ""},
		{"neither", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &at}, "place REQUIRED"},
		{"no time", exchange.ReferralScheduleInterview, exchange.ReferralStep{Place: str("A")}, "interviewAt REQUIRED"},
		{"too far", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &far, Place: str("A")}, "interviewAt OUT_OF_RANGE"},
		{"bad link", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &at, Link: str("ftp://x")}, "link INVALID"},
		{"long place", exchange.ReferralScheduleInterview, exchange.ReferralStep{InterviewAt: &at, Place: str(strings.Repeat("a", 501))}, "place TOO_LONG"},
		{"other action", exchange.ReferralMarkHired, exchange.ReferralStep{InterviewAt: &at, Place: str("A")}, "interviewAt INVALID"},
	} {
		var got string
		if es := exchange.AsErrors(exchange.DecideInterview(tc.action, tc.step, now)); len(es) > 0 {
			got = es[0].Field[0] + " " + string(es[0].Code)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDecideReferralStep_Reschedule(t *testing.T) {
	at := time.Now()
	with := exchange.ReferralStep{InterviewAt: &at}
	for _, tc := range []struct {
		name string
		step exchange.ReferralStep
		side exchange.ReferralSide
		want string
	}{
		{"reschedule", with, exchange.SideDestination, "INTERVIEW_SCHEDULED"},
		{"by the origin", with, exchange.SideOrigin, "!FORBIDDEN"},
		{"again without a time", exchange.ReferralStep{}, exchange.SideDestination, "!INVALID_TRANSITION"},
	} {
		to, err := exchange.DecideReferralStep(exchange.ReferralInterviewScheduled, exchange.ReferralScheduleInterview, tc.step, tc.side, pubA)
		if got := outcome(to, err); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}
