package apitest_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/server"
)

const sessionFields = `id title description mode startsAt endsAt address onlineUrl status version cancelReason
	host { code } province { code name }
	participants { center { code } isHost outcome { workersAttending } }
	featuredDemands { id title center { code } }
	outcomes { center { code } workersAttending interviewed hiredOnSpot referredAfter notes recordedAt updatedAt }
	totals { participatingCenters reportingCenters workersAttending interviewed hiredOnSpot referredAfter }`

const (
	scheduleSession = `mutation($in: ScheduleExchangeSessionInput!) { scheduleExchangeSession(input: $in) {
		exchangeSession { ` + sessionFields + ` } userErrors { field message code } } }`
	joinSession = `mutation($in: JoinExchangeSessionInput!) { joinExchangeSession(input: $in) {
		exchangeSession { ` + sessionFields + ` } userErrors { field message code } } }`
	recordOutcome = `mutation($in: RecordSessionOutcomeInput!) { recordSessionOutcome(input: $in) {
		exchangeSession { ` + sessionFields + ` }
		sessionOutcome { center { code } workersAttending interviewed hiredOnSpot referredAfter notes }
		userErrors { field message code } } }`
	cancelSession = `mutation($in: CancelExchangeSessionInput!) { cancelExchangeSession(input: $in) {
		exchangeSession { id status version cancelReason } userErrors { field message code } } }`
	sessionNode = `query($id: ID!) { node(id: $id) { ... on ExchangeSession { ` + sessionFields + ` } } }`
)

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// sessionInput is a valid session: Thái Nguyên's mobile job-exchange session in the
// former Bắc Kạn, tomorrow morning, for workers back from Bắc Ninh.
func sessionInput(over map[string]any) map[string]any {
	start := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	in := map[string]any{
		"title":        "Phiên giao dịch việc làm lưu động Chợ Mới",
		"description":  "Dành cho lao động trở về từ Bắc Ninh",
		"mode":         "ON_SITE",
		"startsAt":     rfc(start),
		"endsAt":       rfc(start.Add(4 * time.Hour)),
		"provinceCode": "19",
		"address":      "Nhà văn hoá xã Chợ Mới, Thái Nguyên",
	}
	return withOverrides(in, over)
}

func mustSchedule(t *testing.T, e *apitest.Env, token string, over map[string]any) string {
	t.Helper()
	r := e.Do(t, token, scheduleSession, map[string]any{"in": sessionInput(over)})
	r.NoErrors(t)
	return r.String(t, "scheduleExchangeSession.exchangeSession.id")
}

// startedSession is a session that began an hour ago, so outcomes may be recorded.
func startedSession(over map[string]any) map[string]any {
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	base := map[string]any{"startsAt": rfc(start), "endsAt": rfc(start.Add(3 * time.Hour))}
	for k, v := range over {
		base[k] = v
	}
	return base
}

func codesAt(r *apitest.Response, field string) map[string]string {
	out := map[string]string{}
	list, _ := r.Get(field + ".userErrors").([]any)
	for _, ue := range list {
		m := ue.(map[string]any)
		var path []string
		for _, p := range m["field"].([]any) {
			path = append(path, fmt.Sprint(p))
		}
		out[strings.Join(path, ".")] = fmt.Sprint(m["code"])
	}
	return out
}

func TestScheduleExchangeSession(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	sewing := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)

	r := e.Do(t, tng.Token(t, "publisher"), scheduleSession, map[string]any{"in": sessionInput(map[string]any{
		"featuredDemandIds": []string{sewing}})})
	r.NoErrors(t)
	const s = "scheduleExchangeSession.exchangeSession"
	wantString(t, r, s+".host.code", "TNG")
	wantString(t, r, s+".status", "SCHEDULED")
	wantString(t, r, s+".province.name", "Thái Nguyên")
	wantString(t, r, s+".featuredDemands.0.id", sewing)
	wantString(t, r, s+".featuredDemands.0.center.code", "HPG")
	wantString(t, r, s+".participants.0.center.code", "TNG")
	if r.Get(s+".participants.0.isHost") != true || r.Int(t, s+".version") != 1 || r.Len(s+".outcomes") != 0 ||
		r.Int(t, s+".totals.participatingCenters") != 1 {
		t.Errorf("new session: %s", r.Raw)
	}

	t.Run("coordinators schedule too", func(t *testing.T) {
		r := e.Do(t, tng.Token(t, "coordinator"), scheduleSession, map[string]any{"in": sessionInput(nil)})
		r.NoErrors(t)
	})
	for name, tok := range map[string]string{"viewer": tng.Token(t, "viewer"), "operator": e.OperatorToken(t)} {
		t.Run(name+" may not schedule", func(t *testing.T) {
			r := e.Do(t, tok, scheduleSession, map[string]any{"in": sessionInput(nil)})
			wantCodes(t, r, "scheduleExchangeSession", "FORBIDDEN")
			if r.Get("scheduleExchangeSession.exchangeSession") != nil {
				t.Errorf("a session was returned: %s", r.Raw)
			}
		})
	}
	t.Run("online and hybrid", func(t *testing.T) {
		r := e.Do(t, tng.Token(t, "publisher"), scheduleSession, map[string]any{"in": sessionInput(map[string]any{
			"mode": "ONLINE", "address": nil, "provinceCode": nil, "onlineUrl": "https://meet.example.vn/tng-0715"})})
		r.NoErrors(t)
		if r.Get("scheduleExchangeSession.exchangeSession.province") != nil {
			t.Errorf("online session without province: %s", r.Raw)
		}
		r = e.Do(t, tng.Token(t, "publisher"), scheduleSession, map[string]any{"in": sessionInput(map[string]any{
			"mode": "HYBRID", "onlineUrl": "https://meet.example.vn/tng-0716"})})
		r.NoErrors(t)
	})
}

func TestScheduleExchangeSessionValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "publisher")
	open := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)
	closed := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)
	e.Do(t, hpg.Token(t, "publisher"), `mutation($in: CloseLaborDemandInput!) { closeLaborDemand(input: $in) { userErrors { code } } }`,
		in("laborDemandId", closed)).NoErrors(t)
	now := time.Now()
	many := make([]string, 51)
	for i := range many {
		many[i] = open
	}
	cases := []struct {
		name string
		over map[string]any
		want map[string]string
	}{
		{"blank title", map[string]any{"title": "  "}, map[string]string{"input.title": "REQUIRED"}},
		{"long title", map[string]any{"title": strings.Repeat("a", 201)}, map[string]string{"input.title": "TOO_LONG"}},
		{"on site without a place", map[string]any{"address": nil, "provinceCode": nil},
			map[string]string{"input.address": "REQUIRED", "input.provinceCode": "REQUIRED"}},
		{"online without a link", map[string]any{"mode": "ONLINE"}, map[string]string{"input.onlineUrl": "REQUIRED"}},
		{"on site with a link", map[string]any{"onlineUrl": "https://meet.example.vn/x"}, map[string]string{"input.onlineUrl": "INVALID"}},
		{"not a link", map[string]any{"mode": "HYBRID", "onlineUrl": "javascript:alert(1)"}, map[string]string{"input.onlineUrl": "INVALID"}},
		{"dissolved province", map[string]any{"provinceCode": "06"}, map[string]string{"input.provinceCode": "PROVINCE_DISSOLVED"}},
		{"unknown province", map[string]any{"provinceCode": "99"}, map[string]string{"input.provinceCode": "UNKNOWN_PROVINCE"}},
		{"ends before it starts", map[string]any{"endsAt": rfc(now.Add(23 * time.Hour))}, map[string]string{"input.endsAt": "INVALID"}},
		{"longer than 14 days", map[string]any{"endsAt": rfc(now.Add(16 * 24 * time.Hour))}, map[string]string{"input.endsAt": "OUT_OF_RANGE"}},
		{"more than a week ago", map[string]any{"startsAt": rfc(now.Add(-8 * 24 * time.Hour)), "endsAt": rfc(now.Add(-8*24*time.Hour + time.Hour))},
			map[string]string{"input.startsAt": "OUT_OF_RANGE"}},
		{"more than a year ahead", map[string]any{"startsAt": rfc(now.AddDate(1, 1, 0)), "endsAt": rfc(now.AddDate(1, 1, 1))},
			map[string]string{"input.startsAt": "OUT_OF_RANGE"}},
		{"51 featured demands", map[string]any{"featuredDemandIds": many},
			func() map[string]string {
				m := map[string]string{"input.featuredDemandIds": "OUT_OF_RANGE"}
				for i := 1; i < 51; i++ {
					m[fmt.Sprintf("input.featuredDemandIds.%d", i)] = "INVALID"
				}
				return m
			}()},
		{"a demand listed twice", map[string]any{"featuredDemandIds": []string{open, open}},
			map[string]string{"input.featuredDemandIds.1": "INVALID"}},
		{"a closed demand", map[string]any{"featuredDemandIds": []string{open, closed}},
			map[string]string{"input.featuredDemandIds.1": "INVALID"}},
		{"not a demand ID", map[string]any{"featuredDemandIds": []string{tng.ID}},
			map[string]string{"input.featuredDemandIds.0": "NOT_FOUND"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do(t, tok, scheduleSession, map[string]any{"in": sessionInput(c.over)})
			if got := codesAt(r, "scheduleExchangeSession"); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("userErrors %v, want %v: %s", got, c.want, r.Raw)
			}
			if r.Get("scheduleExchangeSession.exchangeSession") != nil {
				t.Errorf("a session was created: %s", r.Raw)
			}
		})
	}
	t.Run("the dissolved province's successor is named", func(t *testing.T) {
		r := e.Do(t, tok, scheduleSession, map[string]any{"in": sessionInput(map[string]any{"provinceCode": "06"})})
		if !strings.Contains(string(r.Raw), "Thái Nguyên") {
			t.Errorf("message does not name Thái Nguyên: %s", r.Raw)
		}
	})
	r := e.Do(t, tok, `{ exchangeSessions { totalCount } }`, nil)
	if r.Int(t, "exchangeSessions.totalCount") != 0 {
		t.Errorf("invalid input created sessions: %s", r.Raw)
	}
}

