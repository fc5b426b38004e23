package exchange_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestDecideBenefitTransfer_EveryActionStatusSide(t *testing.T) {
	const (
		F  = "!FORBIDDEN"
		NF = "!NOT_FOUND"
		IT = "!INVALID_TRANSITION"
	)
	type (
		A = exchange.BenefitTransferAction
		S = exchange.BenefitTransferStatus
	)
	const (
		REQ = exchange.TransferRequested
		NOT = exchange.TransferNotified
		SNT = exchange.TransferSent
		RCV = exchange.TransferReceived
		ACC = exchange.TransferAccepted
		RET = exchange.TransferReturned
		CAN = exchange.TransferCancelled
	)
	// Columns: a publisher of the paying center, of the receiving center, of neither.
	tests := []struct {
		action A
		from   S
		want   [3]string
	}{
		{exchange.TransferRecordNotice, REQ, [3]string{"NOTIFIED", F, NF}},
		{exchange.TransferRecordNotice, NOT, [3]string{IT, F, NF}},
		{exchange.TransferRecordNotice, SNT, [3]string{IT, F, NF}},
		{exchange.TransferRecordNotice, RCV, [3]string{IT, F, NF}},
		{exchange.TransferRecordNotice, ACC, [3]string{IT, F, NF}},
		{exchange.TransferRecordNotice, RET, [3]string{IT, F, NF}},
		{exchange.TransferRecordNotice, CAN, [3]string{IT, F, NF}},

		{exchange.TransferSend, REQ, [3]string{IT, F, NF}},
		{exchange.TransferSend, NOT, [3]string{"SENT", F, NF}},
		{exchange.TransferSend, SNT, [3]string{IT, F, NF}},
		{exchange.TransferSend, RCV, [3]string{IT, F, NF}},
		{exchange.TransferSend, ACC, [3]string{IT, F, NF}},
		{exchange.TransferSend, RET, [3]string{"SENT", F, NF}},
		{exchange.TransferSend, CAN, [3]string{IT, F, NF}},

		{exchange.TransferReceive, REQ, [3]string{F, IT, NF}},
		{exchange.TransferReceive, NOT, [3]string{F, IT, NF}},
		{exchange.TransferReceive, SNT, [3]string{F, "RECEIVED", NF}},
		{exchange.TransferReceive, RCV, [3]string{F, IT, NF}},
		{exchange.TransferReceive, ACC, [3]string{F, IT, NF}},
		{exchange.TransferReceive, RET, [3]string{F, IT, NF}},
		{exchange.TransferReceive, CAN, [3]string{F, IT, NF}},

		{exchange.TransferAccept, REQ, [3]string{F, IT, NF}},
		{exchange.TransferAccept, NOT, [3]string{F, IT, NF}},
		{exchange.TransferAccept, SNT, [3]string{F, IT, NF}},
		{exchange.TransferAccept, RCV, [3]string{F, "ACCEPTED", NF}},
		{exchange.TransferAccept, ACC, [3]string{F, IT, NF}},
		{exchange.TransferAccept, RET, [3]string{F, IT, NF}},
		{exchange.TransferAccept, CAN, [3]string{F, IT, NF}},

		{exchange.TransferReturn, REQ, [3]string{F, IT, NF}},
		{exchange.TransferReturn, NOT, [3]string{F, IT, NF}},
		{exchange.TransferReturn, SNT, [3]string{F, "RETURNED", NF}},
		{exchange.TransferReturn, RCV, [3]string{F, "RETURNED", NF}},
		{exchange.TransferReturn, ACC, [3]string{F, IT, NF}},
		{exchange.TransferReturn, RET, [3]string{F, IT, NF}},
		{exchange.TransferReturn, CAN, [3]string{F, IT, NF}},

		{exchange.TransferCancel, REQ, [3]string{"CANCELLED", F, NF}},
		{exchange.TransferCancel, NOT, [3]string{"CANCELLED", F, NF}},
		{exchange.TransferCancel, SNT, [3]string{IT, F, NF}},
		{exchange.TransferCancel, RCV, [3]string{IT, F, NF}},
		{exchange.TransferCancel, ACC, [3]string{IT, F, NF}},
		{exchange.TransferCancel, RET, [3]string{IT, F, NF}},
		{exchange.TransferCancel, CAN, [3]string{IT, F, NF}},
	}
	if len(tests) != 6*7 {
		t.Fatalf("table has %d rows, want every one of 6 actions x 7 statuses", len(tests))
	}
	sides := []exchange.ReferralSide{exchange.SidePaying, exchange.SideReceiving, exchange.SideNone}
	for _, tt := range tests {
		for i, side := range sides {
			t.Run(fmt.Sprintf("%s from %s by %d", tt.action, tt.from, side), func(t *testing.T) {
				for _, role := range []exchange.Role{exchange.RolePublisher, exchange.RoleCoordinator} {
					next, err := exchange.DecideBenefitTransfer(tt.from, tt.action, side, centerActor("TNG", role))
					if got := outcome(next, err); got != tt.want[i] {
						t.Errorf("%s: got %s, want %s (err: %v)", role, got, tt.want[i], err)
					}
				}
				viewerWant := F
				if side == exchange.SideNone {
					viewerWant = NF
				}
				next, err := exchange.DecideBenefitTransfer(tt.from, tt.action, side, centerActor("TNG", exchange.RoleViewer))
				if got := outcome(next, err); got != viewerWant {
					t.Errorf("viewer: got %s, want %s (err: %v)", got, viewerWant, err)
				}
				next, err = exchange.DecideBenefitTransfer(tt.from, tt.action, side, operator)
				if got := outcome(next, err); got != F {
					t.Errorf("operator: got %s, want %s (err: %v)", got, F, err)
				}
			})
		}
	}
}

