package apitest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

// hireFixture: TNG refers welders (7212) to HPG, which posted a demand for them, under a
// signed agreement with a quota line of 10 welders from TNG to HPG.
type hireFixture struct {
	*referralFixture
	demandID, agreementID string
}

func newHireFixture(t *testing.T, quantity, quota int) *hireFixture {
	return newHireFixtureWith(t, apitest.Options{}, quantity, quota)
}

func newHireFixtureWith(t *testing.T, o apitest.Options, quantity, quota int) *hireFixture {
	f := &hireFixture{referralFixture: newReferralFixture(t, o)}
	f.demandID = mustPublishDemand(t, f.e, f.dest, map[string]any{"occupationCode": "7212", "title": "Thợ hàn", "quantity": quantity})
	tng, hpg := f.tng.Token(t, "coordinator"), f.hpg.Token(t, "coordinator")
	r := f.e.Do(t, tng, proposeAgreement, in("title", "Cung ứng thợ hàn", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota7212(quota))))
	r.NoErrors(t)
	f.agreementID = r.String(t, "proposeAgreement.agreement.id")
	f.e.Do(t, tng, signAgreement, in("agreementId", f.agreementID, "revision", 1)).NoErrors(t)
	f.e.Do(t, hpg, signAgreement, in("agreementId", f.agreementID, "revision", 1)).NoErrors(t)
	return f
}

func quota7212(workers int) map[string]any { return quota("7212", workers, "TNG", "HPG") }

// referAcknowledged refers n workers with the given links and has HPG acknowledge each;
// it returns the referral IDs.
func (f *hireFixture) referAcknowledged(t *testing.T, n int, links map[string]any) []string {
	ids := make([]string, n)
	parallel(t, n, 8, func(i int) {
		in := referInput(fmt.Sprintf("0010%08d", i), "HPG")
		for k, v := range links {
			in[k] = v
		}
		ids[i], _ = refer(t, f.e, f.origin, in)
		act(t, f.e, f.dest, ids[i], "ACKNOWLEDGE").NoErrors(t)
	})
	return ids
}

// hireAll sends MARK_HIRED for every referral at once and counts the outcomes by code.
func (f *hireFixture) hireAll(t *testing.T, ids []string) map[string]int {
	var mu sync.Mutex
	got := map[string]int{}
	parallel(t, len(ids), len(ids), func(i int) {
		r := act(t, f.e, f.dest, ids[i], "MARK_HIRED")
		code := "HIRED"
		if ue := r.UserErrorCodes("updateReferralStatus"); len(ue) > 0 {
			code = ue[0]
		} else if len(r.Errors) > 0 {
			code = "error: " + string(r.Raw)
		}
		mu.Lock()
		got[code]++
		mu.Unlock()
	})
	return got
}

// parallel runs fn(0..n-1) on up to width goroutines.
func parallel(t *testing.T, n, width int, fn func(i int)) {
	t.Helper()
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

func TestParallelHiresNeverPassTheDemand(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 10, 1000)
	ids := f.referAcknowledged(t, 200, map[string]any{"demandId": f.demandID})
	got := f.hireAll(t, ids)
	if got["HIRED"] != 10 || got["DEMAND_FILLED"] != 190 || len(got) != 2 {
		t.Fatalf("200 parallel MARK_HIRED on a demand of 10: %v, want 10 HIRED and 190 DEMAND_FILLED", got)
	}
	r := f.e.Do(t, f.dest, `query($id: ID!) { node(id: $id) { ... on LaborDemand { filledCount openPositions status } } }`,
		map[string]any{"id": f.demandID})
	if r.Int(t, "node.filledCount") != 10 || r.Int(t, "node.openPositions") != 0 || r.String(t, "node.status") != "FILLED" {
		t.Errorf("demand after the hires: %s", r.Raw)
	}
	// A new referral to the filled demand is refused up front.
	r = f.e.Do(t, f.origin, referWorker, map[string]any{"in": withLinks(referInput("001099999999", "HPG"), "demandId", f.demandID)})
	wantCodes(t, r, "referWorker", "DEMAND_FILLED")
}

