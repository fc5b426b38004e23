package exchange_test

import (
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestValidateDemandTerms(t *testing.T) {
	cat := testCatalog()
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	ptr := func(n int) *int { return &n }
	day := func(y int, m time.Month, d int) *time.Time { t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &t }
	wage := int64(8_000_000)
	skilled := exchange.SkillSkilled
	college := exchange.EducationCollege
	base := func() *exchange.DemandDraft {
		return &exchange.DemandDraft{Employer: exchange.EmployerInput{Name: "Công ty May"}, OccupationCode: "8153",
			Title: "Thợ may", Quantity: 10, WageMin: &wage, WorkProvinceCode: "19", EmploymentType: exchange.EmploymentFixedTerm,
			ExpiresAt: now.Add(30 * 24 * time.Hour), Visibility: exchange.VisibilityAllPartners}
	}
	for name, c := range map[string]struct {
		edit func(d *exchange.DemandDraft)
		want []string // field:code
	}{
		"OK every term": {func(d *exchange.DemandDraft) {
			d.StartDate = day(2025, 10, 1)
			d.Terms = exchange.DemandTerms{HoursPerWeek: ptr(48), Shifts: []exchange.WorkShift{exchange.ShiftDay, exchange.ShiftNight},
				ContractMonths: ptr(36), Overtime: &exchange.OvertimeInput{HoursPerMonth: 40},
				PayPeriod: ptrTo(exchange.PayMonthly), ProbationDays: ptr(6), SocialInsurance: ptrTo(true),
				Deductions: []exchange.DeductionInput{{Kind: exchange.DeductHousing, Amount: 500_000}, {Kind: exchange.DeductMeals, Amount: 300_000}}}
		}, nil},
		"ErrHoursOver48": {func(d *exchange.DemandDraft) { d.Terms.HoursPerWeek = ptr(49) }, []string{"hoursPerWeek:OUT_OF_RANGE"}},
		"ErrHoursZero":   {func(d *exchange.DemandDraft) { d.Terms.HoursPerWeek = ptr(0) }, []string{"hoursPerWeek:OUT_OF_RANGE"}},
		"ErrShiftTwice": {func(d *exchange.DemandDraft) {
			d.Terms.Shifts = []exchange.WorkShift{exchange.ShiftDay, "SIESTA", exchange.ShiftDay}
		}, []string{"shifts.1:INVALID", "shifts.2:INVALID"}},
		"ErrContract37Months": {func(d *exchange.DemandDraft) { d.Terms.ContractMonths = ptr(37) }, []string{"contractMonths:OUT_OF_RANGE"}},
		"ErrContractBoth": {func(d *exchange.DemandDraft) {
			d.Terms.ContractMonths, d.Terms.ContractEndDate = ptr(12), day(2026, 9, 1)
		}, []string{"contractEndDate:INVALID"}},
		"OK contract end date": {func(d *exchange.DemandDraft) {
			d.StartDate, d.Terms.ContractEndDate = day(2025, 10, 1), day(2028, 10, 1)
		}, nil},
		"ErrContractEndOver36Months": {func(d *exchange.DemandDraft) {
			d.StartDate, d.Terms.ContractEndDate = day(2025, 10, 1), day(2028, 10, 2)
		}, []string{"contractEndDate:OUT_OF_RANGE"}},
		"ErrContractEndBeforeStart": {func(d *exchange.DemandDraft) {
			d.StartDate, d.Terms.ContractEndDate = day(2025, 10, 1), day(2025, 10, 1)
		}, []string{"contractEndDate:OUT_OF_RANGE"}},
		"ErrContractEndPast": {func(d *exchange.DemandDraft) { d.Terms.ContractEndDate = day(2025, 8, 1) },
			[]string{"contractEndDate:OUT_OF_RANGE"}},
		"ErrOvertime": {func(d *exchange.DemandDraft) {
			d.Terms.Overtime = &exchange.OvertimeInput{HoursPerMonth: 41, PayRatePercent: ptr(120)}
		}, []string{"hoursPerMonth:OUT_OF_RANGE", "payRatePercent:OUT_OF_RANGE"}},
		"ErrPayPeriod": {func(d *exchange.DemandDraft) { d.Terms.PayPeriod = ptrTo(exchange.PayPeriod("YEARLY")) },
			[]string{"payPeriod:INVALID"}},
		"ErrDeductions": {func(d *exchange.DemandDraft) {
			d.Terms.Deductions = []exchange.DeductionInput{{Kind: exchange.DeductHousing, Amount: 1}, {Kind: exchange.DeductHousing, Amount: 0},
				{Kind: "BRIBE", Amount: 5}}
		}, []string{"kind:INVALID", "amount:OUT_OF_RANGE", "kind:INVALID"}},
		"ErrDeductionsOverWage": {func(d *exchange.DemandDraft) {
			d.Terms.Deductions = []exchange.DeductionInput{{Kind: exchange.DeductHousing, Amount: 5_000_000}, {Kind: exchange.DeductMeals, Amount: 3_000_001}}
		}, []string{"deductions:INVALID"}},
		// Labour Code 2019 art. 25: 6 days for a job with no qualification asked.
		"ErrProbation7DaysUnskilled": {func(d *exchange.DemandDraft) { d.Terms.ProbationDays = ptr(7) }, []string{"probationDays:OUT_OF_RANGE"}},
		"OK probation 30 days skilled": {func(d *exchange.DemandDraft) {
			d.Requirements.SkillLevel, d.Terms.ProbationDays = &skilled, ptr(30)
		}, nil},
		"ErrProbation31DaysSkilled": {func(d *exchange.DemandDraft) {
			d.Requirements.SkillLevel, d.Terms.ProbationDays = &skilled, ptr(31)
		}, []string{"probationDays:OUT_OF_RANGE"}},
		"OK probation 60 days college": {func(d *exchange.DemandDraft) {
			d.Requirements.EducationLevel, d.Terms.ProbationDays = &college, ptr(60)
		}, nil},
		"ErrProbationNegative": {func(d *exchange.DemandDraft) { d.Terms.ProbationDays = ptr(-1) }, []string{"probationDays:OUT_OF_RANGE"}},
	} {
		t.Run(name, func(t *testing.T) {
			d := base()
			c.edit(d)
			var got []string
			for _, e := range exchange.ValidateDemand(cat, now, d, exchange.DemandRules{Province: true, Expiry: true}) {
				f := e.Field[len(e.Field)-1]
				if len(e.Field) == 2 && e.Field[0] == "shifts" {
					f = "shifts." + e.Field[1]
				}
				got = append(got, f+":"+string(e.Code))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("errors = %v, want %v", got, c.want)
			}
		})
	}
}

func TestProbationLimit(t *testing.T) {
	edu := func(e exchange.EducationLevel) *exchange.EducationLevel { return &e }
	skill := func(s exchange.SkillLevel) *exchange.SkillLevel { return &s }
	for _, c := range []struct {
		occupation string
		edu        *exchange.EducationLevel
		skill      *exchange.SkillLevel
		want       int
	}{
		{"1120", nil, nil, 180}, // managing director: art. 25(1)
		{"2141", nil, nil, 60},  // engineer: a professional, art. 25(2)
		{"8153", edu(exchange.EducationUniversity), nil, 60},
		{"8153", edu(exchange.EducationCollege), nil, 60},
		{"3115", nil, nil, 30}, // mechanical technician: art. 25(3)
		{"8153", edu(exchange.EducationIntermediate), nil, 30},
		{"8153", nil, skill(exchange.SkillHighlySkilled), 30},
		{"8153", edu(exchange.EducationUpperSecondary), skill(exchange.SkillSemiSkilled), 6}, // art. 25(4)
		{"9329", nil, nil, 6},
	} {
		if got := exchange.ProbationLimit(c.occupation, c.edu, c.skill); got != c.want {
			t.Errorf("%s %v %v: %d, want %d", c.occupation, c.edu, c.skill, got, c.want)
		}
	}
}

func TestRequirementFits(t *testing.T) {
	ptr := func(n int) *int { return &n }
	skill := func(s exchange.SkillLevel) *exchange.SkillLevel { return &s }
	edu := func(e exchange.EducationLevel) *exchange.EducationLevel { return &e }
	for _, c := range []struct {
		req, offered *exchange.SkillLevel
		want         exchange.Fit
	}{
		{nil, nil, exchange.FitMeets},
		{nil, skill(exchange.SkillUnskilled), exchange.FitMeets},
		{skill(exchange.SkillSkilled), nil, exchange.FitUnknown},
		{skill(exchange.SkillSkilled), skill(exchange.SkillSkilled), exchange.FitMeets},
		{skill(exchange.SkillSkilled), skill(exchange.SkillHighlySkilled), exchange.FitMeets},
		{skill(exchange.SkillSkilled), skill(exchange.SkillSemiSkilled), exchange.FitBelow},
	} {
		if got := exchange.SkillFit(c.req, c.offered); got != c.want {
			t.Errorf("skill %v for %v: %d, want %d", c.offered, c.req, got, c.want)
		}
	}
	for _, c := range []struct {
		req, offered *exchange.EducationLevel
		want         exchange.Fit
	}{
		{nil, edu(exchange.EducationNone), exchange.FitMeets},
		{edu(exchange.EducationUpperSecondary), nil, exchange.FitUnknown},
		{edu(exchange.EducationUpperSecondary), edu(exchange.EducationIntermediate), exchange.FitMeets},
		{edu(exchange.EducationCollege), edu(exchange.EducationIntermediate), exchange.FitBelow},
	} {
		if got := exchange.EducationFit(c.req, c.offered); got != c.want {
			t.Errorf("education %v for %v: %d, want %d", c.offered, c.req, got, c.want)
		}
	}
	for _, c := range []struct {
		reqMin, reqMax, min, max *int
		want                     exchange.Fit
	}{
		{nil, nil, nil, nil, exchange.FitMeets},
		{ptr(18), ptr(35), nil, nil, exchange.FitUnknown},
		{ptr(18), ptr(35), ptr(20), ptr(30), exchange.FitMeets},
		{ptr(18), ptr(35), ptr(18), ptr(35), exchange.FitMeets},
		{ptr(18), ptr(35), ptr(30), ptr(45), exchange.FitPartly},
		{ptr(18), ptr(35), ptr(36), ptr(50), exchange.FitBelow},
		{ptr(18), nil, ptr(16), nil, exchange.FitPartly}, // 16..70 against 18..
		{nil, ptr(40), ptr(20), nil, exchange.FitPartly}, // 20..70 against ..40
		{nil, ptr(40), nil, ptr(39), exchange.FitMeets},  // 15..39 against ..40
	} {
		if got := exchange.AgeFit(c.reqMin, c.reqMax, c.min, c.max); got != c.want {
			t.Errorf("ages %v-%v for %v-%v: %d, want %d", c.min, c.max, c.reqMin, c.reqMax, got, c.want)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
