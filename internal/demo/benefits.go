package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// The demo unemployment-insurance transfers: one in each status, most to or from Thái
// Nguyên (whose workers went to Bắc Ninh and Hải Phòng), and one REQUESTED two weeks
// ago whose deadline has passed. Synthetic, obviously fake people ("Lê Văn Chuyển 01",
// national IDs 0030000000NN).

type demoTransfer struct {
	n              int
	from, to       string
	status         exchange.BenefitTransferStatus
	daysAgo        int
	granted, paid  int
	monthlyAmount  int64
	returnedReason exchange.TransferReturnReason
}

var demoTransfers = []demoTransfer{
	// Requested two weeks ago and still not acted on: overdue.
	{n: 1, from: "TNG", to: "HPG", status: exchange.TransferRequested, daysAgo: 14, granted: 6, paid: 2, monthlyAmount: 3_850_000},
	{n: 2, from: "TNG", to: "BNH", status: exchange.TransferNotified, daysAgo: 1, granted: 5, paid: 1, monthlyAmount: 3_510_000},
	{n: 3, from: "HPG", to: "TNG", status: exchange.TransferSent, daysAgo: 3, granted: 4, paid: 1, monthlyAmount: 4_200_000},
	{n: 4, from: "BNH", to: "TNG", status: exchange.TransferReceived, daysAgo: 4, granted: 8, paid: 3, monthlyAmount: 3_960_000},
	{n: 5, from: "TNG", to: "HPG", status: exchange.TransferAccepted, daysAgo: 9, granted: 3, paid: 1, monthlyAmount: 3_240_000},
	{n: 6, from: "HNI", to: "TNG", status: exchange.TransferReturned, daysAgo: 6, granted: 6, paid: 4, monthlyAmount: 5_100_000,
		returnedReason: exchange.ReturnIncompleteDossier},
	{n: 7, from: "HYN", to: "HNI", status: exchange.TransferCancelled, daysAgo: 2, granted: 3, paid: 0, monthlyAmount: 3_000_000},
	{n: 8, from: "TNG", to: "HNI", status: exchange.TransferRequested, daysAgo: 0, granted: 9, paid: 5, monthlyAmount: 3_700_000},
}

// transferPath is the steps that bring a transfer to each status, and whether the
// paying center (else the receiving one) takes each.
var transferPath = map[exchange.BenefitTransferStatus][]struct {
	byPaying bool
	action   exchange.BenefitTransferAction
}{
	exchange.TransferRequested: nil,
	exchange.TransferNotified:  {{true, exchange.TransferRecordNotice}},
	exchange.TransferSent:      {{true, exchange.TransferRecordNotice}, {true, exchange.TransferSend}},
	exchange.TransferReceived: {{true, exchange.TransferRecordNotice}, {true, exchange.TransferSend},
		{false, exchange.TransferReceive}},
	exchange.TransferAccepted: {{true, exchange.TransferRecordNotice}, {true, exchange.TransferSend},
		{false, exchange.TransferReceive}, {false, exchange.TransferAccept}},
	exchange.TransferReturned: {{true, exchange.TransferRecordNotice}, {true, exchange.TransferSend},
		{false, exchange.TransferReceive}, {false, exchange.TransferReturn}},
	exchange.TransferCancelled: {{true, exchange.TransferRecordNotice}, {true, exchange.TransferCancel}},
}

// seedBenefitTransfers requests the demo transfers and moves each to its status through
// the transfer service. It is idempotent: each request has an idempotency key (a
// request replayed on a later day, its dates moved, is found by that key), and a
// transfer only takes the steps it lacks.
func seedBenefitTransfers(ctx context.Context, db *postgres.DB) error {
	if db.PII == nil {
		return errors.New("demo benefit transfers need the PII key")
	}
	svc := postgres.NewBenefitTransferService(db)
	centers := postgres.NewCenterService(db)
	for _, d := range demoTransfers {
		if err := d.seed(ctx, db, svc, centers); err != nil {
			return fmt.Errorf("demo benefit transfer %d: %w", d.n, err)
		}
	}
	return nil
}

