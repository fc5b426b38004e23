package apitest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

const (
	inviteSession = `mutation($in: InviteToExchangeSessionInput!) { inviteToExchangeSession(input: $in) {
		exchangeSession { id version } invitations { center { code } status message }
		userErrors { field message code } } }`
	declineSession = `mutation($in: DeclineExchangeSessionInput!) { declineExchangeSession(input: $in) {
		invitation { center { code } status declineReason respondedAt } userErrors { field message code } } }`
	sessionInvitations = `query($id: ID!) { node(id: $id) { ... on ExchangeSession { isRecord
		invitations { center { code } status }
		outcomes { center { code } referralCount referralIds } } } }`
)

// The story of issue 13's point 4, through HTTP with real tokens: Thái Nguyên hosts a
// session and invites Hải Phòng and Bắc Ninh; Bắc Ninh declines, Hải Phòng joins, and
// a worker met there is referred to Hải Phòng with the session named. Invitations stay
// between the host and each invited center.
func TestSessionInvitations(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	hni := e.AddCenter(t, "HNI", "01")
	tng, hpg, bnh, other := f.origin, f.dest, f.bnh.Token(t, "publisher"), hni.Token(t, "publisher")
	sess := mustSchedule(t, e, tng, startedSession(nil))

	r := e.Do(t, tng, inviteSession, map[string]any{"in": map[string]any{"sessionId": sess,
		"centerCodes": []string{"HPG", "bnh"}, "message": "Mời trung tâm tham gia tuyển thợ hàn"}})
	r.NoErrors(t)
	if r.Len("inviteToExchangeSession.invitations") != 2 || r.Get("inviteToExchangeSession.invitations.1.status") != "INVITED" {
		t.Fatalf("invite: %s", r.Raw)
	}
	// A retry changes nothing; bad codes are refused one by one.
	r = e.Do(t, tng, inviteSession, map[string]any{"in": map[string]any{"sessionId": sess, "centerCodes": []string{"HPG"}}})
	r.NoErrors(t)
	r = e.Do(t, tng, inviteSession, map[string]any{"in": map[string]any{"sessionId": sess, "centerCodes": []string{"XXX", "TNG"}}})
	if got := codesAt(r, "inviteToExchangeSession"); got["input.centerCodes.0"] != "NOT_FOUND" || got["input.centerCodes.1"] != "INVALID" {
		t.Errorf("bad codes: %s", r.Raw)
	}
	r = e.Do(t, hpg, inviteSession, map[string]any{"in": map[string]any{"sessionId": sess, "centerCodes": []string{"HNI"}}})
	if !slices.Equal(r.UserErrorCodes("inviteToExchangeSession"), []string{"FORBIDDEN"}) {
		t.Errorf("a guest invites: %s", r.Raw)
	}

	// Each invited center sees its own invitation, the host all, anyone else none.
	for _, c := range []struct {
		token string
		want  []string
	}{{tng, []string{"BNH", "HPG"}}, {hpg, []string{"HPG"}}, {bnh, []string{"BNH"}}, {other, nil}} {
		r := e.Do(t, c.token, sessionInvitations, map[string]any{"id": sess})
		r.NoErrors(t)
		var got []string
		for _, x := range r.Get("node.invitations").([]any) {
			got = append(got, x.(map[string]any)["center"].(map[string]any)["code"].(string))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("invitations seen = %v, want %v", got, c.want)
		}
	}
	r = e.Do(t, hpg, `{ exchangeSessions(filter: {invitationStatuses: [INVITED]}) { edges { node { id } } } }`, nil)
	r.NoErrors(t)
	if r.Len("exchangeSessions.edges") != 1 || r.Get("exchangeSessions.edges.0.node.id") != sess {
		t.Errorf("sessions HPG is invited to: %s", r.Raw)
	}

	// Declining: once; a center that was not invited reads exactly as an unknown session.
	r = e.Do(t, bnh, declineSession, map[string]any{"in": map[string]any{"sessionId": sess, "reason": "trùng lịch"}})
	r.NoErrors(t)
	if r.Get("declineExchangeSession.invitation.status") != "DECLINED" || r.Get("declineExchangeSession.invitation.declineReason") != "trùng lịch" {
		t.Errorf("decline: %s", r.Raw)
	}
	r = e.Do(t, bnh, declineSession, map[string]any{"in": map[string]any{"sessionId": sess}})
	if !slices.Equal(r.UserErrorCodes("declineExchangeSession"), []string{"INVALID_TRANSITION"}) {
		t.Errorf("decline twice: %s", r.Raw)
	}
	uninvited := e.Do(t, other, declineSession, map[string]any{"in": map[string]any{"sessionId": sess, "expectedVersion": 99}})
	unknown := e.Do(t, other, declineSession, map[string]any{"in": map[string]any{
		"sessionId": exchange.GlobalID(exchange.KindExchangeSession, uuid.New()), "expectedVersion": 99}})
	if u, n := string(uninvited.Get("declineExchangeSession.userErrors").([]any)[0].(map[string]any)["message"].(string)),
		string(unknown.Get("declineExchangeSession.userErrors").([]any)[0].(map[string]any)["message"].(string)); u != n ||
		!slices.Equal(uninvited.UserErrorCodes("declineExchangeSession"), []string{"NOT_FOUND"}) ||
		!slices.Equal(unknown.UserErrorCodes("declineExchangeSession"), []string{"NOT_FOUND"}) {
		t.Errorf("uninvited %s\nunknown %s", uninvited.Raw, unknown.Raw)
	}

	// Hải Phòng joins: its invitation is accepted.
	e.Do(t, hpg, joinSession, map[string]any{"in": map[string]any{"sessionId": sess}}).NoErrors(t)
	r = e.Do(t, tng, sessionInvitations, map[string]any{"id": sess})
	if r.Get("node.invitations.0.status") != "DECLINED" || r.Get("node.invitations.1.status") != "ACCEPTED" {
		t.Errorf("after join: %s", r.Raw)
	}

	// A referral names the session its worker was met at: both centers must take part.
	in := referInput("001090000201", "HPG")
	in["sessionId"] = sess
	r = e.Do(t, tng, `mutation($in: ReferWorkerInput!) { referWorker(input: $in) { referral { id session { id } }
		userErrors { field code } } }`, map[string]any{"in": in})
	r.NoErrors(t)
	referral := r.String(t, "referWorker.referral.id")
	if r.Get("referWorker.referral.session.id") != sess {
		t.Errorf("referral session: %s", r.Raw)
	}
	in = referInput("001090000202", "BNH")
	in["sessionId"] = sess
	r = e.Do(t, tng, `mutation($in: ReferWorkerInput!) { referWorker(input: $in) { referral { id } userErrors { field code } } }`,
		map[string]any{"in": in})
	if got := codesAt(r, "referWorker"); got["input.sessionId"] != "INVALID" {
		t.Errorf("referral to a center not taking part: %s", r.Raw)
	}
	r = e.Do(t, tng, `query($id: ID!) { referrals(filter: {sessionId: $id}) { totalCount edges { node { id } } } }`,
		map[string]any{"id": sess})
	r.NoErrors(t)
	if r.Int(t, "referrals.totalCount") != 1 || r.Get("referrals.edges.0.node.id") != referral {
		t.Errorf("referrals of the session: %s", r.Raw)
	}

	// The host's outcome names the referral: to the two centers of it; a count to others.
	e.Do(t, tng, recordOutcome, map[string]any{"in": map[string]any{"sessionId": sess, "workersAttending": 40,
		"interviewed": 12, "hiredOnSpot": 3, "referredAfter": 5}}).NoErrors(t)
	for _, c := range []struct {
		token string
		seen  int
	}{{tng, 1}, {hpg, 1}, {bnh, 0}} {
		r := e.Do(t, c.token, sessionInvitations, map[string]any{"id": sess})
		r.NoErrors(t)
		if r.Get("node.outcomes.0.center.code") != "TNG" || r.Int(t, "node.outcomes.0.referralCount") != 1 ||
			r.Len("node.outcomes.0.referralIds") != c.seen || (c.seen == 1 && r.Get("node.outcomes.0.referralIds.0") != referral) {
			t.Errorf("outcome referrals seen = %s, want %d", r.Raw, c.seen)
		}
	}

	// Nobody but the host and the invited centers reads the invitations in the feed.
	for _, c := range []struct {
		token string
		want  bool
	}{{tng, true}, {hpg, true}, {other, false}} {
		r := e.Do(t, c.token, `{ changes(first: 100) { edges { node { entityType action } } } }`, nil)
		r.NoErrors(t)
		saw := false
		for _, x := range r.Get("changes.edges").([]any) {
			n := x.(map[string]any)["node"].(map[string]any)
			saw = saw || (n["entityType"] == "ExchangeSession" && n["action"] == "INVITED")
		}
		if saw != c.want {
			t.Errorf("INVITED in the feed = %v, want %v", saw, c.want)
		}
	}
}

