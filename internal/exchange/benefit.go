package exchange

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Unemployment-insurance transfers between centers (chuyển hưởng trợ cấp thất nghiệp),
// as we read Decree 374/2025 Art. 20: a worker drawing benefit from one province's
// center (the paying center) moves and asks, on Form 19, to draw the remaining months
// in another. Within 3 working days the paying center sends the provincial social
// insurance a stop-payment notice (Form 20) and the dossier with a letter of
// introduction (Form 21) to the receiving center, which pays the remaining months.

// BenefitTransferStatus is where a transfer stands.
type BenefitTransferStatus string

const (
	TransferRequested BenefitTransferStatus = "REQUESTED"
	TransferNotified  BenefitTransferStatus = "NOTIFIED"
	TransferSent      BenefitTransferStatus = "SENT"
	TransferReceived  BenefitTransferStatus = "RECEIVED"
	TransferAccepted  BenefitTransferStatus = "ACCEPTED"
	TransferReturned  BenefitTransferStatus = "RETURNED"
	TransferCancelled BenefitTransferStatus = "CANCELLED"
)

// BenefitTransferAction is a step of a transfer after its request. The change feed
// names each step by its action.
type BenefitTransferAction string

const (
	TransferRecordNotice BenefitTransferAction = "STOP_PAYMENT_NOTICE_RECORDED"
	TransferSend         BenefitTransferAction = "SENT"
	TransferReceive      BenefitTransferAction = "RECEIVED"
	TransferAccept       BenefitTransferAction = "ACCEPTED"
	TransferReturn       BenefitTransferAction = "RETURNED"
	TransferCancel       BenefitTransferAction = "CANCELLED"
)

// ChangeAction is the feed's name of a transfer step: the action itself.
func (a BenefitTransferAction) ChangeAction() ChangeAction { return ChangeAction(a) }

// The paying center is a transfer's origin side, the receiving center its destination
// side (SideOf).
const (
	SidePaying    = SideOrigin
	SideReceiving = SideDestination
)

func transferSideName(s ReferralSide) string {
	switch s {
	case SidePaying:
		return "paying"
	case SideReceiving:
		return "receiving"
	}
	return "none"
}

type transferRule struct {
	side ReferralSide
	from []BenefitTransferStatus
	to   BenefitTransferStatus
}

// transferRules is the table. SEND is also allowed from RETURNED: the paying
// center corrects the dossier (a new revision) and sends it again; Form 20 was already
// sent, so the notice is not repeated.
var transferRules = map[BenefitTransferAction]transferRule{
	TransferRecordNotice: {SidePaying, []BenefitTransferStatus{TransferRequested}, TransferNotified},
	TransferSend:         {SidePaying, []BenefitTransferStatus{TransferNotified, TransferReturned}, TransferSent},
	TransferReceive:      {SideReceiving, []BenefitTransferStatus{TransferSent}, TransferReceived},
	TransferAccept:       {SideReceiving, []BenefitTransferStatus{TransferReceived}, TransferAccepted},
	TransferReturn:       {SideReceiving, []BenefitTransferStatus{TransferSent, TransferReceived}, TransferReturned},
	TransferCancel:       {SidePaying, []BenefitTransferStatus{TransferRequested, TransferNotified}, TransferCancelled},
}