func TestDecideBenefitTransfer_Messages(t *testing.T) {
	_, err := exchange.DecideBenefitTransfer(exchange.TransferSent, exchange.TransferAccept, exchange.SideReceiving,
		centerActor("HPG", exchange.RolePublisher))
	if msg := exchange.ErrorMessage(err); !strings.Contains(msg, "ACCEPTED is allowed only from RECEIVED") {
		t.Errorf("message %q", msg)
	}
	_, err = exchange.DecideBenefitTransfer(exchange.TransferSent, exchange.TransferReceive, exchange.SidePaying,
		centerActor("TNG", exchange.RolePublisher))
	if msg := exchange.ErrorMessage(err); !strings.Contains(msg, "only the receiving center") {
		t.Errorf("message %q", msg)
	}
}

func TestCheckTransferRequest(t *testing.T) {
	today := date("2026-03-10")
	ok := exchange.RequestBenefitTransferInput{
		WorkerID: new(string), ToCenterCode: "HPG", DecisionNumber: "123/QĐ-TTDVVL",
		DecisionDate: date("2026-01-05"), MonthlyAmount: 3_600_000, MonthsGranted: 5, MonthsPaid: 2,
		RequestedOn: date("2026-03-09"), NewAddressProvinceCode: "31",
	}
	tests := []struct {
		name  string
		edit  func(*exchange.RequestBenefitTransferInput)
		field string
	}{
		{"ok", func(*exchange.RequestBenefitTransferInput) {}, ""},
		{"no worker", func(in *exchange.RequestBenefitTransferInput) { in.WorkerID = nil }, "workerId"},
		{"both workers", func(in *exchange.RequestBenefitTransferInput) { in.Worker = &exchange.WorkerInput{} }, "workerId"},
		{"blank decision", func(in *exchange.RequestBenefitTransferInput) { in.DecisionNumber = " " }, "decisionNumber"},
		{"zero amount", func(in *exchange.RequestBenefitTransferInput) { in.MonthlyAmount = 0 }, "monthlyAmount"},
		{"13 months", func(in *exchange.RequestBenefitTransferInput) { in.MonthsGranted = 13; in.MonthsPaid = 1 }, "monthsGranted"},
		{"nothing left", func(in *exchange.RequestBenefitTransferInput) { in.MonthsPaid = 5 }, "monthsPaid"},
		{"future request", func(in *exchange.RequestBenefitTransferInput) { in.RequestedOn = today.AddDate(0, 0, 1) }, "requestedOn"},
		{"decision after request", func(in *exchange.RequestBenefitTransferInput) { in.DecisionDate = date("2026-03-10") }, "decisionDate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			errs := exchange.AsErrors(exchange.CheckTransferRequest(in, today))
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors %v", errs)
				}
				return
			}
			if len(errs) != 1 || strings.Join(errs[0].Field, ".") != tt.field {
				t.Fatalf("errors %v, want one on %s", errs, tt.field)
			}
		})
	}
}

func TestBenefitTransfer_OverdueAndRemaining(t *testing.T) {
	tr := &exchange.BenefitTransfer{Status: exchange.TransferNotified, MonthsGranted: 6, MonthsPaid: 2,
		DueBy: date("2026-03-12")}
	if tr.MonthsRemaining() != 4 {
		t.Errorf("MonthsRemaining = %d", tr.MonthsRemaining())
	}
	// 23:00 in Vietnam on the due date is still in time; 00:30 the next day is not.
	if tr.OverdueAt(time.Date(2026, 3, 12, 16, 0, 0, 0, time.UTC)) {
		t.Error("overdue on the due date")
	}
	if !tr.OverdueAt(time.Date(2026, 3, 12, 17, 30, 0, 0, time.UTC)) {
		t.Error("not overdue the day after")
	}
	tr.Status = exchange.TransferSent
	if tr.OverdueAt(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a sent transfer is overdue")
	}
}
