package apitest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
)

// TestBenefitTransferUpdatedReachesTheTwoCenters follows one transfer live from its
// request to its sending. The paying and the receiving center receive every step; the
// receiving center sees the worker only once the dossier is sent. A viewer of either
// center and the operator receive the steps too (they see the transfer, as node does)
// with every personal field null; a third center receives nothing and may not
// subscribe to the transfer by ID.
func TestBenefitTransferUpdatedReachesTheTwoCenters(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	paying := tng.Token(t, "publisher")
	const sub = `subscription($after: String) { benefitTransferUpdated(after: $after) {
		id status fromCenter { code } toCenter { code } worker { fullName } decisionNumber monthlyAmount
		monthsRemaining documents { title } events { note actorSubject } } }`
	now := map[string]any{"after": feedCursor(t, e)}
	subscribers := []struct {
		who      string
		sub      *apitest.Subscription
		personal []bool // per step (REQUESTED, NOTIFIED, SENT): sees the worker
	}{
		{"TNG publisher", apitest.Subscribe(t, e.Server.URL, paying, sub, now), []bool{true, true, true}},
		{"HPG publisher", apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "publisher"), sub, now), []bool{false, false, true}},
		{"TNG viewer", apitest.Subscribe(t, e.Server.URL, tng.Token(t, "viewer"), sub, now), []bool{false, false, false}},
		{"HPG viewer", apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "viewer"), sub, now), []bool{false, false, false}},
		{"the operator", apitest.Subscribe(t, e.Server.URL, e.OperatorToken(t), sub, now), []bool{false, false, false}},
	}
	third := apitest.Subscribe(t, e.Server.URL, bnh.Token(t, "coordinator", "publisher", "viewer"), sub, now)

	today := exchange.DateInVietnam(time.Now()).Format(time.DateOnly)
	var id string
	steps := []struct {
		status string
		run    func()
	}{
		{"REQUESTED", func() {
			r := e.Do(t, paying, requestTransfer, map[string]any{"in": transferRequest(today)})
			r.NoErrors(t)
			id = r.String(t, "requestBenefitTransfer.benefitTransfer.id")
		}},
		{"NOTIFIED", func() {
			wantCodes(t, transferStep(t, e, paying, "recordStopPaymentNotice", "RecordStopPaymentNoticeInput",
				map[string]any{"benefitTransferId": id, "noticeDate": today, "reference": "55/TB-TTDVVL"}), "recordStopPaymentNotice")
		}},
		{"SENT", func() {
			wantCodes(t, transferStep(t, e, paying, "sendBenefitTransfer", "BenefitTransferStepInput",
				map[string]any{"benefitTransferId": id}), "sendBenefitTransfer")
		}},
	}
	personalFields := []string{"worker", "decisionNumber", "monthlyAmount", "monthsRemaining", "documents"}
	for step, st := range steps {
		st.run()
		// Every subscriber reads the step before the next one is taken, so each event
		// shows the transfer as that step left it.
		for _, s := range subscribers {
			ev := s.sub.Next(t, 20*time.Second)["benefitTransferUpdated"].(map[string]any)
			where := fmt.Sprintf("%s, %s", s.who, st.status)
			if ev["id"] != id || ev["status"] != st.status || ev["fromCenter"].(map[string]any)["code"] != "TNG" ||
				ev["toCenter"].(map[string]any)["code"] != "HPG" {
				t.Fatalf("%s: %v, want the TNG → HPG transfer %s", where, ev, st.status)
			}
			sees := s.personal[step]
			for _, f := range personalFields {
				if got := ev[f] != nil; got != sees {
					t.Errorf("%s: %s = %v, want present=%v", where, f, ev[f], sees)
				}
			}
			if sees {
				if w := ev["worker"].(map[string]any); w["fullName"] != "Nguyễn Văn Thử" || ev["monthsRemaining"] != 4.0 {
					t.Errorf("%s: worker %v, monthsRemaining %v", where, w, ev["monthsRemaining"])
				}
			}
			for i, x := range ev["events"].([]any) {
				if n := x.(map[string]any); !sees && (n["note"] != nil || n["actorSubject"] != nil) {
					t.Errorf("%s: event %d shows %v", where, i, n)
				}
			}
		}
	}
	third.Silent(t, 2*time.Second)

	r2 := apitest.SubscribeOnce(t, e.Server.URL, bnh.Token(t, "coordinator"),
		`subscription($id: ID) { benefitTransferUpdated(benefitTransferId: $id) { id } }`, map[string]any{"id": id})
	if len(r2.Errors) != 1 || r2.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("a third center subscribing to the transfer: %s, want NOT_FOUND", r2.Raw)
	}
}