// DecideBenefitTransfer decides whether actor, on the given side of a transfer in
// status from, may apply action a, and returns the new status. Checks run in the order
// of DecideReferral: operators (FORBIDDEN: they watch, never act); a center on neither
// side (NOT_FOUND); the PUBLISHER role (FORBIDDEN); the side the action belongs to
// (FORBIDDEN); the status (INVALID_TRANSITION).
func DecideBenefitTransfer(from BenefitTransferStatus, a BenefitTransferAction, side ReferralSide, actor *Principal) (BenefitTransferStatus, error) {
	// authz: only the paying and receiving centers move a transfer, with a write role.
	switch {
	case actor == nil:
		return "", Errorf(CodeUnauthenticated, "authentication required")
	case actor.IsOperator():
		return "", Errorf(CodeForbidden, "operators may not act on benefit transfers")
	case side != SidePaying && side != SideReceiving:
		return "", BenefitTransferNotFound()
	case !actor.Has(RolePublisher):
		return "", Errorf(CodeForbidden, "acting on a benefit transfer needs the %s role", RolePublisher)
	}
	rule, ok := transferRules[a]
	if !ok {
		return "", Errorf(CodeInvalid, "unknown benefit transfer action %q", a)
	}
	// authz: which center may take this step.
	if rule.side != side {
		return "", Errorf(CodeForbidden, "only the %s center may record %s; this center is the %s",
			transferSideName(rule.side), strings.ToLower(strings.ReplaceAll(string(a), "_", " ")), transferSideName(side))
	}
	if !slices.Contains(rule.from, from) {
		allowed := make([]string, len(rule.from))
		for i, s := range rule.from {
			allowed[i] = string(s)
		}
		return "", Errorf(CodeInvalidTransition, "cannot move a benefit transfer from %s to %s: %s is allowed only from %s",
			from, rule.to, a, strings.Join(allowed, ", "))
	}
	return rule.to, nil
}

// BenefitTransferNotFound is the refusal of a transfer the caller may not see.
func BenefitTransferNotFound() *Error { return NotFound("no benefit transfer has this ID") }

// TransferWorkerNotFound is the answer for a workerId that is not one of the paying
// center's own workers, whether it exists elsewhere or not.
func TransferWorkerNotFound() *Error {
	return FieldErrorf([]string{"workerId"}, CodeNotFound, "no worker of this center has this ID")
}

// SeesBenefitTransfer is who sees a transfer at all.
func SeesBenefitTransfer(p *Principal, fromID, toID uuid.UUID) bool {
	// authz: the two centers (any role) and operators; operators see no personal data
	// (SeesTransferPersonalData). A third center does not learn the transfer exists.
	return p != nil && (p.IsOperator() || SideOf(p.CenterID, fromID, toID) != SideNone)
}

// SeesTransferPersonalData is who sees the worker, the benefit decision, the amounts
// and the dossier of a transfer.
func SeesTransferPersonalData(p *Principal, t *BenefitTransfer) bool {
	// authz: publishers and coordinators of the paying center, and of the receiving
	// center once the dossier was sent to it; never viewers, operators or third centers.
	if p == nil || !MayReadPersonalData(p) {
		return false
	}
	switch SideOf(p.CenterID, t.FromCenterID, t.ToCenterID) {
	case SidePaying:
		return true
	case SideReceiving:
		return t.FirstSentAt != nil
	}
	return false
}

// DecideRequestBenefitTransfer is who opens a transfer: a publisher of the paying
// center, which is the caller's own.
func DecideRequestBenefitTransfer(p *Principal) error {
	// authz: a center's publishers (coordinators too); operators have no center.
	if err := Authenticated(p); err != nil {
		return err
	}
	if p.CenterID == uuid.Nil {
		return Errorf(CodeForbidden, "operators may not request benefit transfers")
	}
	return p.Require(RolePublisher)
}

// DecideListBenefitTransfers is who lists transfers: centers list their own, operators
// every one (without personal data).
func DecideListBenefitTransfers(p *Principal) error {
	return Authenticated(p)
}

// Limits of a transfer's inputs. Twelve months is the longest benefit under the
// Employment Law 2025; a longer grant is a typing mistake.
const (
	MaxBenefitMonths        = 12
	MaxDecisionNumberLen    = 50
	MaxNoticeReferenceLen   = 100
	MaxTransferNoteLen      = 1000
	TransferDeadlineWorkday = 3
)

