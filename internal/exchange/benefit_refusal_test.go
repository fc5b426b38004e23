package exchange_test

import (
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// TestDecideAddBenefitDocument covers every answer: who adds to a dossier (the paying
// center's publishers and coordinators) and in which statuses (before sending, after a
// return).
func TestDecideAddBenefitDocument(t *testing.T) {
	paying, receiving := centerActor("TNG", exchange.RolePublisher), centerActor("HPG", exchange.RolePublisher)
	tr := func(s exchange.BenefitTransferStatus) *exchange.BenefitTransfer {
		return &exchange.BenefitTransfer{FromCenterID: paying.CenterID, ToCenterID: receiving.CenterID, Status: s}
	}
	tests := []struct {
		name   string
		actor  *exchange.Principal
		status exchange.BenefitTransferStatus
		want   string // "" or the code, then the field when there is one
	}{
		{"publisher, REQUESTED", paying, exchange.TransferRequested, ""},
		{"publisher, NOTIFIED", paying, exchange.TransferNotified, ""},
		{"publisher, RETURNED", paying, exchange.TransferReturned, ""},
		{"coordinator", centerActor("TNG", exchange.RoleCoordinator), exchange.TransferRequested, ""},
		{"SENT", paying, exchange.TransferSent, "INVALID_TRANSITION benefitTransferId"},
		{"RECEIVED", paying, exchange.TransferReceived, "INVALID_TRANSITION benefitTransferId"},
		{"ACCEPTED", paying, exchange.TransferAccepted, "INVALID_TRANSITION benefitTransferId"},
		{"CANCELLED", paying, exchange.TransferCancelled, "INVALID_TRANSITION benefitTransferId"},
		{"a paying viewer", centerActor("TNG", exchange.RoleViewer), exchange.TransferRequested, "FORBIDDEN"},
		{"the receiving center", receiving, exchange.TransferReturned, "FORBIDDEN"},
		{"a receiving coordinator", centerActor("HPG", exchange.RoleCoordinator), exchange.TransferNotified, "FORBIDDEN"},
		// An operator sees the transfer (without its papers) but does not add to it.
		{"the operator", operator, exchange.TransferRequested, "FORBIDDEN"},
		// A third center does not learn the transfer exists, whatever its status.
		{"a third center", centerActor("BNH", exchange.RolePublisher, exchange.RoleCoordinator), exchange.TransferRequested, "NOT_FOUND"},
		{"a third center, SENT", centerActor("BNH", exchange.RolePublisher), exchange.TransferSent, "NOT_FOUND"},
		{"nobody", nil, exchange.TransferRequested, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refusal(exchange.DecideAddBenefitDocument(tt.actor, tr(tt.status))); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// refusal is an error as its code and field path ("" for nil).
func refusal(err error) string {
	if err == nil {
		return ""
	}
	errs := exchange.AsErrors(err)
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		s := string(e.Code)
		if len(e.Field) > 0 {
			s += " " + strings.Join(e.Field, ".")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func TestCheckBenefitDocument(t *testing.T) {
	ok := exchange.AddBenefitDocumentInput{Kind: exchange.DocumentDecision, Title: "Quyết định 1234", Content: []byte("%PDF")}
	tests := []struct {
		name string
		edit func(*exchange.AddBenefitDocumentInput)
		want string
	}{
		{"ok", func(*exchange.AddBenefitDocumentInput) {}, ""},
		{"the largest file", func(in *exchange.AddBenefitDocumentInput) {
			in.Content = make([]byte, exchange.MaxBenefitDocumentBytes)
		}, ""},
		{"the longest title", func(in *exchange.AddBenefitDocumentInput) {
			in.Title = strings.Repeat("đ", exchange.MaxBenefitDocumentTitle)
		}, ""},
		{"blank title", func(in *exchange.AddBenefitDocumentInput) { in.Title = " \t" }, "REQUIRED title"},
		{"long title", func(in *exchange.AddBenefitDocumentInput) {
			in.Title = strings.Repeat("đ", exchange.MaxBenefitDocumentTitle+1)
		}, "TOO_LONG title"},
		{"empty file", func(in *exchange.AddBenefitDocumentInput) { in.Content = nil }, "REQUIRED contentBase64"},
		{"large file", func(in *exchange.AddBenefitDocumentInput) {
			in.Content = make([]byte, exchange.MaxBenefitDocumentBytes+1)
		}, "TOO_LONG contentBase64"},
		{"both", func(in *exchange.AddBenefitDocumentInput) { in.Title, in.Content = "", nil },
			"REQUIRED title; REQUIRED contentBase64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			if got := refusal(exchange.CheckBenefitDocument(in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCheckTransferStep covers every refusal of what a step carries: Form 20's date
// and reference, the first payment's date, the reason of a return, and the note.
func TestCheckTransferStep(t *testing.T) {
	requestedOn, today := date("2026-03-09"), date("2026-03-12")
	str := func(s string) *string { return &s }
	day := func(s string) *time.Time { d := date(s); return &d }
	reason := exchange.ReturnIncompleteDossier
	long := func(n int) *string { return str(strings.Repeat("ư", n)) }
	type step = exchange.BenefitTransferStep
	notice := func(d *time.Time, ref *string) step {
		return step{Action: exchange.TransferRecordNotice, NoticeDate: d, NoticeReference: ref}
	}
	accept := func(d *time.Time) step {
		return step{Action: exchange.TransferAccept, FirstPaymentDate: d}
	}
	tests := []struct {
		name string
		s    step
		want string
	}{
		{"notice", notice(day("2026-03-10"), str("55/TB")), ""},
		{"notice on the request day", notice(day("2026-03-09"), str("55/TB")), ""},
		{"notice today", notice(day("2026-03-12"), str(" 55/TB ")), ""},
		{"notice, longest reference", notice(day("2026-03-10"), long(exchange.MaxNoticeReferenceLen)), ""},
		{"notice without a date", notice(nil, str("55/TB")), "REQUIRED noticeDate"},
		{"notice in the future", notice(day("2026-03-13"), str("55/TB")), "OUT_OF_RANGE noticeDate"},
		{"notice before the request", notice(day("2026-03-08"), str("55/TB")), "OUT_OF_RANGE noticeDate"},
		{"notice without a reference", notice(day("2026-03-10"), nil), "REQUIRED reference"},
		{"notice with a blank reference", notice(day("2026-03-10"), str("  ")), "REQUIRED reference"},
		{"notice with a long reference", notice(day("2026-03-10"), long(exchange.MaxNoticeReferenceLen+1)), "TOO_LONG reference"},
		{"notice without anything", notice(nil, nil), "REQUIRED noticeDate; REQUIRED reference"},
		{"accept", accept(day("2026-03-11")), ""},
		{"accept without a date", accept(nil), "REQUIRED firstPaymentDate"},
		{"accept in the future", accept(day("2026-04-01")), "OUT_OF_RANGE firstPaymentDate"},
		{"accept before the request", accept(day("2026-03-01")), "OUT_OF_RANGE firstPaymentDate"},
		{"return", step{Action: exchange.TransferReturn, ReturnReason: &reason}, ""},
		{"return without a reason", step{Action: exchange.TransferReturn}, "REQUIRED reason"},
		{"send", step{Action: exchange.TransferSend, Note: long(exchange.MaxTransferNoteLen)}, ""},
		{"send with a long note", step{Action: exchange.TransferSend, Note: long(exchange.MaxTransferNoteLen + 1)}, "TOO_LONG note"},
		{"receive with a long note", step{Action: exchange.TransferReceive, Note: long(exchange.MaxTransferNoteLen + 1)}, "TOO_LONG note"},
		{"cancel", step{Action: exchange.TransferCancel}, ""},
		// Fields of another step are ignored: only what the action needs is checked.
		{"send with a future notice date", step{Action: exchange.TransferSend, NoticeDate: day("2027-01-01")}, ""},
		{"return without a reason, long note", step{Action: exchange.TransferReturn, Note: long(exchange.MaxTransferNoteLen + 1)},
			"REQUIRED reason; TOO_LONG note"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := refusal(exchange.CheckTransferStep(tt.s, requestedOn, today)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecideBenefitTransfer_Refusals: the two answers the status table does not reach.
func TestDecideBenefitTransfer_Refusals(t *testing.T) {
	_, err := exchange.DecideBenefitTransfer(exchange.TransferRequested, exchange.TransferRecordNotice, exchange.SidePaying, nil)
	if got := refusal(err); got != "UNAUTHENTICATED" {
		t.Errorf("nobody: %q", got)
	}
	_, err = exchange.DecideBenefitTransfer(exchange.TransferRequested, "REOPEN", exchange.SidePaying,
		centerActor("TNG", exchange.RolePublisher))
	if got := refusal(err); got != "INVALID" {
		t.Errorf("unknown action: %q", got)
	}
}
