package apitest_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/laborx/laborx/graph"
	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/pgtest"
)

const (
	statsMarketBalance = `query($p: String, $l: Int) { stats { marketBalance(provinceCode: $p, occupationLevel: $l) {
		province { code } occupation { code level } demandPositions demandPostings supplyWorkers supplyPostings shortage } } }`
	statsMarketBalanceDefault = `{ stats { marketBalance { province { code } occupation { code level }
		demandPositions demandPostings supplyWorkers supplyPostings shortage } } }`
	statsFlows = `query($from: Date, $to: Date) { stats { referralFlows(from: $from, to: $to) {
		origin { code } destination { code } total referred acknowledged interviewScheduled hired notHired withdrawn employed leftJob } } }`
	statsFunnel = `query($c: String, $d: ReferralDirection, $from: Date, $to: Date) { stats {
		referralFunnel(centerCode: $c, direction: $d, from: $from, to: $to) { center { code } from to
			referred acknowledged interviewed hired employed
			acknowledgedRate interviewedRate hiredRate employedRate overallHireRate medianDaysToHire } } }`
	statsFulfillment = `query($id: ID!) { stats { agreementFulfillment(agreementId: $id) {
		agreement { id status } revision quota referred hired
		lines { occupation { code } from { code } to { code } quota referred hired remaining hiredRate } } } }`
	statsMonthly = `query($m: StatsMetric!, $from: Date!, $to: Date!, $c: String, $d: ReferralDirection) { stats {
		monthly(metric: $m, from: $from, to: $to, centerCode: $c, direction: $d) { month value } } }`
)