// TestFeaturedDemandVisibility: a session features only demands its host can see in the
// market, and shows each reader only the featured demands it may see itself.
func TestFeaturedDemandVisibility(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	coord := func(c *apitest.Center) string { return c.Token(t, "coordinator") }
	partnerOnly := mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"visibility": "AGREEMENT_PARTNERS",
		"title": "Thợ vận hành máy giày"})
	public := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)

	// HPG and BNH sign an agreement; TNG has none.
	r := e.Do(t, coord(hpg), proposeAgreement, in("title", "HPG–BNH", "partyCenterCodes", []string{"BNH"},
		"terms", terms(quota("8153", 10, "BNH", "HPG"))))
	r.NoErrors(t)
	agreement := r.String(t, "proposeAgreement.agreement.id")
	for _, c := range []*apitest.Center{hpg, bnh} {
		e.Do(t, coord(c), signAgreement, in("agreementId", agreement, "revision", 1)).NoErrors(t)
	}

	r = e.Do(t, tng.Token(t, "publisher"), scheduleSession, map[string]any{"in": sessionInput(map[string]any{
		"featuredDemandIds": []string{public, partnerOnly}})})
	if got := codesAt(r, "scheduleExchangeSession"); fmt.Sprint(got) != fmt.Sprint(map[string]string{"input.featuredDemandIds.1": "NOT_FOUND"}) {
		t.Fatalf("TNG featuring HPG's partner-only demand: %v: %s", got, r.Raw)
	}
	if !slices.Contains(r.ErrorCodes(), "NOT_FOUND") {
		t.Errorf("errors[] = %v, want NOT_FOUND", r.ErrorCodes())
	}

	// BNH, HPG's partner, may feature it in its own session.
	session := mustSchedule(t, e, bnh.Token(t, "publisher"), map[string]any{"provinceCode": "24", "address": "Yên Phong",
		"featuredDemandIds": []string{public, partnerOnly}})
	featured := func(c *apitest.Center) []string {
		r := e.Do(t, c.Token(t, "viewer"), sessionNode, map[string]any{"id": session})
		r.NoErrors(t)
		var ids []string
		for i := range r.Len("node.featuredDemands") {
			ids = append(ids, r.String(t, fmt.Sprintf("node.featuredDemands.%d.id", i)))
		}
		return ids
	}
	if got := featured(bnh); !slices.Equal(got, []string{public, partnerOnly}) {
		t.Errorf("BNH sees featured %v", got)
	}
	if got := featured(hpg); !slices.Equal(got, []string{public, partnerOnly}) {
		t.Errorf("HPG sees featured %v", got)
	}
	if got := featured(tng); !slices.Equal(got, []string{public}) {
		t.Errorf("TNG, no partner of HPG, sees featured %v, want only the public demand", got)
	}
	r = e.Do(t, tng.Token(t, "viewer"), `{ exchangeSessions { edges { node { featuredDemands { id } } } } }`, nil)
	r.NoErrors(t)
	if strings.Contains(string(r.Raw), partnerOnly) {
		t.Errorf("the list shows TNG a partner-only demand: %s", r.Raw)
	}
}

