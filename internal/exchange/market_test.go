package exchange_test

import (
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestDemandStatusAt(t *testing.T) {
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	closed := now.Add(-time.Hour)
	for _, c := range []struct {
		closed           *time.Time
		filled, quantity int
		expires          time.Time
		want             exchange.DemandStatus
	}{
		{nil, 0, 10, now.Add(time.Hour), exchange.DemandOpen},
		{nil, 9, 10, now.Add(time.Hour), exchange.DemandOpen},
		{nil, 10, 10, now.Add(time.Hour), exchange.DemandFilled},
		{nil, 0, 10, now, exchange.DemandExpired},
		{nil, 10, 10, now.Add(-time.Hour), exchange.DemandFilled},
		{&closed, 10, 10, now.Add(-time.Hour), exchange.DemandClosed},
	} {
		if got := exchange.DemandStatusAt(c.closed, c.filled, c.quantity, c.expires, now); got != c.want {
			t.Errorf("%+v: %s, want %s", c, got, c.want)
		}
	}
}

func TestSupplyStatusAt(t *testing.T) {
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	yesterday, today := exchange.Day(now).AddDate(0, 0, -1), exchange.Day(now)
	for _, c := range []struct {
		withdrawn *time.Time
		quantity  int
		until     *time.Time
		want      exchange.SupplyStatus
	}{
		{nil, 5, nil, exchange.SupplyOpen},
		{nil, 5, &today, exchange.SupplyOpen},
		{nil, 5, &yesterday, exchange.SupplyExhausted},
		{nil, 0, nil, exchange.SupplyExhausted},
		{&now, 5, nil, exchange.SupplyWithdrawn},
	} {
		if got := exchange.SupplyStatusAt(c.withdrawn, c.quantity, c.until, now); got != c.want {
			t.Errorf("%+v: %s, want %s", c, got, c.want)
		}
	}
}

func TestMatchScore(t *testing.T) {
	for _, c := range []struct {
		facts   exchange.MatchFacts
		score   float64
		reasons []string
	}{
		{exchange.MatchFacts{OccupationLevel: 4, Destination: true, Wage: true, Dates: true, Agreement: true}, 1,
			[]string{"OCCUPATION_EXACT", "DESTINATION_ACCEPTED", "WAGE_MEETS_EXPECTATION", "DATES_OVERLAP", "AGREEMENT_COVERS",
				"SKILL_LEVEL_MEETS", "AGE_ELIGIBLE", "EDUCATION_MEETS"}},
		// Every factor that fails says why, so a low score is never silent.
		{exchange.MatchFacts{OccupationLevel: 3, Dates: true, Skill: exchange.FitBelow, Age: exchange.FitPartly,
			Education: exchange.FitUnknown}, 0.30,
			[]string{"OCCUPATION_MINOR_GROUP", "DESTINATION_NOT_ACCEPTED", "WAGE_BELOW_EXPECTATION", "DATES_OVERLAP",
				"NO_ACTIVE_AGREEMENT", "SKILL_LEVEL_BELOW", "AGE_PARTLY_ELIGIBLE", "EDUCATION_UNKNOWN"}},
		{exchange.MatchFacts{OccupationLevel: 2, SameCenter: true, Skill: exchange.FitUnknown, Age: exchange.FitBelow,
			Education: exchange.FitBelow}, 0.10,
			[]string{"OCCUPATION_SUB_MAJOR_GROUP", "DESTINATION_NOT_ACCEPTED", "WAGE_BELOW_EXPECTATION", "DATES_DO_NOT_OVERLAP",
				"SAME_CENTER", "SKILL_LEVEL_UNKNOWN", "AGE_INELIGIBLE", "EDUCATION_BELOW"}},
		{exchange.MatchFacts{Wage: true, Age: exchange.FitUnknown}, 0.30,
			[]string{"DESTINATION_NOT_ACCEPTED", "WAGE_MEETS_EXPECTATION", "DATES_DO_NOT_OVERLAP", "NO_ACTIVE_AGREEMENT",
				"SKILL_LEVEL_MEETS", "AGE_UNKNOWN", "EDUCATION_MEETS"}},
	} {
		score, reasons := c.facts.Score()
		if score != c.score || !slices.Equal(reasons, c.reasons) {
			t.Errorf("%+v: %v %v, want %v %v", c.facts, score, reasons, c.score, c.reasons)
		}
	}
}

func TestValidateDemand(t *testing.T) {
	cat := testCatalog()
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	tax := "12345"
	lo, hi := int64(9_000_000), int64(7_000_000)
	d := &exchange.DemandDraft{
		Employer: exchange.EmployerInput{Name: " ", TaxCode: &tax}, OccupationCode: "815", Title: "May",
		Quantity: 0, WageMin: &lo, WageMax: &hi, WorkProvinceCode: "06", EmploymentType: "NIGHT",
		ExpiresAt: now.Add(-time.Minute), Visibility: exchange.VisibilityAllPartners,
	}
	errs := exchange.ValidateDemand(cat, now, d, exchange.DemandRules{Province: true, Expiry: true})
	var got []string
	for _, e := range errs {
		got = append(got, e.Field[len(e.Field)-1]+":"+string(e.Code))
	}
	want := []string{"name:REQUIRED", "taxCode:INVALID", "occupationCode:UNKNOWN_OCCUPATION", "quantity:OUT_OF_RANGE",
		"wageMin:INVALID", "workProvinceCode:PROVINCE_DISSOLVED", "employmentType:INVALID", "expiresAt:OUT_OF_RANGE"}
	if !slices.Equal(got, want) {
		t.Errorf("errors = %v\nwant %v", got, want)
	}
	// An update that leaves expiresAt and the province alone is not checked on them.
	d = &exchange.DemandDraft{Employer: exchange.EmployerInput{Name: "X"}, OccupationCode: "8153", Title: "May",
		Quantity: 5, FilledCount: 6, WorkProvinceCode: "06", EmploymentType: exchange.EmploymentSeasonal,
		ExpiresAt: now.Add(-time.Hour), Visibility: exchange.VisibilityAgreementPartners}
	errs = exchange.ValidateDemand(cat, now, d, exchange.DemandRules{})
	if len(errs) != 1 || errs[0].Code != exchange.CodeOutOfRange || errs[0].Field[0] != "quantity" {
		t.Errorf("quantity below filled: %v", errs)
	}
}

// testCatalog is a few rows of the reference data.
func testCatalog() *exchange.Catalog {
	s19, p8, p81, p815 := "19", "8", "81", "815"
	dissolved := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	return exchange.NewCatalog([]exchange.Province{
		{Code: "19", Name: "Thái Nguyên", IsCurrent: true, MergedFromCodes: []string{"06"}},
		{Code: "06", Name: "Bắc Kạn", DissolvedOn: &dissolved, SuccessorCode: &s19},
		{Code: "31", Name: "Hải Phòng", IsCurrent: true},
	}, []exchange.Occupation{
		{Code: "8", Level: 1, TitleEn: "Plant and machine operators"},
		{Code: "81", Level: 2, ParentCode: &p8, TitleEn: "Stationary plant and machine operators"},
		{Code: "815", Level: 3, ParentCode: &p81, TitleEn: "Textile machine operators"},
		{Code: "8153", Level: 4, ParentCode: &p815, TitleEn: "Sewing machine operators"},
	})
}