func (d demoTransfer) seed(ctx context.Context, db *postgres.DB, svc *postgres.BenefitTransferService, centers *postgres.CenterService) error {
	paying, err := centerContext(ctx, centers, d.from)
	if err != nil {
		return err
	}
	receiving, err := centerContext(ctx, centers, d.to)
	if err != nil {
		return err
	}
	to, err := centers.CenterByCode(paying, d.to)
	if err != nil {
		return err
	}
	today := exchange.DateInVietnam(db.Now())
	requested := today.AddDate(0, 0, -d.daysAgo)
	key := fmt.Sprintf("demo-benefit-transfer-%02d", d.n)
	gender, purpose := exchange.GenderMale, "chuyển nơi hưởng trợ cấp thất nghiệp (dữ liệu mẫu)"
	phone, note := fmt.Sprintf("0910000%03d", d.n), "Hồ sơ mẫu để trình diễn"
	in := exchange.RequestBenefitTransferInput{
		IdempotencyKey: &key, ToCenterCode: d.to, NewAddressProvinceCode: to.ProvinceCode,
		DecisionNumber: fmt.Sprintf("%d/QĐ-TTDVVL-%s", 100+d.n, d.from), DecisionDate: requested.AddDate(0, -d.paid, -7),
		MonthlyAmount: d.monthlyAmount, MonthsGranted: d.granted, MonthsPaid: d.paid, RequestedOn: requested, Note: &note,
		Worker: &exchange.WorkerInput{
			FullName: fmt.Sprintf("Lê Văn Chuyển %02d", d.n), DateOfBirth: time.Date(1985+d.n, time.Month(d.n), d.n, 0, 0, 0, 0, time.UTC),
			Gender: &gender, Phone: &phone, NationalID: fmt.Sprintf("0030000000%02d", d.n), OccupationCode: "8153",
			Skills: []string{"kỹ năng mẫu"}, Consent: exchange.ConsentInput{Given: true, Purpose: &purpose},
		},
	}
	t, err := svc.RequestBenefitTransfer(paying, in)
	if alreadySeeded(err) {
		t, err = seededTransfer(paying, db, svc, key)
	}
	if err != nil {
		return err
	}
	// Take the steps from wherever the transfer stands on its path.
	status := exchange.TransferRequested
	for _, step := range transferPath[d.status] {
		side, as, actor := exchange.SideReceiving, receiving, t.ToCenterID
		if step.byPaying {
			side, as, actor = exchange.SidePaying, paying, t.FromCenterID
		}
		next, err := exchange.DecideBenefitTransfer(status, step.action, side, &exchange.Principal{
			CenterID: actor, Roles: []exchange.Role{exchange.RolePublisher}})
		if err != nil {
			return err
		}
		if t.Status == status {
			st := exchange.BenefitTransferStep{TransferID: exchange.GlobalID(exchange.KindBenefitTransfer, t.ID), Action: step.action}
			switch step.action {
			case exchange.TransferRecordNotice:
				ref := fmt.Sprintf("%d/TB-TTDVVL-%s", 200+d.n, d.from)
				st.NoticeDate, st.NoticeReference = &t.RequestedOn, &ref
			case exchange.TransferAccept:
				st.FirstPaymentDate = &today
			case exchange.TransferReturn:
				st.ReturnReason = &d.returnedReason
			}
			if t, err = svc.StepBenefitTransfer(as, st); err != nil {
				return fmt.Errorf("%s: %w", step.action, err)
			}
		}
		status = next
	}
	return nil
}

// seededTransfer is the transfer an earlier seed requested with the key.
func seededTransfer(ctx context.Context, db *postgres.DB, svc *postgres.BenefitTransferService, key string) (*exchange.BenefitTransfer, error) {
	var id uuid.UUID
	if err := db.Pool.QueryRow(ctx, `SELECT result_id FROM idempotency_keys
		WHERE key = $1 AND operation = 'requestBenefitTransfer' AND result_id IS NOT NULL`, key).Scan(&id); err != nil {
		return nil, fmt.Errorf("find %s: %w", key, err)
	}
	return svc.BenefitTransfer(ctx, id)
}
