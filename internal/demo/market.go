package demo

import (
	"context"
	"fmt"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// The demo market: Hải Phòng's and Bắc Ninh's factories asking for sewing machine
// operators and electronics assemblers, Thái Nguyên's supply of trained workers (many
// from the former Bắc Kạn) back from jobs in Bắc Ninh and Hưng Yên.

type demoDemand struct {
	center, key, employer, taxCode, occupation, title, description, address string
	quantity                                                                int
	wageMin, wageMax                                                        int64
	province                                                                string
	housing, transport, meals                                               bool
	visibility                                                              exchange.Visibility
	days                                                                    int
}

var demoDemands = []demoDemand{
	{center: "HPG", key: "demo-demand-hpg-1", employer: "Công ty TNHH May mặc Tiền Phong", taxCode: "0201234567",
		occupation: "8153", title: "Công nhân may công nghiệp", description: "Ca ngày, đào tạo tại chỗ 2 tuần, tăng ca tự nguyện.",
		address: "KCN Đình Vũ, Hải An, Hải Phòng", quantity: 120, wageMin: 7_500_000, wageMax: 10_000_000, province: "31",
		housing: true, meals: true, days: 60},
	{center: "HPG", key: "demo-demand-hpg-2", employer: "Công ty TNHH Điện tử Tràng Duệ", taxCode: "0202345678",
		occupation: "8212", title: "Công nhân lắp ráp linh kiện điện tử", description: "Lắp ráp bảng mạch, kiểm tra sản phẩm.",
		address: "KCN Tràng Duệ, An Dương, Hải Phòng", quantity: 200, wageMin: 8_000_000, wageMax: 11_000_000, province: "31",
		transport: true, meals: true, days: 45},
	{center: "HPG", key: "demo-demand-hpg-3", employer: "Công ty CP Giày da Hải Dương", taxCode: "0800123456",
		occupation: "8156", title: "Thợ vận hành máy sản xuất giày", address: "KCN Đại An, Hải Dương cũ",
		quantity: 60, wageMin: 7_000_000, wageMax: 9_000_000, province: "31", housing: true, days: 30,
		visibility: exchange.VisibilityAgreementPartners},
	{center: "HPG", key: "demo-demand-hpg-4", employer: "Công ty TNHH May xuất khẩu Lai Vu", taxCode: "0801234567",
		occupation: "8153", title: "Thợ may mẫu áo sơ mi xuất khẩu", description: "May mẫu theo tài liệu kỹ thuật, ưu tiên thợ bậc 3.",
		address: "KCN Lai Vu, Kim Thành, Hải Dương cũ", quantity: 30, wageMin: 9_000_000, wageMax: 13_000_000, province: "31",
		housing: true, meals: true, days: 45},
	{center: "BNH", key: "demo-demand-bnh-1", employer: "Công ty TNHH Linh kiện Yên Phong", taxCode: "2300123456",
		occupation: "8212", title: "Công nhân lắp ráp điện thoại", address: "KCN Yên Phong, Bắc Ninh",
		quantity: 300, wageMin: 8_500_000, wageMax: 12_000_000, province: "24", transport: true, meals: true, days: 40},
	{center: "HYN", key: "demo-demand-hyn-1", employer: "Công ty TNHH May Phố Nối", taxCode: "0900123456",
		occupation: "8153", title: "Công nhân may", address: "KCN Phố Nối A, Hưng Yên",
		quantity: 80, wageMin: 7_000_000, wageMax: 9_500_000, province: "33", meals: true, days: 50},
	{center: "HNI", key: "demo-demand-hni-1", employer: "Công ty CP Cơ khí Đông Anh", taxCode: "0100123456",
		occupation: "7212", title: "Thợ hàn kết cấu thép", address: "Đông Anh, Hà Nội",
		quantity: 25, wageMin: 10_000_000, wageMax: 15_000_000, province: "01", housing: true, days: 30},
}

type demoSupply struct {
	center, key, occupation, notes string
	skill                          exchange.SkillLevel
	quantity                       int
	destinations                   []string
	wage                           int64
	inDays, forDays                int
}

var demoSupplies = []demoSupply{
	{center: "TNG", key: "demo-supply-tng-1", occupation: "8153", skill: exchange.SkillSkilled, quantity: 45,
		destinations: []string{"31", "33", "24"}, wage: 7_000_000, inDays: 7, forDays: 120,
		notes: "Lao động Bắc Kạn cũ đã làm may tại Bắc Ninh và Hưng Yên, có kinh nghiệm 2–5 năm."},
	{center: "TNG", key: "demo-supply-tng-2", occupation: "8212", skill: exchange.SkillSemiSkilled, quantity: 60,
		destinations: []string{"24", "31"}, wage: 7_500_000, inDays: 14, forDays: 180,
		notes: "Đã qua đào tạo lắp ráp điện tử ngắn hạn tại Trung tâm; trở về sau khi mất việc năm 2021."},
	{center: "TNG", key: "demo-supply-tng-3", occupation: "7212", skill: exchange.SkillSkilled, quantity: 12,
		wage: 9_000_000, inDays: 0, forDays: 90, notes: "Thợ hàn có chứng chỉ bậc 3, đi làm xa được."},
	{center: "HNI", key: "demo-supply-hni-1", occupation: "8211", skill: exchange.SkillSkilled, quantity: 20,
		destinations: []string{"31"}, wage: 9_000_000, inDays: 10, forDays: 60, notes: "Lắp ráp máy móc cơ khí."},
}

func centerContext(ctx context.Context, centers *postgres.CenterService, code string) (context.Context, error) {
	c, err := centers.CenterByCode(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("demo center %s: %w", code, err)
	}
	return auth.NewContext(ctx, &exchange.Principal{CenterID: c.ID, CenterCode: c.Code, Subject: "demo-seed",
		Roles: []exchange.Role{exchange.RolePublisher}}), nil
}

// alreadySeeded reports an idempotent replay whose dates moved since the first run.
func alreadySeeded(err error) bool {
	return exchange.ErrorCode(err) == exchange.CodeIdempotencyKeyReused
}

// SeedMarket publishes the demo demand and supply. Each posting has an idempotency key,
// so a second run creates nothing.
func SeedMarket(ctx context.Context, db *postgres.DB) error {
	centers := postgres.NewCenterService(db)
	market := postgres.NewMarketService(db)
	opCtx := OperatorContext(ctx, "demo-seed")
	today := exchange.Day(db.Now())
	for _, d := range demoDemands {
		cctx, err := centerContext(opCtx, centers, d.center)
		if err != nil {
			return err
		}
		key, tax, desc, addr := d.key, d.taxCode, d.description, d.address
		vis := d.visibility
		if vis == "" {
			vis = exchange.VisibilityAllPartners
		}
		start := today.AddDate(0, 0, 14)
		_, err = market.PublishLaborDemand(cctx, exchange.PublishLaborDemandInput{
			IdempotencyKey: &key, Employer: exchange.EmployerInput{Name: d.employer, TaxCode: &tax},
			OccupationCode: d.occupation, Title: d.title, Description: &desc, Quantity: d.quantity,
			WageMin: &d.wageMin, WageMax: &d.wageMax, WorkProvinceCode: d.province, WorkAddress: &addr,
			EmploymentType: exchange.EmploymentFullTime,
			Requirements:   &exchange.RequirementsInput{MinAge: ptr(18), MaxAge: ptr(45)},
			Benefits:       &exchange.BenefitsInput{Housing: &d.housing, TransportSupport: &d.transport, Meals: &d.meals},
			StartDate:      &start, ExpiresAt: today.AddDate(0, 0, d.days), Visibility: &vis,
			// The terms of a factory job order as the centers publish them: 48 hours in
			// rotating shifts, a 12-month contract, overtime, the probation of an
			// unskilled job, and housing deducted when the employer provides it.
			TermsInput: exchange.TermsInput{HoursPerWeek: ptr(48),
				Shifts:         []exchange.WorkShift{exchange.ShiftDay, exchange.ShiftRotating},
				ContractMonths: ptr(12), Overtime: &exchange.OvertimeInput{HoursPerMonth: 30},
				PayPeriod: ptr(exchange.PayMonthly), ProbationDays: ptr(6), SocialInsurance: ptr(true),
				Deductions: demoDeductions(d.housing, d.meals)},
		})
		if err != nil && !alreadySeeded(err) {
			return fmt.Errorf("demo demand %s: %w", d.key, err)
		}
	}
	for _, s := range demoSupplies {
		cctx, err := centerContext(opCtx, centers, s.center)
		if err != nil {
			return err
		}
		key, notes, skill := s.key, s.notes, s.skill
		until := today.AddDate(0, 0, s.inDays+s.forDays)
		_, err = market.PublishLaborSupply(cctx, exchange.PublishLaborSupplyInput{
			IdempotencyKey: &key, OccupationCode: s.occupation, SkillLevel: &skill, Quantity: s.quantity,
			EducationLevel: ptr(exchange.EducationLowerSecondary), MinAge: ptr(20), MaxAge: ptr(45),
			AvailableFrom: today.AddDate(0, 0, s.inDays), AvailableUntil: &until,
			DestinationProvinceCodes: s.destinations, ExpectedWageMin: &s.wage, Notes: &notes,
		})
		if err != nil && !alreadySeeded(err) {
			return fmt.Errorf("demo supply %s: %w", s.key, err)
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// demoDeductions are what a demo employer deducts for the housing and meals it gives.
func demoDeductions(housing, meals bool) []exchange.DeductionInput {
	var out []exchange.DeductionInput
	if housing {
		out = append(out, exchange.DeductionInput{Kind: exchange.DeductHousing, Amount: 300_000})
	}
	if meals {
		out = append(out, exchange.DeductionInput{Kind: exchange.DeductMeals, Amount: 450_000})
	}
	return out
}
