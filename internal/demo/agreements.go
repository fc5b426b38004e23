package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// CoordinatorContext returns ctx acting as a coordinator of the center, the way
// OperatorContext acts as the operator: the demo negotiates through the same service,
// rules and audit trail as the API.
func CoordinatorContext(ctx context.Context, center *exchange.Center, subject string) context.Context {
	return auth.NewContext(ctx, &exchange.Principal{
		CenterID: center.ID, CenterCode: center.Code, Subject: subject, Roles: []exchange.Role{exchange.RoleCoordinator},
	})
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// seedAgreements adds a signed 2026 agreement between Thái Nguyên and Hải Phòng and
// one under negotiation between Hà Nội and Hưng Yên. Idempotency keys make proposals
// happen once; later steps run only where the agreement has not reached them yet.
func seedAgreements(ctx context.Context, db *postgres.DB) error {
	centers := postgres.NewCenterService(db)
	agreements := postgres.NewAgreementService(db)
	as := map[string]context.Context{}
	ids := map[string]uuid.UUID{}
	for _, code := range []string{"TNG", "HPG", "HNI", "HYN"} {
		c, err := centers.CenterByCode(ctx, code)
		if err != nil {
			return fmt.Errorf("demo agreements: %w", err)
		}
		as[code], ids[code] = CoordinatorContext(ctx, c, "giamdoc@"+strings.ToLower(code)), c.ID
	}

	key := "demo-agreement-TNG-HPG-2026"
	a, err := agreements.ProposeAgreement(as["TNG"], exchange.ProposeAgreementInput{
		IdempotencyKey:   &key,
		Title:            "Chương trình hợp tác cung ứng lao động Thái Nguyên – Hải Phòng 2026",
		PartyCenterCodes: []string{"HPG"},
		Terms: exchange.AgreementTerms{
			ValidFrom: day("2026-01-01"), ValidUntil: day("2026-12-31"),
			Quotas: []exchange.QuotaLine{
				{OccupationCode: "8153", Workers: 120, FromCenterCode: "TNG", ToCenterCode: "HPG"},
				{OccupationCode: "8212", Workers: 80, FromCenterCode: "TNG", ToCenterCode: "HPG"},
			},
			Responsibilities: []exchange.Responsibility{
				{CenterCode: "TNG", Text: "Tuyển chọn, tư vấn và đưa người lao động (kể cả vùng Bắc Kạn cũ) đến Hải Phòng."},
				{CenterCode: "HPG", Text: "Giới thiệu doanh nghiệp may mặc và lắp ráp điện tử, theo dõi người lao động 6 tháng đầu."},
			},
			SupportPolicy: "Hỗ trợ chi phí đi lại một lần và nhà ở tập thể trong tháng đầu.",
		},
	})
	if err != nil {
		return fmt.Errorf("demo agreement TNG–HPG: %w", err)
	}
	for _, code := range []string{"TNG", "HPG"} {
		sigs, err := agreements.AgreementSignatures(as[code], a.ID)
		if err != nil {
			return err
		}
		if a.Status == exchange.AgreementSigned || slices.ContainsFunc(sigs, func(s *exchange.AgreementSignature) bool {
			return s.CenterID == ids[code]
		}) {
			continue
		}
		if a, err = agreements.SignAgreement(as[code], exchange.SignAgreementInput{
			AgreementID: exchange.GlobalID(exchange.KindAgreement, a.ID), Revision: a.CurrentRevisionNumber,
		}); err != nil {
			return fmt.Errorf("demo agreement TNG–HPG: sign as %s: %w", code, err)
		}
	}

	key = "demo-agreement-HNI-HYN-2027"
	b, err := agreements.ProposeAgreement(as["HNI"], exchange.ProposeAgreementInput{
		IdempotencyKey:   &key,
		Title:            "Hợp tác cung ứng lao động Hưng Yên – Hà Nội 2027",
		PartyCenterCodes: []string{"HYN"},
		Terms: exchange.AgreementTerms{
			ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"),
			Quotas: []exchange.QuotaLine{
				{OccupationCode: "7411", Workers: 40, FromCenterCode: "HYN", ToCenterCode: "HNI"},
				{OccupationCode: "9313", Workers: 60, FromCenterCode: "HYN", ToCenterCode: "HNI"},
			},
			SupportPolicy: "Hà Nội hỗ trợ đào tạo an toàn lao động trước khi làm việc.",
		},
	})
	if err != nil {
		return fmt.Errorf("demo agreement HNI–HYN: %w", err)
	}
	if b.CurrentRevisionNumber > 1 {
		return nil
	}
	id := exchange.GlobalID(exchange.KindAgreement, b.ID)
	if _, _, err := agreements.CommentOnAgreement(as["HYN"], exchange.CommentOnAgreementInput{
		AgreementID: id, Text: "Hưng Yên đề nghị tăng chỉ tiêu thợ điện và bổ sung hỗ trợ nhà ở.",
	}); err != nil {
		return fmt.Errorf("demo agreement HNI–HYN: comment: %w", err)
	}
	note := "Tăng thợ điện lên 50, thêm hỗ trợ nhà ở"
	if _, err := agreements.ReviseAgreement(as["HYN"], exchange.ReviseAgreementInput{
		AgreementID: id, Note: &note, ExpectedVersion: &b.Version,
		Terms: exchange.AgreementTerms{
			ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"),
			Quotas: []exchange.QuotaLine{
				{OccupationCode: "7411", Workers: 50, FromCenterCode: "HYN", ToCenterCode: "HNI"},
				{OccupationCode: "9313", Workers: 60, FromCenterCode: "HYN", ToCenterCode: "HNI"},
			},
			SupportPolicy: "Hà Nội hỗ trợ đào tạo an toàn lao động trước khi làm việc và nhà ở tập thể tháng đầu.",
		},
	}); err != nil {
		return fmt.Errorf("demo agreement HNI–HYN: revise: %w", err)
	}
	return nil
}