func TestJoinExchangeSession(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), nil)
	sewing := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)
	tngDemand := mustPublishDemand(t, e, tng.Token(t, "publisher"), map[string]any{"workProvinceCode": "19"})
	const s = "joinExchangeSession.exchangeSession"

	r := e.Do(t, hpg.Token(t, "viewer"), joinSession, in("sessionId", session))
	wantCodes(t, r, "joinExchangeSession", "FORBIDDEN")

	r = e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session, "featuredDemandIds", []string{tngDemand}))
	// Another center's demand answers as a missing one would: no existence oracle.
	if got := codesAt(r, "joinExchangeSession"); got["input.featuredDemandIds.0"] != "NOT_FOUND" {
		t.Errorf("HPG featuring TNG's demand: %s", r.Raw)
	}

	r = e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session, "featuredDemandIds", []string{sewing}, "expectedVersion", 1))
	r.NoErrors(t)
	wantString(t, r, s+".participants.1.center.code", "HPG")
	wantString(t, r, s+".featuredDemands.0.id", sewing)
	if r.Get(s+".participants.1.isHost") != false || r.Int(t, s+".version") != 2 || r.Int(t, s+".totals.participatingCenters") != 2 {
		t.Errorf("after HPG joined: %s", r.Raw)
	}

	t.Run("joining again changes nothing", func(t *testing.T) {
		r := e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session))
		r.NoErrors(t)
		if r.Int(t, s+".version") != 2 || r.Len(s+".participants") != 2 {
			t.Errorf("second join: %s", r.Raw)
		}
	})
	t.Run("a participant features one more demand", func(t *testing.T) {
		more := mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"title": "Công nhân may mẫu"})
		r := e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session, "featuredDemandIds", []string{more}))
		r.NoErrors(t)
		if r.Len(s+".featuredDemands") != 2 || r.Int(t, s+".version") != 3 {
			t.Errorf("featuring more: %s", r.Raw)
		}
		r = e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session, "featuredDemandIds", []string{more}))
		if got := codesAt(r, "joinExchangeSession"); got["input.featuredDemandIds.0"] != "INVALID" {
			t.Errorf("featuring a demand twice: %s", r.Raw)
		}
	})
	t.Run("stale version", func(t *testing.T) {
		r := e.Do(t, bnh.Token(t, "publisher"), joinSession, in("sessionId", session, "expectedVersion", 1))
		wantCodes(t, r, "joinExchangeSession", "VERSION_CONFLICT")
	})
	t.Run("unknown session", func(t *testing.T) {
		r := e.Do(t, bnh.Token(t, "publisher"), joinSession, in("sessionId", sewing))
		wantCodes(t, r, "joinExchangeSession", "NOT_FOUND")
	})
	t.Run("a cancelled session", func(t *testing.T) {
		other := mustSchedule(t, e, tng.Token(t, "publisher"), nil)
		e.Do(t, tng.Token(t, "publisher"), cancelSession, in("sessionId", other, "reason", "Mưa bão")).NoErrors(t)
		r := e.Do(t, bnh.Token(t, "publisher"), joinSession, in("sessionId", other))
		wantCodes(t, r, "joinExchangeSession", "INVALID_TRANSITION")
	})
}