// rows formats a list of objects as one line each, the named fields in order; nested
// objects print their code.
func rows(t *testing.T, r *apitest.Response, path string, fields ...string) []string {
	t.Helper()
	r.NoErrors(t)
	list, ok := r.Get(path).([]any)
	if !ok {
		t.Fatalf("%s is not a list: %s", path, r.Raw)
	}
	out := []string{}
	for _, item := range list {
		m := item.(map[string]any)
		var parts []string
		for _, f := range fields {
			v := m[f]
			if o, ok := v.(map[string]any); ok {
				v = o["code"]
			}
			parts = append(parts, fmt.Sprint(v))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func wantRows(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

func wantErrorCodes(t *testing.T, r *apitest.Response, want ...string) {
	t.Helper()
	if got := r.ErrorCodes(); !slices.Equal(got, want) {
		t.Errorf("errors[] codes = %v, want %v: %s", got, want, r.Raw)
	}
}

// statsScenario builds a small exchange on a fixed clock:
//
//	2026-02-20  TNG and HPG sign an agreement (quotas TNG→HPG 8153×10, 7212×5, HPG→TNG 8153×3);
//	            HPG proposes one to BNH that is never signed
//	2026-03-10  demands, supplies and referrals R1–R6 are published/made
//	2026-04-02  TNG refers R7 to BNH
//	2026-04-20  the statistics are read
//
// referrals: R1 TNG→HPG ack, interview, hired after 4 days, employed (2026-04-15);
// R2 TNG→HPG interview, hired after 2 days; R3 TNG→HPG ack, not hired; R4 TNG→HPG
// withdrawn; R5 BNH→HPG referred; R6 HPG→TNG ack, hired after 6 days; R7 TNG→BNH referred.
// R1–R3 (8153) and R4 (7212) are made under the TNG–HPG agreement; the others are
// welders (7212) under none.
type statsScenario struct {
	e                  *apitest.Env
	tng, hpg, bnh      *apitest.Center
	agreement, pending string
}

// fixedClock returns a setter of the exchange's clock to an RFC 3339 instant; the test's
// cleanup gives the real clock back.
func fixedClock(t *testing.T, e *apitest.Env) func(ts string) {
	t.Cleanup(func() { e.App.DB.Now = time.Now })
	return func(ts string) {
		t.Helper()
		at, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			t.Fatal(err)
		}
		e.App.DB.Now = func() time.Time { return at }
	}
}

func newStatsScenario(t *testing.T) *statsScenario {
	e := apitest.New(t)
	s := &statsScenario{e: e, tng: e.AddCenter(t, "TNG", "19"), hpg: e.AddCenter(t, "HPG", "31"), bnh: e.AddCenter(t, "BNH", "24")}
	clock := fixedClock(t, e)
	pub := func(c *apitest.Center) string { return c.Token(t, "publisher") }
	coord := func(c *apitest.Center) string { return c.Token(t, "coordinator") }

	clock("2026-02-20T03:00:00Z")
	agreementTerms := map[string]any{"validFrom": "2026-01-01", "validUntil": "2026-12-31", "quotas": []any{
		quota("8153", 10, "TNG", "HPG"), quota("7212", 5, "TNG", "HPG"), quota("8153", 3, "HPG", "TNG")}}
	r := e.Do(t, coord(s.tng), proposeAgreement, in("title", "Cung ứng lao động 2026", "partyCenterCodes", []string{"HPG"},
		"terms", agreementTerms))
	r.NoErrors(t)
	s.agreement = r.String(t, "proposeAgreement.agreement.id")
	for _, c := range []*apitest.Center{s.tng, s.hpg} {
		r = e.Do(t, coord(c), signAgreement, in("agreementId", s.agreement, "revision", 1))
		r.NoErrors(t)
	}
	wantString(t, r, "signAgreement.agreement.status", "SIGNED")
	r = e.Do(t, coord(s.hpg), proposeAgreement, in("title", "Hợp tác HPG–BNH", "partyCenterCodes", []string{"BNH"},
		"terms", map[string]any{"validFrom": "2026-01-01", "validUntil": "2026-12-31", "quotas": []any{quota("7212", 4, "BNH", "HPG")}}))
	r.NoErrors(t)
	s.pending = r.String(t, "proposeAgreement.agreement.id")

	clock("2026-03-10T08:00:00Z")
	until := "2026-06-30T00:00:00Z"
	mustPublishDemand(t, e, pub(s.hpg), map[string]any{"occupationCode": "8153", "quantity": 10, "expiresAt": until})
	mustPublishDemand(t, e, pub(s.hpg), map[string]any{"occupationCode": "7212", "quantity": 5, "expiresAt": until})
	mustPublishDemand(t, e, pub(s.tng), map[string]any{"occupationCode": "8153", "quantity": 4, "expiresAt": until,
		"workProvinceCode": "19"})
	closed := mustPublishDemand(t, e, pub(s.hpg), map[string]any{"occupationCode": "8153", "quantity": 3, "expiresAt": until})
	r = e.Do(t, pub(s.hpg), `mutation($in: CloseLaborDemandInput!) { closeLaborDemand(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"laborDemandId": closed}})
	r.NoErrors(t)
	mustPublishDemand(t, e, pub(s.hpg), map[string]any{"occupationCode": "8153", "quantity": 8, "expiresAt": "2026-04-01T00:00:00Z"})

	mustPublishSupply(t, e, pub(s.tng), map[string]any{"occupationCode": "8153", "quantity": 25, "availableFrom": "2026-03-10"})
	mustPublishSupply(t, e, pub(s.bnh), map[string]any{"occupationCode": "7212", "quantity": 6, "availableFrom": "2026-03-10"})
	withdrawn := mustPublishSupply(t, e, pub(s.tng), map[string]any{"occupationCode": "8153", "quantity": 7, "availableFrom": "2026-03-10"})
	r = e.Do(t, pub(s.tng), `mutation($in: WithdrawLaborSupplyInput!) { withdrawLaborSupply(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"laborSupplyId": withdrawn}})
	r.NoErrors(t)
	mustPublishSupply(t, e, pub(s.hpg), map[string]any{"occupationCode": "8153", "quantity": 2, "availableFrom": "2026-03-10",
		"availableUntil": "2026-03-31"})

	// ref refers a welder (7212); underAgreement refers a worker of the occupation under
	// the TNG–HPG agreement, which counts the referral (and its hire) on the quota line.
	ref := func(from *apitest.Center, n int, to string) string {
		id, _ := refer(t, e, pub(from), referInput(fmt.Sprintf("0010900123%02d", n), to))
		return id
	}
	underAgreement := func(n int, occupation string) string {
		in := referInput(fmt.Sprintf("0010900123%02d", n), "HPG")
		in["worker"].(map[string]any)["occupationCode"] = occupation
		in["agreementId"] = s.agreement
		id, _ := refer(t, e, pub(s.tng), in)
		return id
	}
	r1, r2, r3, r4 := underAgreement(1, "8153"), underAgreement(2, "8153"), underAgreement(3, "8153"), underAgreement(4, "7212")
	ref(s.bnh, 5, "HPG")
	r6 := ref(s.hpg, 6, "TNG")
	step := func(ts string, c *apitest.Center, id, action string) {
		t.Helper()
		clock(ts)
		act(t, e, pub(c), id, action).NoErrors(t)
	}
	step("2026-03-11T08:00:00Z", s.hpg, r1, "ACKNOWLEDGE")
	step("2026-03-11T08:00:00Z", s.hpg, r2, "SCHEDULE_INTERVIEW")
	step("2026-03-11T08:00:00Z", s.hpg, r3, "ACKNOWLEDGE")
	step("2026-03-11T08:00:00Z", s.tng, r4, "WITHDRAW")
	step("2026-03-11T08:00:00Z", s.tng, r6, "ACKNOWLEDGE")
	step("2026-03-12T08:00:00Z", s.hpg, r1, "SCHEDULE_INTERVIEW")
	step("2026-03-12T08:00:00Z", s.hpg, r2, "MARK_HIRED")
	step("2026-03-13T08:00:00Z", s.hpg, r3, "MARK_NOT_HIRED")
	step("2026-03-14T08:00:00Z", s.hpg, r1, "MARK_HIRED")
	step("2026-03-16T08:00:00Z", s.tng, r6, "MARK_HIRED")
	step("2026-04-15T08:00:00Z", s.tng, r1, "CONFIRM_EMPLOYMENT")
	clock("2026-04-02T10:00:00Z")
	ref(s.tng, 7, "BNH")

	clock("2026-04-20T12:00:00Z")
	wantStagesFollowEvents(t, e)
	return s
}

// noPersonalData fails when a statistics response holds any of the scenario workers'
// personal data.
func noPersonalData(t *testing.T, r *apitest.Response) {
	t.Helper()
	for _, s := range []string{"Nguyễn", "Thử", "1990-05-17", "0010900123", "912345678", "hàn MIG", "worker"} {
		if bytes.Contains(r.Raw, []byte(s)) {
			t.Errorf("statistics response holds %q: %s", s, r.Raw)
		}
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	s := newStatsScenario(t)
	e := s.e
	viewer := s.tng.Token(t, "viewer")
	op := e.OperatorToken(t)

	t.Run("marketBalance", func(t *testing.T) {
		fields := []string{"province", "occupation", "demandPositions", "demandPostings", "supplyWorkers", "supplyPostings", "shortage"}
		// Closed (HPG 3), expired (HPG 8), withdrawn (TNG 7) and run-out (HPG 2) postings
		// are left out; supply counts where its center is.
		r := e.Do(t, viewer, statsMarketBalanceDefault, nil)
		noPersonalData(t, r)
		wantRows(t, "marketBalance", rows(t, r, "stats.marketBalance", fields...),
			"19 81 4 1 25 1 -21", "24 72 0 0 6 1 -6", "31 72 5 1 0 0 5", "31 81 10 1 0 0 10")
		r = e.Do(t, viewer, statsMarketBalance, map[string]any{"l": 4})
		wantRows(t, "marketBalance level 4", rows(t, r, "stats.marketBalance", fields...),
			"19 8153 4 1 25 1 -21", "24 7212 0 0 6 1 -6", "31 7212 5 1 0 0 5", "31 8153 10 1 0 0 10")
		r = e.Do(t, op, statsMarketBalance, map[string]any{"l": 1})
		wantRows(t, "marketBalance level 1", rows(t, r, "stats.marketBalance", fields...),
			"19 8 4 1 25 1 -21", "24 7 0 0 6 1 -6", "31 7 5 1 0 0 5", "31 8 10 1 0 0 10")
		// Bắc Kạn (06) was merged into Thái Nguyên (19).
		for _, code := range []string{"06", "19"} {
			r = e.Do(t, viewer, statsMarketBalance, map[string]any{"p": code})
			wantRows(t, "marketBalance of "+code, rows(t, r, "stats.marketBalance", fields...), "19 81 4 1 25 1 -21")
		}
		r = e.Do(t, viewer, statsMarketBalance, map[string]any{"p": "01"})
		wantRows(t, "marketBalance of Hà Nội", rows(t, r, "stats.marketBalance", fields...))
		wantErrorCodes(t, e.Do(t, viewer, statsMarketBalance, map[string]any{"p": "99"}), "BAD_USER_INPUT")
		wantErrorCodes(t, e.Do(t, viewer, statsMarketBalance, map[string]any{"l": 5}), "BAD_USER_INPUT")
	})

	t.Run("referralFlows", func(t *testing.T) {
		fields := []string{"origin", "destination", "total", "referred", "acknowledged", "interviewScheduled", "hired",
			"notHired", "withdrawn", "employed", "leftJob"}
		r := e.Do(t, viewer, statsFlows, nil)
		noPersonalData(t, r)
		wantRows(t, "flows", rows(t, r, "stats.referralFlows", fields...),
			"19 24 1 1 0 0 0 0 0 0 0", "19 31 4 0 0 0 1 1 1 1 0", "24 31 1 1 0 0 0 0 0 0 0", "31 19 1 0 0 0 1 0 0 0 0")
		r = e.Do(t, viewer, statsFlows, map[string]any{"from": "2026-03-01", "to": "2026-03-31"})
		wantRows(t, "flows of March", rows(t, r, "stats.referralFlows", fields...),
			"19 31 4 0 0 0 1 1 1 1 0", "24 31 1 1 0 0 0 0 0 0 0", "31 19 1 0 0 0 1 0 0 0 0")
		// Both ends of the period are included.
		r = e.Do(t, viewer, statsFlows, map[string]any{"from": "2026-04-02", "to": "2026-04-02"})
		wantRows(t, "flows of 2 April", rows(t, r, "stats.referralFlows", fields...), "19 24 1 1 0 0 0 0 0 0 0")
		wantErrorCodes(t, e.Do(t, viewer, statsFlows, map[string]any{"from": "2026-04-03", "to": "2026-04-02"}), "BAD_USER_INPUT")
	})

	t.Run("referralFunnel", func(t *testing.T) {
		fields := []string{"center", "referred", "acknowledged", "interviewed", "hired", "employed", "acknowledgedRate",
			"interviewedRate", "hiredRate", "employedRate", "overallHireRate", "medianDaysToHire"}
		for _, c := range []struct {
			name, token string
			vars        map[string]any
			want        string
		}{
			// R1 employed, R2 and R6 hired (R6 without a recorded interview), R3 acknowledged;
			// hires after 4, 2 and 6 days.
			{"TNG either end", viewer, map[string]any{"c": "TNG"}, "TNG 6 4 3 3 1 0.6666666666666666 0.75 1 0.3333333333333333 0.5 4"},
			{"TNG lower case", viewer, map[string]any{"c": "tng"}, "TNG 6 4 3 3 1 0.6666666666666666 0.75 1 0.3333333333333333 0.5 4"},
			{"TNG out", viewer, map[string]any{"c": "TNG", "d": "OUT"}, "TNG 5 3 2 2 1 0.6 0.6666666666666666 1 0.5 0.4 3"},
			{"TNG in", viewer, map[string]any{"c": "TNG", "d": "IN"}, "TNG 1 1 1 1 0 1 1 1 0 1 6"},
			{"national", viewer, nil, "<nil> 7 4 3 3 1 0.5714285714285714 0.75 1 0.3333333333333333 0.42857142857142855 4"},
			{"national March", viewer, map[string]any{"from": "2026-03-01", "to": "2026-03-31"},
				"<nil> 6 4 3 3 1 0.6666666666666666 0.75 1 0.3333333333333333 0.5 4"},
			{"national April", viewer, map[string]any{"from": "2026-04-01"}, "<nil> 1 0 0 0 0 0 <nil> <nil> <nil> 0 <nil>"},
			{"nothing", viewer, map[string]any{"to": "2026-01-31"}, "<nil> 0 0 0 0 0 <nil> <nil> <nil> <nil> <nil> <nil>"},
			{"operator, HPG", op, map[string]any{"c": "HPG"}, "HPG 6 4 3 3 1 0.6666666666666666 0.75 1 0.3333333333333333 0.5 4"},
			{"operator, BNH", op, map[string]any{"c": "BNH"}, "BNH 2 0 0 0 0 0 <nil> <nil> <nil> 0 <nil>"},
		} {
			r := e.Do(t, c.token, statsFunnel, c.vars)
			noPersonalData(t, r)
			r.NoErrors(t)
			funnel := r.Get("stats.referralFunnel").(map[string]any)
			var parts []string
			for _, f := range fields {
				v := funnel[f]
				if o, ok := v.(map[string]any); ok {
					v = o["code"]
				}
				parts = append(parts, fmt.Sprint(v))
			}
			if got := strings.Join(parts, " "); got != c.want {
				t.Errorf("%s funnel:\n got  %s\n want %s", c.name, got, c.want)
			}
		}
		r := e.Do(t, viewer, statsFunnel, map[string]any{"from": "2026-03-01", "to": "2026-03-31"})
		if r.Get("stats.referralFunnel.from") != "2026-03-01" || r.Get("stats.referralFunnel.to") != "2026-03-31" {
			t.Errorf("funnel period: %s", r.Raw)
		}
	})

	t.Run("agreementFulfillment", func(t *testing.T) {
		fields := []string{"occupation", "from", "to", "quota", "referred", "hired", "remaining", "hiredRate"}
		for _, token := range []string{viewer, s.hpg.Token(t, "viewer"), op} {
			r := e.Do(t, token, statsFulfillment, map[string]any{"id": s.agreement})
			noPersonalData(t, r)
			wantRows(t, "fulfillment", rows(t, r, "stats.agreementFulfillment.lines", fields...),
				"8153 HPG TNG 3 0 0 3 0", "7212 TNG HPG 5 1 0 5 0", "8153 TNG HPG 10 3 2 8 0.2")
			got := fmt.Sprint(r.Get("stats.agreementFulfillment.agreement.id"), r.Get("stats.agreementFulfillment.revision"),
				r.Get("stats.agreementFulfillment.quota"), r.Get("stats.agreementFulfillment.referred"), r.Get("stats.agreementFulfillment.hired"))
			if want := fmt.Sprint(s.agreement, 1, 18, 4, 2); got != want {
				t.Errorf("fulfillment totals = %s, want %s", got, want)
			}
		}
		// Not a party: NOT_FOUND, exactly as for an ID that does not exist.
		for _, c := range []struct{ token, id string }{
			{s.bnh.Token(t, "coordinator"), s.agreement},
			{viewer, s.pending},
			{viewer, s.tng.ID},
			{viewer, "not-an-id"},
		} {
			r := e.Do(t, c.token, statsFulfillment, map[string]any{"id": c.id})
			wantErrorCodes(t, r, "NOT_FOUND")
			if v := r.Get("stats.agreementFulfillment"); v != nil {
				t.Errorf("agreementFulfillment of %s = %v, want null", c.id, v)
			}
		}
		r := e.Do(t, s.bnh.Token(t, "viewer"), statsFulfillment, map[string]any{"id": s.pending})
		wantRows(t, "pending fulfillment", rows(t, r, "stats.agreementFulfillment.lines", fields...), "7212 BNH HPG 4 0 0 4 0")
	})

	t.Run("monthly", func(t *testing.T) {
		for _, c := range []struct {
			name, token, metric string
			vars                map[string]any
			want                []string
		}{
			{"demand", viewer, "DEMAND_POSITIONS_PUBLISHED", nil, []string{"2026-02 0", "2026-03 30", "2026-04 0"}},
			{"demand of TNG", viewer, "DEMAND_POSITIONS_PUBLISHED", map[string]any{"c": "TNG"}, []string{"2026-02 0", "2026-03 4", "2026-04 0"}},
			{"supply", viewer, "SUPPLY_WORKERS_PUBLISHED", nil, []string{"2026-02 0", "2026-03 40", "2026-04 0"}},
			{"referrals", viewer, "REFERRALS", nil, []string{"2026-02 0", "2026-03 6", "2026-04 1"}},
			{"referrals from TNG", viewer, "REFERRALS", map[string]any{"c": "TNG", "d": "OUT"}, []string{"2026-02 0", "2026-03 4", "2026-04 1"}},
			{"referrals to HPG", s.hpg.Token(t, "viewer"), "REFERRALS", map[string]any{"c": "HPG", "d": "IN"},
				[]string{"2026-02 0", "2026-03 5", "2026-04 0"}},
			{"hires", viewer, "HIRES", nil, []string{"2026-02 0", "2026-03 3", "2026-04 0"}},
			{"hires at TNG", viewer, "HIRES", map[string]any{"c": "TNG", "d": "IN"}, []string{"2026-02 0", "2026-03 1", "2026-04 0"}},
			{"employments", viewer, "EMPLOYMENTS_CONFIRMED", nil, []string{"2026-02 0", "2026-03 0", "2026-04 1"}},
			{"agreements", viewer, "AGREEMENTS_SIGNED", nil, []string{"2026-02 1", "2026-03 0", "2026-04 0"}},
			{"agreements of BNH", op, "AGREEMENTS_SIGNED", map[string]any{"c": "BNH"}, []string{"2026-02 0", "2026-03 0", "2026-04 0"}},
		} {
			vars := map[string]any{"m": c.metric, "from": "2026-02-01", "to": "2026-04-30"}
			for k, v := range c.vars {
				vars[k] = v
			}
			r := e.Do(t, c.token, statsMonthly, vars)
			noPersonalData(t, r)
			wantRows(t, c.name, rows(t, r, "stats.monthly", "month", "value"), c.want...)
		}
		// Days inside months: only the events of 11–14 March count.
		r := e.Do(t, viewer, statsMonthly, map[string]any{"m": "HIRES", "from": "2026-03-11", "to": "2026-03-14"})
		wantRows(t, "hires 11–14 March", rows(t, r, "stats.monthly", "month", "value"), "2026-03 2")
		r = e.Do(t, viewer, statsMonthly, map[string]any{"m": "REFERRALS", "from": "2025-12-15", "to": "2026-01-10"})
		wantRows(t, "across a year", rows(t, r, "stats.monthly", "month", "value"), "2025-12 0", "2026-01 0")
		wantErrorCodes(t, e.Do(t, viewer, statsMonthly, map[string]any{"m": "HIRES", "from": "2016-01-01", "to": "2026-01-31"}), "BAD_USER_INPUT")
		wantErrorCodes(t, e.Do(t, viewer, statsMonthly, map[string]any{"m": "HIRES", "from": "2026-02-01", "to": "2026-01-31"}), "BAD_USER_INPUT")
	})

	t.Run("authorization", func(t *testing.T) {
		funnelOf := func(code string) map[string]any { return map[string]any{"c": code} }
		monthlyOf := func(code string) map[string]any {
			return map[string]any{"m": "REFERRALS", "from": "2026-03-01", "to": "2026-03-31", "c": code}
		}
		// Another center's figures are FORBIDDEN to a center, whatever its roles, and
		// whether that center exists or not.
		for _, token := range []string{viewer, s.tng.Token(t, "coordinator")} {
			for _, code := range []string{"HPG", "NOPE"} {
				wantErrorCodes(t, e.Do(t, token, statsFunnel, funnelOf(code)), "FORBIDDEN")
				wantErrorCodes(t, e.Do(t, token, statsMonthly, monthlyOf(code)), "FORBIDDEN")
			}
		}
		// Operators see every center's; a code that names no center is NOT_FOUND.
		e.Do(t, op, statsMonthly, monthlyOf("HPG")).NoErrors(t)
		wantErrorCodes(t, e.Do(t, op, statsFunnel, funnelOf("NOPE")), "NOT_FOUND")
		// Every role reads statistics; without a token (or a role) nobody does.
		for _, role := range []string{"viewer", "publisher", "coordinator"} {
			e.Do(t, s.bnh.Token(t, role), statsFlows, nil).NoErrors(t)
		}
		wantErrorCodes(t, e.Do(t, s.bnh.Token(t), statsFlows, nil), "UNAUTHENTICATED")
		wantErrorCodes(t, e.Do(t, "", statsFlows, nil), "UNAUTHENTICATED")
	})
}

// TestStatsHoldNoPersonalData walks every type reachable from Stats in the served
// schema: no worker, no referral (which leads to a worker), no personal field.
func TestStatsHoldNoPersonalData(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	personal := []string{"fullName", "dateOfBirth", "nationalId", "nationalIdMasked", "gender", "skills", "consentGiven", "worker",
		"decisionNumber", "monthlyAmount"}
	seen := map[string]bool{}
	var walk func(name, path string)
	walk = func(name, path string) {
		if seen[name] {
			return
		}
		seen[name] = true
		def := schema.Types[name]
		if def == nil || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			return
		}
		if name == "Worker" || name == "Referral" || name == "ReferralEvent" || name == "Node" ||
			name == "BenefitTransfer" {
			t.Errorf("Stats reaches %s through %s", name, path)
			return
		}
		for _, f := range def.Fields {
			if slices.Contains(personal, f.Name) {
				t.Errorf("Stats reaches personal field %s.%s through %s", name, f.Name, path)
			}
			walk(f.Type.Name(), path+"."+f.Name)
		}
	}
	walk("Stats", "stats")
	if !seen["MarketBalance"] || !seen["QuotaFulfillment"] || !seen["Agreement"] || !seen["BenefitTransferStats"] {
		t.Fatalf("walk missed types: %v", seen)
	}
}

// TestStatsReadReplica: an instance with a read replica computes statistics there and
// nowhere else. The "replica" here is another database, empty, so the difference shows.
func TestStatsReadReplica(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	hpg := e.AddCenter(t, "HPG", "31")
	mustPublishDemand(t, e, hpg.Token(t, "publisher"), map[string]any{"quantity": 12})
	replica := pgtest.NewDSN(t, pgtest.Laborx)
	a, srv := e.NewInstance(t, apitest.Options{ReadDatabaseURL: replica})
	if a.ReadPool == nil {
		t.Fatal("no read pool")
	}
	tok := hpg.Token(t, "viewer")
	fields := []string{"province", "occupation", "demandPositions", "supplyWorkers", "shortage"}
	wantRows(t, "primary", rows(t, e.Do(t, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...), "31 81 12 0 12")
	wantRows(t, "replica", rows(t, apitest.Post(t, srv.URL, tok, statsMarketBalanceDefault, nil), "stats.marketBalance", fields...))
	// Everything else still reads the primary.
	r := apitest.Post(t, srv.URL, tok, `{ laborDemands { totalCount } }`, nil)
	r.NoErrors(t)
	if n := r.Int(t, "laborDemands.totalCount"); n != 1 {
		t.Errorf("laborDemands through the replica instance: %d, want 1", n)
	}
}

// wantStagesFollowEvents fails when a referral's stage columns (when it reached
// ACKNOWLEDGED, INTERVIEW_SCHEDULED, HIRED, EMPLOYED; migration 00011) differ from what
// its history in referral_events says. The statistics read the columns.
func wantStagesFollowEvents(t *testing.T, e *apitest.Env) {
	t.Helper()
	var disagree []string
	rows, err := dbPool(t, e).Query(context.Background(), `SELECT r.status FROM referrals r LEFT JOIN (SELECT referral_id,
			min(at) FILTER (WHERE to_status = 'ACKNOWLEDGED') AS acknowledged_at,
			min(at) FILTER (WHERE to_status = 'INTERVIEW_SCHEDULED') AS interviewed_at,
			min(at) FILTER (WHERE to_status = 'HIRED') AS hired_at,
			min(at) FILTER (WHERE to_status = 'EMPLOYED') AS employed_at
		FROM referral_events GROUP BY referral_id) e ON e.referral_id = r.id
		WHERE (r.acknowledged_at, r.interviewed_at, r.hired_at, r.employed_at)
			IS DISTINCT FROM (e.acknowledged_at, e.interviewed_at, e.hired_at, e.employed_at)`)
	if err == nil {
		disagree, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(disagree) > 0 {
		t.Errorf("%d referrals have stage times that disagree with their events (statuses %v)", len(disagree), disagree)
	}
}

// TestStatsFollowConcurrentReferralSteps: every step of a batch of referrals is raced
// by both centers at once (each referral gets all its possible actions in parallel);
// whichever steps win, the funnel and the monthly series are exactly what the
// referrals' histories, as the client reads them, say.
func TestStatsFollowConcurrentReferralSteps(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	e := f.e
	const n = 12
	ids := make([]string, n)
	parallel(t, n, 6, func(i int) {
		ids[i], _ = refer(t, e, f.origin, referInput(fmt.Sprintf("0011%08d", i), "HPG"))
	})
	type step struct{ token, action string }
	steps := []step{{f.dest, "ACKNOWLEDGE"}, {f.dest, "SCHEDULE_INTERVIEW"}, {f.dest, "MARK_HIRED"},
		{f.dest, "MARK_NOT_HIRED"}, {f.origin, "WITHDRAW"}, {f.origin, "CONFIRM_EMPLOYMENT"}, {f.dest, "MARK_LEFT"}}
	// Two rounds, so that some referrals get past the first step.
	for range 2 {
		parallel(t, n*len(steps), 24, func(i int) {
			s := steps[i%len(steps)]
			// A step that lost the race to another is refused as INVALID_TRANSITION;
			// nothing else may go wrong.
			r := act(t, e, s.token, ids[i/len(steps)], s.action)
			if codes := r.UserErrorCodes("updateReferralStatus"); len(r.Errors) > 0 ||
				(len(codes) > 0 && !slices.Equal(codes, []string{"INVALID_TRANSITION"})) {
				t.Errorf("%s: %s", s.action, r.Raw)
			}
		})
	}
	wantStagesFollowEvents(t, e)

	r := e.Do(t, f.origin, `{ referrals(first: 50) { edges { node { events { to at } } } } }`, nil)
	r.NoErrors(t)
	stage := map[string]int{"ACKNOWLEDGED": 1, "INTERVIEW_SCHEDULED": 2, "HIRED": 3, "EMPLOYED": 4}
	reached := make([]int, 5)
	var days []float64
	for _, edge := range r.Get("referrals.edges").([]any) {
		events := edge.(map[string]any)["node"].(map[string]any)["events"].([]any)
		at := func(i int) time.Time {
			v, err := time.Parse(time.RFC3339Nano, events[i].(map[string]any)["at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		furthest := 0
		for i, ev := range events {
			to := ev.(map[string]any)["to"].(string)
			furthest = max(furthest, stage[to])
			if to == "HIRED" {
				days = append(days, at(i).Sub(at(0)).Seconds()/86400)
			}
		}
		for s := 0; s <= furthest; s++ {
			reached[s]++
		}
	}
	if reached[0] != n {
		t.Fatalf("TNG sees %d referrals, want %d", reached[0], n)
	}
	fr := e.Do(t, f.tng.Token(t, "viewer"), statsFunnel, map[string]any{"c": "TNG", "d": "OUT"})
	fr.NoErrors(t)
	got := fmt.Sprint(fr.Get("stats.referralFunnel.referred"), fr.Get("stats.referralFunnel.acknowledged"),
		fr.Get("stats.referralFunnel.interviewed"), fr.Get("stats.referralFunnel.hired"), fr.Get("stats.referralFunnel.employed"))
	if want := fmt.Sprint(reached[0], reached[1], reached[2], reached[3], reached[4]); got != want {
		t.Errorf("funnel = %s, want %s (from the histories)", got, want)
	}
	if len(days) > 0 {
		slices.Sort(days)
		median := days[len(days)/2]
		if len(days)%2 == 0 {
			median = (days[len(days)/2-1] + median) / 2
		}
		if got, ok := fr.Get("stats.referralFunnel.medianDaysToHire").(float64); !ok || math.Abs(got-median) > 1e-9 {
			t.Errorf("medianDaysToHire = %v, want %v", fr.Get("stats.referralFunnel.medianDaysToHire"), median)
		}
	}
	// Every step happened today (UTC): the series from yesterday sums the hires and
	// the confirmed employments.
	today := time.Now().UTC()
	for metric, want := range map[string]int{"HIRES": reached[3], "EMPLOYMENTS_CONFIRMED": reached[4], "REFERRALS": n} {
		mr := e.Do(t, f.tng.Token(t, "viewer"), statsMonthly, map[string]any{"m": metric, "c": "TNG", "d": "OUT",
			"from": today.AddDate(0, 0, -1).Format(time.DateOnly), "to": today.AddDate(0, 0, 1).Format(time.DateOnly)})
		sum := 0
		for _, row := range rows(t, mr, "stats.monthly", "value") {
			var v int
			fmt.Sscan(row, &v)
			sum += v
		}
		if sum != want {
			t.Errorf("monthly %s = %d, want %d", metric, sum, want)
		}
	}
}