// The 38 mobile sessions of 2020 can be recorded: a record of a past session, not an
// announcement, joined by invitation, with the outcomes of each center.
func TestSessionRecords(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	tng, hpg := f.origin, f.dest
	start := time.Date(2020, 9, 18, 7, 30, 0, 0, time.UTC)
	record := map[string]any{"record": true, "title": "Phiên giao dịch việc làm lưu động xã Quảng Chu 2020",
		"startsAt": rfc(start), "endsAt": rfc(start.Add(4 * time.Hour))}
	r := e.Do(t, tng, `mutation($in: ScheduleExchangeSessionInput!) { scheduleExchangeSession(input: $in) {
		exchangeSession { id isRecord status } userErrors { field code } } }`, map[string]any{"in": sessionInput(record)})
	r.NoErrors(t)
	id := r.String(t, "scheduleExchangeSession.exchangeSession.id")
	if r.Get("scheduleExchangeSession.exchangeSession.isRecord") != true || r.Get("scheduleExchangeSession.exchangeSession.status") != "COMPLETED" {
		t.Errorf("record: %s", r.Raw)
	}
	for name, over := range map[string]map[string]any{
		"before 2015":      {"startsAt": rfc(time.Date(2014, 6, 1, 7, 0, 0, 0, time.UTC)), "endsAt": rfc(time.Date(2014, 6, 1, 11, 0, 0, 0, time.UTC))},
		"not over":         {"startsAt": rfc(time.Now().Add(-time.Hour)), "endsAt": rfc(time.Now().Add(time.Hour))},
		"an announcement ": {"record": false},
	} {
		in := sessionInput(record)
		for k, v := range over {
			in[k] = v
		}
		r := e.Do(t, tng, scheduleSession, map[string]any{"in": in})
		if !slices.Equal(r.UserErrorCodes("scheduleExchangeSession"), []string{"OUT_OF_RANGE"}) {
			t.Errorf("%s: %s", name, r.Raw)
		}
	}

	// Only invited centers join a record; then they record their outcome.
	r = e.Do(t, hpg, joinSession, map[string]any{"in": map[string]any{"sessionId": id}})
	if !slices.Equal(r.UserErrorCodes("joinExchangeSession"), []string{"FORBIDDEN"}) {
		t.Errorf("join uninvited: %s", r.Raw)
	}
	e.Do(t, tng, inviteSession, map[string]any{"in": map[string]any{"sessionId": id, "centerCodes": []string{"HPG"}}}).NoErrors(t)
	e.Do(t, hpg, joinSession, map[string]any{"in": map[string]any{"sessionId": id}}).NoErrors(t)
	r = e.Do(t, hpg, recordOutcome, map[string]any{"in": map[string]any{"sessionId": id, "workersAttending": 60,
		"interviewed": 25, "hiredOnSpot": 8, "referredAfter": 10}})
	r.NoErrors(t)
	if r.Int(t, "recordSessionOutcome.exchangeSession.totals.hiredOnSpot") != 8 {
		t.Errorf("outcome: %s", r.Raw)
	}
	r = e.Do(t, f.bnh.Token(t, "viewer"), `{ records: exchangeSessions(filter: {isRecord: true}) { edges { node { id } } }
		announced: exchangeSessions(filter: {isRecord: false}) { totalCount } }`, nil)
	r.NoErrors(t)
	if r.Len("records.edges") != 1 || r.Get("records.edges.0.node.id") != id || r.Int(t, "announced.totalCount") != 0 {
		t.Errorf("records filter: %s", r.Raw)
	}
}