func TestRecordSessionOutcome(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), startedSession(nil))
	e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session)).NoErrors(t)
	const s = "recordSessionOutcome.exchangeSession"
	outcome := func(c *apitest.Center, fields ...any) *apitest.Response {
		m := map[string]any{"sessionId": session, "workersAttending": 120, "interviewed": 60, "hiredOnSpot": 25, "referredAfter": 30}
		for i := 0; i < len(fields); i += 2 {
			m[fields[i].(string)] = fields[i+1]
		}
		return e.Do(t, c.Token(t, "publisher"), recordOutcome, map[string]any{"in": m})
	}

	t.Run("counts must be consistent", func(t *testing.T) {
		for _, c := range []struct {
			fields []any
			want   map[string]string
		}{
			{[]any{"workersAttending", -1, "interviewed", 0, "hiredOnSpot", 0, "referredAfter", 0},
				map[string]string{"input.workersAttending": "OUT_OF_RANGE"}},
			{[]any{"interviewed", 121}, map[string]string{"input.interviewed": "INVALID"}},
			{[]any{"hiredOnSpot", 61}, map[string]string{"input.hiredOnSpot": "INVALID"}},
			{[]any{"referredAfter", 121}, map[string]string{"input.referredAfter": "INVALID"}},
			{[]any{"notes", strings.Repeat("x", 2001)}, map[string]string{"input.notes": "TOO_LONG"}},
		} {
			r := outcome(hpg, c.fields...)
			if got := codesAt(r, "recordSessionOutcome"); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("%v: userErrors %v, want %v", c.fields, got, c.want)
			}
		}
	})
	t.Run("only participants record", func(t *testing.T) {
		wantCodes(t, outcome(bnh), "recordSessionOutcome", "FORBIDDEN")
		wantCodes(t, outcome(hpg, "centerCode", "TNG"), "recordSessionOutcome", "FORBIDDEN")
		r := e.Do(t, hpg.Token(t, "viewer"), recordOutcome, map[string]any{"in": map[string]any{"sessionId": session,
			"workersAttending": 1, "interviewed": 0, "hiredOnSpot": 0, "referredAfter": 0}})
		wantCodes(t, r, "recordSessionOutcome", "FORBIDDEN")
	})

	r := outcome(hpg, "centerCode", "hpg", "notes", "Nhiều lao động cần nhà ở")
	r.NoErrors(t)
	wantString(t, r, "recordSessionOutcome.sessionOutcome.center.code", "HPG")
	first := r.String(t, s+".outcomes.0.recordedAt")
	r = outcome(tng, "workersAttending", 80, "interviewed", 40, "hiredOnSpot", 0, "referredAfter", 15)
	r.NoErrors(t)
	// Upsert: HPG corrects its figures; still one outcome per center.
	r = outcome(hpg, "workersAttending", 130, "interviewed", 70, "hiredOnSpot", 30, "referredAfter", 45, "notes", "Đã cập nhật")
	r.NoErrors(t)
	if r.Len(s+".outcomes") != 2 {
		t.Fatalf("outcomes after the correction: %s", r.Raw)
	}
	wantString(t, r, s+".outcomes.1.center.code", "HPG")
	if r.Int(t, s+".outcomes.1.workersAttending") != 130 || r.String(t, s+".outcomes.1.recordedAt") != first {
		t.Errorf("corrected outcome: %s", r.Raw)
	}
	tot := s + ".totals."
	if r.Int(t, tot+"reportingCenters") != 2 || r.Int(t, tot+"workersAttending") != 210 || r.Int(t, tot+"interviewed") != 110 ||
		r.Int(t, tot+"hiredOnSpot") != 30 || r.Int(t, tot+"referredAfter") != 60 {
		t.Errorf("totals: %s", r.Raw)
	}
	if r.Int(t, s+".version") != 5 {
		t.Errorf("version after join and three outcomes = %d, want 5", r.Int(t, s+".version"))
	}

	t.Run("notes are for the recording center and the host", func(t *testing.T) {
		notes := func(tok string) any {
			r := e.Do(t, tok, sessionNode, map[string]any{"id": session})
			r.NoErrors(t)
			return r.Get("node.outcomes.1.notes")
		}
		if notes(hpg.Token(t, "viewer")) != "Đã cập nhật" || notes(tng.Token(t, "viewer")) != "Đã cập nhật" ||
			notes(e.OperatorToken(t)) != "Đã cập nhật" {
			t.Error("HPG, the host or the operator does not see HPG's notes")
		}
		if n := notes(bnh.Token(t, "viewer")); n != nil {
			t.Errorf("BNH sees HPG's notes %v", n)
		}
	})
	t.Run("not before the session starts", func(t *testing.T) {
		future := mustSchedule(t, e, tng.Token(t, "publisher"), nil)
		r := e.Do(t, tng.Token(t, "publisher"), recordOutcome, map[string]any{"in": map[string]any{"sessionId": future,
			"workersAttending": 1, "interviewed": 0, "hiredOnSpot": 0, "referredAfter": 0}})
		wantCodes(t, r, "recordSessionOutcome", "INVALID_TRANSITION")
	})
}

func TestCancelExchangeSession(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), nil)
	e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session)).NoErrors(t)

	wantCodes(t, e.Do(t, hpg.Token(t, "coordinator"), cancelSession, in("sessionId", session)), "cancelExchangeSession", "FORBIDDEN")
	wantCodes(t, e.Do(t, tng.Token(t, "publisher"), cancelSession, in("sessionId", session, "expectedVersion", 1)),
		"cancelExchangeSession", "VERSION_CONFLICT")
	r := e.Do(t, tng.Token(t, "publisher"), cancelSession, in("sessionId", session, "reason", "Bão số 3", "expectedVersion", 2))
	r.NoErrors(t)
	wantString(t, r, "cancelExchangeSession.exchangeSession.status", "CANCELLED")
	wantString(t, r, "cancelExchangeSession.exchangeSession.cancelReason", "Bão số 3")
	wantCodes(t, e.Do(t, tng.Token(t, "publisher"), cancelSession, in("sessionId", session)), "cancelExchangeSession", "INVALID_TRANSITION")

	started := mustSchedule(t, e, tng.Token(t, "publisher"), startedSession(nil))
	wantCodes(t, e.Do(t, tng.Token(t, "publisher"), cancelSession, in("sessionId", started)), "cancelExchangeSession", "INVALID_TRANSITION")
	r = e.Do(t, tng.Token(t, "viewer"), sessionNode, map[string]any{"id": started})
	wantString(t, r, "node.status", "IN_PROGRESS")
}