func TestParallelHiresNeverPassTheQuota(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 1000, 10)
	ids := f.referAcknowledged(t, 200, map[string]any{"agreementId": f.agreementID})
	got := f.hireAll(t, ids)
	if got["HIRED"] != 10 || got["QUOTA_EXCEEDED"] != 190 || len(got) != 2 {
		t.Fatalf("200 parallel MARK_HIRED against a quota line of 10: %v, want 10 HIRED and 190 QUOTA_EXCEEDED", got)
	}
	r := f.e.Do(t, f.origin, `query($id: ID!) { node(id: $id) { ... on Agreement { quotaLines { workers referred hired } } } }`,
		map[string]any{"id": f.agreementID})
	if r.Int(t, "node.quotaLines.0.referred") != 200 || r.Int(t, "node.quotaLines.0.hired") != 10 {
		t.Errorf("quota line after the hires: %s, want referred 200 and hired 10", r.Raw)
	}
}

func TestHireWithDemandAndAgreementConsumesBoth(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 5, 5)
	ids := f.referAcknowledged(t, 1, map[string]any{"demandId": f.demandID, "agreementId": f.agreementID})
	act(t, f.e, f.dest, ids[0], "MARK_HIRED").NoErrors(t)
	r := f.e.Do(t, f.origin, `query($id: ID!) { node(id: $id) { ... on Referral { status
		demand { filledCount } agreement { quotaLines { hired } } } } }`, map[string]any{"id": ids[0]})
	r.NoErrors(t)
	if r.String(t, "node.status") != "HIRED" || r.Int(t, "node.demand.filledCount") != 1 || r.Int(t, "node.agreement.quotaLines.0.hired") != 1 {
		t.Errorf("after one hire: %s", r.Raw)
	}
	// Withdrawing is impossible after the hire, and leaving the job gives nothing back.
	wantCodes(t, act(t, f.e, f.origin, ids[0], "WITHDRAW"), "updateReferralStatus", "INVALID_TRANSITION")
	act(t, f.e, f.dest, ids[0], "MARK_LEFT").NoErrors(t)
	r = f.e.Do(t, f.origin, `query($id: ID!) { node(id: $id) { ... on Referral { status demand { filledCount } agreement { quotaLines { hired } } } } }`,
		map[string]any{"id": ids[0]})
	if r.String(t, "node.status") != "LEFT_JOB" || r.Int(t, "node.demand.filledCount") != 1 || r.Int(t, "node.agreement.quotaLines.0.hired") != 1 {
		t.Errorf("after leaving the job: %s, want the hire still counted", r.Raw)
	}
}

func withLinks(in map[string]any, kv ...string) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		in[kv[i]] = kv[i+1]
	}
	return in
}

func TestReferralLinksAreChecked(t *testing.T) {
	t.Parallel()
	f := newHireFixture(t, 10, 10)
	bnhDemand := mustPublishDemand(t, f.e, f.bnh.Token(t, "publisher"), map[string]any{"occupationCode": "7212", "workProvinceCode": "24"})
	hiddenDemand := mustPublishDemand(t, f.e, f.dest, map[string]any{"occupationCode": "7212", "visibility": "AGREEMENT_PARTNERS"})
	// BNH and HPG have an agreement TNG is not party to.
	bnh := f.bnh.Token(t, "coordinator")
	r := f.e.Do(t, bnh, proposeAgreement, in("title", "BNH–HPG", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("7212", 5, "BNH", "HPG"))))
	r.NoErrors(t)
	othersAgreement := r.String(t, "proposeAgreement.agreement.id")

	cases := []struct {
		name, field, value, want string
		occupation               string
	}{
		{"demand of another center than the destination", "demandId", bnhDemand, "INVALID", ""},
		{"malformed demand id", "demandId", "nope", "NOT_FOUND", ""},
		{"agreement the origin is not party to", "agreementId", othersAgreement, "NOT_FOUND", ""},
		{"occupation without a quota line", "agreementId", f.agreementID, "INVALID", "8153"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := withLinks(referInput("001011111111", "HPG"), tc.field, tc.value)
			if tc.occupation != "" {
				in["worker"].(map[string]any)["occupationCode"] = tc.occupation
			}
			wantCodes(t, f.e.Do(t, f.origin, referWorker, map[string]any{"in": in}), "referWorker", tc.want)
		})
	}
	// The partner-only demand is visible to TNG now (they have an active agreement), so a
	// referral to it is accepted; its demand shows on the referral.
	r = f.e.Do(t, f.origin, referWorker, map[string]any{"in": withLinks(referInput("001022222222", "HPG"), "demandId", hiddenDemand)})
	r.NoErrors(t)
	// BNH is no party to TNG–HPG: it gets NOT_FOUND for that referral altogether.
	id := r.String(t, "referWorker.referral.id")
	assertNotFound(t, f.e.Do(t, bnh, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}), "node")
}
