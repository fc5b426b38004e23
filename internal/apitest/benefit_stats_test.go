package apitest_test

import (
	"fmt"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

const statsBenefitTransfers = `query($c: String, $d: BenefitTransferDirection, $from: Date, $to: Date) {
	stats { benefitTransfers(centerCode: $c, direction: $d, from: $from, to: $to) {
		center { code } direction total requested notified sent received accepted returned cancelled overdue
		medianWorkingDaysToSent medianWorkingDaysToAccepted } } }`

// TestBenefitTransferStats builds seven transfers around the Giỗ Tổ and 30/4–1/5
// holidays of 2026 and reads their statistics back through HTTP. All are requested on
// Friday 24 April; the working days after it are 28, 29 April, 4, 5, 6 May (27 April,
// 30 April and 1 May are holidays). A: sent 29/4 (2 working days), accepted 5/5 (4).
// B: sent 4/5 at 03:00 in Vietnam, still 3 May in UTC (3 working days, not 2), then
// returned. C: sent 6/5 (5). D: only requested (overdue). E: cancelled. F: BNH → TNG,
// notified only (overdue). G: HPG → BNH, requested only (overdue).
func TestBenefitTransferStats(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	clock := fixedClock(t, e)
	pub := map[*apitest.Center]string{tng: tng.Token(t, "publisher"), hpg: hpg.Token(t, "publisher"), bnh: bnh.Token(t, "publisher")}
	ids := map[string]string{}
	request := func(name string, from *apitest.Center, to, province string) {
		t.Helper()
		in := transferRequest("2026-04-24")
		in["idempotencyKey"], in["worker"] = "stats-"+name, workerInput(fmt.Sprintf("0190900100%02d", len(ids)))
		in["toCenterCode"], in["newAddressProvinceCode"] = to, province
		in["decisionDate"] = "2026-03-02"
		r := e.Do(t, pub[from], requestTransfer, map[string]any{"in": in})
		r.NoErrors(t)
		wantCodes(t, r, "requestBenefitTransfer")
		ids[name] = r.String(t, "requestBenefitTransfer.benefitTransfer.id")
	}
	step := func(c *apitest.Center, mutation, inputType, name string, extra ...any) {
		t.Helper()
		in := map[string]any{"benefitTransferId": ids[name]}
		for i := 0; i < len(extra); i += 2 {
			in[extra[i].(string)] = extra[i+1]
		}
		r := transferStep(t, e, pub[c], mutation, inputType, in)
		r.NoErrors(t)
		wantCodes(t, r, mutation)
	}
	const stepInput = "BenefitTransferStepInput"
	notice := func(c *apitest.Center, name string) {
		t.Helper()
		step(c, "recordStopPaymentNotice", "RecordStopPaymentNoticeInput", name, "noticeDate", "2026-04-28", "reference", "TB-"+name)
	}

	clock("2026-04-24T02:00:00Z")
	for _, name := range []string{"A", "B", "C", "D", "E"} {
		request(name, tng, "HPG", "31")
	}
	request("F", bnh, "TNG", "19")
	request("G", hpg, "BNH", "24")
	clock("2026-04-28T02:00:00Z")
	for _, name := range []string{"A", "B", "C", "E"} {
		notice(tng, name)
	}
	notice(bnh, "F")
	clock("2026-04-29T03:00:00Z")
	step(tng, "sendBenefitTransfer", stepInput, "A")
	clock("2026-05-03T20:00:00Z") // 4 May, 03:00 in Vietnam
	step(tng, "sendBenefitTransfer", stepInput, "B")
	step(tng, "cancelBenefitTransfer", stepInput, "E")
	clock("2026-05-05T02:00:00Z")
	step(hpg, "receiveBenefitTransfer", stepInput, "A")
	step(hpg, "acceptBenefitTransfer", "AcceptBenefitTransferInput", "A", "firstPaymentDate", "2026-05-05")
	step(hpg, "receiveBenefitTransfer", stepInput, "B")
	step(hpg, "returnBenefitTransfer", "ReturnBenefitTransferInput", "B", "reason", "INCOMPLETE_DOSSIER")
	clock("2026-05-06T02:00:00Z")
	step(tng, "sendBenefitTransfer", stepInput, "C")

	figures := func(token string, vars map[string]any) string {
		t.Helper()
		r := e.Do(t, token, statsBenefitTransfers, vars)
		r.NoErrors(t)
		const p = "stats.benefitTransfers."
		return fmt.Sprintf("%v %v total=%v REQ=%v NOT=%v SENT=%v REC=%v ACC=%v RET=%v CAN=%v overdue=%v toSent=%v toAccepted=%v",
			r.Get(p+"center.code"), r.Get(p+"direction"), r.Get(p+"total"), r.Get(p+"requested"), r.Get(p+"notified"),
			r.Get(p+"sent"), r.Get(p+"received"), r.Get(p+"accepted"), r.Get(p+"returned"), r.Get(p+"cancelled"),
			r.Get(p+"overdue"), r.Get(p+"medianWorkingDaysToSent"), r.Get(p+"medianWorkingDaysToAccepted"))
	}
	of := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tngViewer, op := tng.Token(t, "viewer"), e.OperatorToken(t)
	const (
		national = "<nil> <nil> total=7 REQ=2 NOT=1 SENT=1 REC=0 ACC=1 RET=1 CAN=1 overdue=3 toSent=3 toAccepted=4"
		tngAll   = "TNG <nil> total=6 REQ=1 NOT=1 SENT=1 REC=0 ACC=1 RET=1 CAN=1 overdue=2 toSent=3 toAccepted=4"
	)
	for _, c := range []struct {
		name, token string
		vars        map[string]any
		want        string
	}{
		{"national, for a viewer", tngViewer, nil, national},
		{"national, for another center", pub[bnh], of(), national},
		{"national, for the operator", op, nil, national},
		// A direction without a center means nothing: national figures.
		{"national with a direction", op, of("d", "INCOMING"), national},
		{"TNG, either end", tngViewer, of("c", "TNG"), tngAll},
		{"TNG, for the operator", op, of("c", "tng"), tngAll},
		{"TNG paying", pub[tng], of("c", "TNG", "d", "OUTGOING"),
			"TNG OUTGOING total=5 REQ=1 NOT=0 SENT=1 REC=0 ACC=1 RET=1 CAN=1 overdue=1 toSent=3 toAccepted=4"},
		{"TNG receiving", pub[tng], of("c", "TNG", "d", "INCOMING"),
			"TNG INCOMING total=1 REQ=0 NOT=1 SENT=0 REC=0 ACC=0 RET=0 CAN=0 overdue=1 toSent=<nil> toAccepted=<nil>"},
		{"HPG, either end", pub[hpg], of("c", "HPG"),
			"HPG <nil> total=6 REQ=2 NOT=0 SENT=1 REC=0 ACC=1 RET=1 CAN=1 overdue=2 toSent=3 toAccepted=4"},
		{"HPG receiving", op, of("c", "HPG", "d", "INCOMING"),
			"HPG INCOMING total=5 REQ=1 NOT=0 SENT=1 REC=0 ACC=1 RET=1 CAN=1 overdue=1 toSent=3 toAccepted=4"},
		// The period is of request dates, both ends included.
		{"the request day", op, of("from", "2026-04-24", "to", "2026-04-24"), national},
		{"after the requests", op, of("from", "2026-04-25"),
			"<nil> <nil> total=0 REQ=0 NOT=0 SENT=0 REC=0 ACC=0 RET=0 CAN=0 overdue=0 toSent=<nil> toAccepted=<nil>"},
	} {
		if got := figures(c.token, c.vars); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}

	// A center reads its own figures and national ones; another center's are FORBIDDEN
	// whatever its roles (and whether that center exists); an unknown code is NOT_FOUND
	// for operators; a reversed period is BAD_USER_INPUT.
	for _, c := range []struct {
		name, token string
		vars        map[string]any
		want        string
	}{
		{"BNH asks for TNG", bnh.Token(t, "coordinator", "publisher", "viewer"), of("c", "TNG"), "FORBIDDEN"},
		{"a TNG viewer asks for HPG", tngViewer, of("c", "HPG", "d", "INCOMING"), "FORBIDDEN"},
		{"a center asks for no center", pub[tng], of("c", "NOPE"), "FORBIDDEN"},
		{"the operator asks for no center", op, of("c", "NOPE"), "NOT_FOUND"},
		{"a reversed period", op, of("from", "2026-05-01", "to", "2026-04-01"), "BAD_USER_INPUT"},
	} {
		wantErrorCodes(t, e.Do(t, c.token, statsBenefitTransfers, c.vars), c.want)
	}
}