func TestScheduleExchangeSessionIdempotentParallel(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	tok := tng.Token(t, "publisher")
	input := sessionInput(map[string]any{"idempotencyKey": "tng-session-2026-07-15"})
	const n = 30
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, tok, scheduleSession, map[string]any{"in": input})
			if id, ok := r.Get("scheduleExchangeSession.exchangeSession.id").(string); ok && len(r.Errors) == 0 {
				ids[i] = id
			} else {
				t.Errorf("request %d: %s", i, r.Raw)
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("idempotent schedule returned different sessions: %v", ids)
		}
	}
	r := e.Do(t, tok, `{ exchangeSessions { totalCount } changes(first: 100) { edges { node { entityType action } } } }`, nil)
	if r.Int(t, "exchangeSessions.totalCount") != 1 || strings.Count(string(r.Raw), `"SCHEDULED"`) != 1 {
		t.Errorf("after %d requests with one key: %s", n, r.Raw)
	}
	other := sessionInput(map[string]any{"idempotencyKey": "tng-session-2026-07-15", "title": "Phiên khác"})
	r = e.Do(t, tok, scheduleSession, map[string]any{"in": other})
	wantCodes(t, r, "scheduleExchangeSession", "IDEMPOTENCY_KEY_REUSED")
}

func TestExchangeSessionVersionRaces(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), startedSession(nil))
	e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session)).NoErrors(t)

	t.Run("outcomes against one version: one wins", func(t *testing.T) {
		const n = 25
		codes := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.Do(t, hpg.Token(t, "publisher"), recordOutcome, map[string]any{"in": map[string]any{"sessionId": session,
					"workersAttending": 100 + i, "interviewed": i, "hiredOnSpot": 0, "referredAfter": 0, "expectedVersion": 2}})
				switch got := r.UserErrorCodes("recordSessionOutcome"); {
				case len(got) == 0 && r.Get("recordSessionOutcome.exchangeSession.version") == float64(3):
					codes[i] = "OK"
				case len(got) == 1:
					codes[i] = got[0]
				default:
					t.Errorf("request %d: %s", i, r.Raw)
				}
			}()
		}
		wg.Wait()
		ok, conflicts := 0, 0
		for _, c := range codes {
			switch c {
			case "OK":
				ok++
			case "VERSION_CONFLICT":
				conflicts++
			}
		}
		if ok != 1 || conflicts != n-1 {
			t.Errorf("%d succeeded and %d conflicted, want 1 and %d: %v", ok, conflicts, n-1, codes)
		}
		r := e.Do(t, tng.Token(t, "viewer"), sessionNode, map[string]any{"id": session})
		if r.Int(t, "node.version") != 3 || r.Len("node.outcomes") != 1 {
			t.Errorf("after the race: %s", r.Raw)
		}
	})
	t.Run("parallel joins without a version all count", func(t *testing.T) {
		var centers []*apitest.Center
		for i := range 12 {
			centers = append(centers, e.AddCenter(t, fmt.Sprintf("C%02d", i), "01"))
		}
		var wg sync.WaitGroup
		for _, c := range centers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.Do(t, c.Token(t, "publisher"), joinSession, in("sessionId", session))
				if len(r.Errors) > 0 || len(r.UserErrorCodes("joinExchangeSession")) > 0 {
					t.Errorf("%s join: %s", c.Code, r.Raw)
				}
			}()
		}
		wg.Wait()
		r := e.Do(t, tng.Token(t, "viewer"), sessionNode, map[string]any{"id": session})
		if r.Len("node.participants") != 14 || r.Int(t, "node.version") != 15 {
			t.Errorf("after 12 parallel joins: %d participants, version %v", r.Len("node.participants"), r.Get("node.version"))
		}
	})
}