// BenefitTransfer is one worker's benefit moving from the paying to the receiving
// center.
type BenefitTransfer struct {
	ID           uuid.UUID             `db:"id"`
	WorkerID     uuid.UUID             `db:"worker_id"`
	FromCenterID uuid.UUID             `db:"from_center_id"`
	ToCenterID   uuid.UUID             `db:"to_center_id"`
	Status       BenefitTransferStatus `db:"status"`
	// The benefit decision (quyết định hưởng trợ cấp thất nghiệp) of the paying center.
	DecisionNumber string    `db:"decision_number"`
	DecisionDate   time.Time `db:"decision_date"`
	MonthlyAmount  int64     `db:"monthly_amount"`
	MonthsGranted  int       `db:"months_granted"`
	MonthsPaid     int       `db:"months_paid"`
	// RequestedOn is the date of the worker's request (Form 19); DueBy is 3 working days
	// after it.
	RequestedOn      time.Time  `db:"requested_on"`
	NewProvinceCode  string     `db:"new_province_code"`
	DueBy            time.Time  `db:"due_by"`
	NoticeDate       *time.Time `db:"notice_date"`
	NoticeReference  *string    `db:"notice_reference"`
	FirstSentAt      *time.Time `db:"first_sent_at"`
	AcceptedAt       *time.Time `db:"accepted_at"`
	FirstPaymentDate *time.Time `db:"first_payment_date"`
	Revision         int        `db:"revision"`
	CreatedAt        time.Time  `db:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
	Version          int        `db:"version"`
}

// MonthsRemaining is what the receiving center pays: derived, never typed.
func (t *BenefitTransfer) MonthsRemaining() int { return t.MonthsGranted - t.MonthsPaid }

// OverdueAt reports whether the paying center missed the 3-working-day deadline: the
// dossier is not sent and the day in Vietnam is past DueBy.
func (t *BenefitTransfer) OverdueAt(now time.Time) bool {
	return (t.Status == TransferRequested || t.Status == TransferNotified) && DateInVietnam(now).After(t.DueBy)
}

// BenefitTransferEvent is one step of a transfer's history; the first (the request)
// has no From and no Action.
type BenefitTransferEvent struct {
	ID            int64                  `db:"id"`
	TransferID    uuid.UUID              `db:"transfer_id"`
	From          *BenefitTransferStatus `db:"from_status"`
	To            BenefitTransferStatus  `db:"to_status"`
	Action        *BenefitTransferAction `db:"action"`
	ActorCenterID *uuid.UUID             `db:"actor_center_id"`
	ActorSubject  string                 `db:"actor_subject"`
	// Revision is the dossier revision the step concerns.
	Revision     int                   `db:"revision"`
	ReturnReason *TransferReturnReason `db:"return_reason"`
	Note         *string               `db:"note"`
	RecordedAt   time.Time             `db:"recorded_at"`
}

// TransferReturnReason is why the receiving center sent a dossier back.
type TransferReturnReason string

const (
	ReturnIncompleteDossier TransferReturnReason = "INCOMPLETE_DOSSIER"
	ReturnWrongCenter       TransferReturnReason = "WRONG_CENTER"
	ReturnOther             TransferReturnReason = "OTHER"
)

// RequestBenefitTransferInput opens a transfer for an existing worker of the paying
// center (WorkerID) or one registered in the same call, with consent (Worker).
type RequestBenefitTransferInput struct {
	IdempotencyKey         *string `json:"-"`
	WorkerID               *string
	Worker                 *WorkerInput
	ToCenterCode           string
	DecisionNumber         string
	DecisionDate           time.Time
	MonthlyAmount          int64
	MonthsGranted          int
	MonthsPaid             int
	RequestedOn            time.Time
	NewAddressProvinceCode string
	Note                   *string
}

// BenefitTransferStep is one step of the lifecycle, as each mutation gives it.
type BenefitTransferStep struct {
	TransferID      string
	Action          BenefitTransferAction
	ExpectedVersion *int
	Note            *string
	// NoticeDate and NoticeReference: recordStopPaymentNotice (Form 20).
	NoticeDate      *time.Time
	NoticeReference *string
	// FirstPaymentDate: acceptBenefitTransfer.
	FirstPaymentDate *time.Time
	// ReturnReason: returnBenefitTransfer.
	ReturnReason *TransferReturnReason
}

// CheckTransferRequest validates a request's benefit figures and dates (field paths
// relative to the input); today is the date in Vietnam.
func CheckTransferRequest(in RequestBenefitTransferInput, today time.Time) error {
	var errs Errors
	if (in.WorkerID == nil) == (in.Worker == nil) {
		errs.Add(fieldOf("workerId"), CodeRequired, "give either workerId or worker")
	}
	n := strings.TrimSpace(in.DecisionNumber)
	switch {
	case n == "":
		errs.Add(fieldOf("decisionNumber"), CodeRequired, "decisionNumber is required")
	case utf8.RuneCountInString(n) > MaxDecisionNumberLen:
		errs.Add(fieldOf("decisionNumber"), CodeTooLong, "decisionNumber is longer than %d characters", MaxDecisionNumberLen)
	}
	if in.MonthlyAmount <= 0 {
		errs.Add(fieldOf("monthlyAmount"), CodeOutOfRange, "monthlyAmount must be a positive amount of VND")
	}
	if in.MonthsGranted < 1 || in.MonthsGranted > MaxBenefitMonths {
		errs.Add(fieldOf("monthsGranted"), CodeOutOfRange, "monthsGranted must be 1 to %d", MaxBenefitMonths)
	}
	if in.MonthsPaid < 0 || in.MonthsPaid >= in.MonthsGranted {
		errs.Add(fieldOf("monthsPaid"), CodeOutOfRange, "monthsPaid must leave at least one month to pay (0 to monthsGranted-1)")
	}
	if in.RequestedOn.After(today) {
		errs.Add(fieldOf("requestedOn"), CodeOutOfRange, "requestedOn is in the future")
	}
	if in.DecisionDate.After(in.RequestedOn) {
		errs.Add(fieldOf("decisionDate"), CodeOutOfRange, "decisionDate is after the request")
	}
	if err := CheckTransferNote(in.Note); err != nil {
		errs = append(errs, AsErrors(err)...)
	}
	return errs.Err()
}

// CheckTransferNote checks the note of a step.
func CheckTransferNote(note *string) error {
	if note != nil && utf8.RuneCountInString(*note) > MaxTransferNoteLen {
		return FieldErrorf(fieldOf("note"), CodeTooLong, "note is longer than %d characters", MaxTransferNoteLen)
	}
	return nil
}

// CheckTransferStep checks what a step carries beyond its action: Form 20's date and
// reference, the first payment's date, the reason of a return. Dates are not in the
// future and not before the request.
func CheckTransferStep(s BenefitTransferStep, requestedOn, today time.Time) error {
	var errs Errors
	date := func(field string, d *time.Time) {
		switch {
		case d == nil:
			errs.Add(fieldOf(field), CodeRequired, "%s is required", field)
		case d.After(today):
			errs.Add(fieldOf(field), CodeOutOfRange, "%s is in the future", field)
		case d.Before(requestedOn):
			errs.Add(fieldOf(field), CodeOutOfRange, "%s is before the request (%s)", field, requestedOn.Format(time.DateOnly))
		}
	}
	switch s.Action {
	case TransferRecordNotice:
		date("noticeDate", s.NoticeDate)
		r := ""
		if s.NoticeReference != nil {
			r = strings.TrimSpace(*s.NoticeReference)
		}
		switch {
		case r == "":
			errs.Add(fieldOf("reference"), CodeRequired, "reference (the number of Form 20) is required")
		case utf8.RuneCountInString(r) > MaxNoticeReferenceLen:
			errs.Add(fieldOf("reference"), CodeTooLong, "reference is longer than %d characters", MaxNoticeReferenceLen)
		}
	case TransferAccept:
		date("firstPaymentDate", s.FirstPaymentDate)
	case TransferReturn:
		if s.ReturnReason == nil {
			errs.Add(fieldOf("reason"), CodeRequired, "reason is required")
		}
	}
	if err := CheckTransferNote(s.Note); err != nil {
		errs = append(errs, AsErrors(err)...)
	}
	return errs.Err()
}

// BenefitTransferDirection selects transfers by the caller's end.
type BenefitTransferDirection string

const (
	TransferIncoming BenefitTransferDirection = "INCOMING"
	TransferOutgoing BenefitTransferDirection = "OUTGOING"
)

// BenefitTransferFilter narrows a list; From is inclusive and To exclusive, on the
// request date.
type BenefitTransferFilter struct {
	Direction *BenefitTransferDirection
	Statuses  []BenefitTransferStatus
	Overdue   *bool
	From      *time.Time
	To        *time.Time
}

// BenefitTransferService opens and moves transfers. Every method takes the caller from
// ctx (SeesBenefitTransfer, SeesTransferPersonalData).
type BenefitTransferService interface {
	RequestBenefitTransfer(ctx context.Context, in RequestBenefitTransferInput) (*BenefitTransfer, error)
	StepBenefitTransfer(ctx context.Context, s BenefitTransferStep) (*BenefitTransfer, error)
	BenefitTransfer(ctx context.Context, id uuid.UUID) (*BenefitTransfer, error)
	BenefitTransfers(ctx context.Context, f BenefitTransferFilter, page PageArgs) (*Page[*BenefitTransfer], error)
	BenefitTransferEvents(ctx context.Context, id uuid.UUID) ([]*BenefitTransferEvent, error)
	// BenefitTransferLetter loads what the Form 21 letter shows and audits the read of
	// the worker's data.
	BenefitTransferLetter(ctx context.Context, id uuid.UUID) (*TransferLetter, error)
	AddBenefitDocument(ctx context.Context, in AddBenefitDocumentInput) (*BenefitTransfer, error)
	// BenefitDocuments lists a dossier (no content) for DecideReadLetter's readers.
	BenefitDocuments(ctx context.Context, transferID uuid.UUID) ([]*BenefitDocument, error)
	// BenefitDocumentContent returns a document's file and audits the read.
	BenefitDocumentContent(ctx context.Context, d *BenefitDocument) ([]byte, error)
}

// TransferLetter is what the letter of introduction (Form 21) is filled from.
type TransferLetter struct {
	Transfer         *BenefitTransfer
	From, To         *Center
	FromProvinceName string
	ToProvinceName   string
	NewProvinceName  string
	Worker           *Worker
}

// DecideReadLetter is who reads a transfer's letter or dossier, for a caller who sees
// the transfer: only those who see its personal data.
func DecideReadLetter(p *Principal, t *BenefitTransfer) error {
	// authz: SeesTransferPersonalData; the others see the transfer, not its papers.
	if !SeesTransferPersonalData(p, t) {
		return Errorf(CodeForbidden, "the letter holds personal data: only the staff of the two centers read it, "+
			"the receiving center once the dossier is sent")
	}
	return nil
}

// DecideReceivingProvince checks that the receiving center serves the worker's new
// province: the benefit continues where the worker now lives.
func DecideReceivingProvince(c *Center, provinceCode string) error {
	if c != nil && c.ProvinceCode != strings.TrimSpace(provinceCode) {
		return FieldErrorf(fieldOf("toCenterCode"), CodeInvalid,
			"center %s serves province %s, not the new address's province %s", c.Code, c.ProvinceCode, provinceCode)
	}
	return nil
}

// DraftRevision is the dossier revision being prepared: after a return the paying
// center corrects the next one, which sending makes current.
func (t *BenefitTransfer) DraftRevision() int {
	if t.Status == TransferReturned {
		return t.Revision + 1
	}
	return t.Revision
}
