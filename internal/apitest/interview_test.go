package apitest_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

const interviewStep = `mutation($in: UpdateReferralStatusInput!) { updateReferralStatus(input: $in) {
	referral { status interview { at place link } events { action interview { at place link } } }
	userErrors { field code message } } }`

const referralInterview = `query($id: ID!) { node(id: $id) { ... on Referral { status interview { at place link }
	events { action interview { at } } } } }`

// TestInterviewScheduledAndRescheduled: the destination schedules an interview at a
// place, then moves it online; both centers see the current one and the history.
func TestInterviewScheduledAndRescheduled(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	id, _ := refer(t, e, f.origin, referInput("001090012345", "HPG"))
	first := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
	second := first.Add(24 * time.Hour)
	schedule := func(token string, in map[string]any) *apitest.Response {
		in["referralId"], in["action"] = id, "SCHEDULE_INTERVIEW"
		return e.Do(t, token, interviewStep, map[string]any{"in": in})
	}

	r := schedule(f.dest, map[string]any{"interviewAt": first.Format(time.RFC3339)})
	if got := r.UserErrorCodes("updateReferralStatus"); len(got) != 1 || got[0] != "REQUIRED" {
		t.Fatalf("an interview without place or link: %s", r.Raw)
	}
	r = schedule(f.origin, map[string]any{"interviewAt": first.Format(time.RFC3339), "place": "KCN Đình Vũ"})
	if len(r.ErrorCodes()) == 0 && len(r.UserErrorCodes("updateReferralStatus")) == 0 {
		t.Fatalf("the origin scheduled an interview: %s", r.Raw)
	}
	r = schedule(f.dest, map[string]any{"interviewAt": first.Format(time.RFC3339), "place": "KCN Đình Vũ, nhà điều hành"})
	r.NoErrors(t)
	r = schedule(f.dest, map[string]any{"interviewAt": second.Format(time.RFC3339), "link": "https://meet.example.vn/hpg-7212"})
	r.NoErrors(t)

	for _, token := range []string{f.origin, f.dest} {
		got := e.Do(t, token, referralInterview, map[string]any{"id": id})
		got.NoErrors(t)
		if got.String(t, "node.status") != "INTERVIEW_SCHEDULED" ||
			got.String(t, "node.interview.at") != second.Format(time.RFC3339) ||
			got.String(t, "node.interview.link") != "https://meet.example.vn/hpg-7212" ||
			got.Get("node.interview.place") != nil {
			t.Fatalf("current interview: %s", got.Raw)
		}
		// Created, scheduled, rescheduled: three events, each interview kept.
		if got.Len("node.events") != 3 || got.Get("node.events.0.interview") != nil ||
			got.String(t, "node.events.1.interview.at") != first.Format(time.RFC3339) ||
			got.String(t, "node.events.2.interview.at") != second.Format(time.RFC3339) {
			t.Fatalf("interview history: %s", got.Raw)
		}
	}
	// A third center sees nothing of it.
	if got := e.Do(t, f.bnh.Token(t, "publisher"), referralInterview, map[string]any{"id": id}); got.Get("node") != nil {
		t.Fatalf("BNH sees the referral: %s", got.Raw)
	}
	// Once hired, a reschedule is refused.
	act(t, e, f.dest, id, "MARK_HIRED").NoErrors(t)
	r = schedule(f.dest, map[string]any{"interviewAt": second.Format(time.RFC3339), "place": "A"})
	if got := r.UserErrorCodes("updateReferralStatus"); len(got) != 1 || got[0] != "INVALID_TRANSITION" {
		t.Fatalf("rescheduling after the hire: %s", r.Raw)
	}
}