// TestExchangeSessionNodeAccess: sessions are announcements every center sees; nothing
// in them leads to a worker.
func TestExchangeSessionNodeAccess(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, hni := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "HNI", "01")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), startedSession(nil))
	e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session)).NoErrors(t)

	for name, tok := range map[string]string{"another center's viewer": hni.Token(t, "viewer"),
		"a participant": hpg.Token(t, "publisher"), "the operator": e.OperatorToken(t)} {
		t.Run(name+" sees it", func(t *testing.T) {
			r := e.Do(t, tok, sessionNode, map[string]any{"id": session})
			r.NoErrors(t)
			wantString(t, r, "node.id", session)
			wantString(t, r, "node.host.code", "TNG")
			r = e.Do(t, tok, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{session}})
			r.NoErrors(t)
			wantString(t, r, "nodes.0.id", session)
		})
	}
	t.Run("without a token", func(t *testing.T) {
		r := e.Do(t, "", sessionNode, map[string]any{"id": session})
		if r.Get("node") != nil || !slices.Contains(r.ErrorCodes(), "UNAUTHENTICATED") {
			t.Errorf("anonymous read: %s", r.Raw)
		}
	})
	t.Run("an unknown session is NOT_FOUND", func(t *testing.T) {
		assertNotFound(t, e.Do(t, hni.Token(t, "viewer"), sessionNode,
			map[string]any{"id": exchange.GlobalID(exchange.KindExchangeSession, uuid.New())}), "node")
	})
	t.Run("no worker is reachable from a session", func(t *testing.T) {
		// Introspection is on in --dev only: ask a dev instance on the same database.
		cfg := server.DefaultConfig()
		cfg.Dev, cfg.RateLimit = true, 0
		_, dev := e.NewInstance(t, apitest.Options{Server: &cfg})
		r := apitest.Post(t, dev.URL, hni.Token(t, "viewer"), `{ __schema { types { name kind fields { name type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } }`, nil)
		r.NoErrors(t)
		fields := map[string][]string{}
		for _, ty := range r.Get("__schema.types").([]any) {
			m := ty.(map[string]any)
			fs, _ := m["fields"].([]any)
			for _, f := range fs {
				typ := f.(map[string]any)["type"].(map[string]any)
				for typ["name"] == nil && typ["ofType"] != nil {
					typ = typ["ofType"].(map[string]any)
				}
				if name, ok := typ["name"].(string); ok {
					fields[m["name"].(string)] = append(fields[m["name"].(string)], name)
				}
			}
		}
		seen := map[string]bool{"ExchangeSession": true}
		queue := []string{"ExchangeSession"}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, next := range fields[cur] {
				if !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
		for _, personal := range []string{"Worker", "Referral"} {
			if seen[personal] {
				t.Errorf("%s is reachable from ExchangeSession", personal)
			}
		}
		if !seen["SessionOutcome"] || !seen["LaborDemand"] {
			t.Errorf("the walk missed the session's own types: %v", seen)
		}
	})
}

func TestExchangeSessionsList(t *testing.T) {
	t.Parallel()
	counter := &statementCounter{}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: counter})
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	sewing := mustPublishDemand(t, e, hpg.Token(t, "publisher"), nil)
	base := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	var ids []string
	for i := range 30 {
		start := base.Add(time.Duration(i) * time.Hour)
		host, over := tng, map[string]any{"title": fmt.Sprintf("Phiên lưu động số %d", i+1), "startsAt": rfc(start),
			"endsAt": rfc(start.Add(2 * time.Hour)), "featuredDemandIds": []string{sewing}}
		if i%3 == 2 {
			host = bnh
			over["provinceCode"], over["address"], over["title"] = "24", "KCN Yên Phong", fmt.Sprintf("Ngày hội việc làm Bắc Ninh %d", i+1)
		}
		id := mustSchedule(t, e, host.Token(t, "publisher"), over)
		e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", id)).NoErrors(t)
		ids = append(ids, id)
	}
	tok := hpg.Token(t, "viewer")
	list := func(filter map[string]any, first int, after, order string) *apitest.Response {
		vars := map[string]any{"f": filter, "n": first}
		if after != "" {
			vars["after"] = after
		}
		if order != "" {
			vars["o"] = order
		}
		r := e.Do(t, tok, `query($f: ExchangeSessionFilter, $n: Int, $after: String, $o: ExchangeSessionOrder) {
			exchangeSessions(filter: $f, first: $n, after: $after, orderBy: $o) { totalCount
				edges { cursor node { id title host { code } } } pageInfo { hasNextPage endCursor } } }`, vars)
		r.NoErrors(t)
		return r
	}
	t.Run("pages in start order", func(t *testing.T) {
		var got []string
		after := ""
		for {
			r := list(nil, 7, after, "")
			for i := range r.Len("exchangeSessions.edges") {
				got = append(got, r.String(t, fmt.Sprintf("exchangeSessions.edges.%d.node.id", i)))
			}
			if r.Get("exchangeSessions.pageInfo.hasNextPage") != true {
				break
			}
			after = r.String(t, "exchangeSessions.pageInfo.endCursor")
		}
		if !slices.Equal(got, ids) {
			t.Errorf("pages gave %d sessions out of order", len(got))
		}
		r := list(nil, 1, "", "STARTS_AT_DESC")
		wantString(t, r, "exchangeSessions.edges.0.node.id", ids[29])
		bad := e.Do(t, tok, `query($a: String) { exchangeSessions(after: $a, orderBy: STARTS_AT_DESC) { totalCount } }`,
			map[string]any{"a": r.String(t, "exchangeSessions.pageInfo.endCursor")})
		bad.NoErrors(t)
		bad = e.Do(t, tok, `query($a: String) { exchangeSessions(after: $a) { totalCount } }`,
			map[string]any{"a": r.String(t, "exchangeSessions.pageInfo.endCursor")})
		if !slices.Contains(bad.ErrorCodes(), "BAD_USER_INPUT") {
			t.Errorf("a cursor of another order: %s", bad.Raw)
		}
	})
	t.Run("filters", func(t *testing.T) {
		for _, c := range []struct {
			filter map[string]any
			want   int
		}{
			{map[string]any{"hostCenterCodes": []string{"bnh"}}, 10},
			{map[string]any{"participantCenterCodes": []string{"HPG"}}, 30},
			{map[string]any{"participantCenterCodes": []string{"HNI"}}, 0},
			{map[string]any{"provinceCodes": []string{"06"}}, 20}, // Bắc Kạn → Thái Nguyên
			{map[string]any{"text": "ngay hoi viec lam bac ninh"}, 10},
			{map[string]any{"statuses": []string{"SCHEDULED"}, "modes": []string{"ON_SITE"}}, 30},
			{map[string]any{"statuses": []string{"COMPLETED", "CANCELLED"}}, 0},
			{map[string]any{"startsFrom": rfc(base.Add(10 * time.Hour)), "startsBefore": rfc(base.Add(20 * time.Hour))}, 10},
		} {
			if got := list(c.filter, 100, "", "").Int(t, "exchangeSessions.totalCount"); got != c.want {
				t.Errorf("filter %v: %d sessions, want %d", c.filter, got, c.want)
			}
		}
	})
	t.Run("nested lists cost the same statements for 5 or 30 sessions", func(t *testing.T) {
		count := func(first int) (int64, int) {
			q := `query($n: Int) { exchangeSessions(first: $n) { totalCount edges { node { title host { name }
				province { name } participants { center { code } outcome { hiredOnSpot } } outcomes { center { code } }
				totals { workersAttending } featuredDemands { title center { code } } } } } }`
			before := counter.n.Load()
			r := e.Do(t, tok, q, map[string]any{"n": first})
			r.NoErrors(t)
			return counter.n.Load() - before, r.Len("exchangeSessions.edges")
		}
		n5, rows5 := count(5)
		n30, rows30 := count(30)
		if rows5 != 5 || rows30 != 30 {
			t.Fatalf("rows: %d and %d", rows5, rows30)
		}
		if n5 != n30 {
			t.Errorf("exchangeSessions(first: 5) ran %d statements, (first: 30) %d", n5, n30)
		}
		t.Logf("statements per request: first 5 → %d, first 30 → %d", n5, n30)
	})
}

// TestExchangeSessionChanges: every step of a session reaches every center's change feed.
func TestExchangeSessionChanges(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, hni := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "HNI", "01")
	session := mustSchedule(t, e, tng.Token(t, "publisher"), startedSession(nil))
	e.Do(t, hpg.Token(t, "publisher"), joinSession, in("sessionId", session)).NoErrors(t)
	e.Do(t, hpg.Token(t, "publisher"), recordOutcome, map[string]any{"in": map[string]any{"sessionId": session,
		"workersAttending": 50, "interviewed": 20, "hiredOnSpot": 5, "referredAfter": 10, "notes": "riêng tư"}}).NoErrors(t)
	r := e.Do(t, hni.Token(t, "viewer"), `{ changes(first: 100) { edges { node { entityType entityId action payload } } } }`, nil)
	r.NoErrors(t)
	var got []string
	for i := range r.Len("changes.edges") {
		n := fmt.Sprintf("changes.edges.%d.node.", i)
		if r.Get(n+"entityType") == "ExchangeSession" {
			wantString(t, r, n+"entityId", session)
			got = append(got, r.String(t, n+"action"))
		}
	}
	if !slices.Equal(got, []string{"SCHEDULED", "JOINED", "OUTCOME_RECORDED"}) {
		t.Errorf("HNI's feed has session changes %v", got)
	}
	if !strings.Contains(string(r.Raw), `"hiredOnSpot":5`) || strings.Contains(string(r.Raw), "riêng tư") {
		t.Errorf("feed payload: %s", r.Raw)
	}
}
