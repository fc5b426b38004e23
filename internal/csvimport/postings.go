package csvimport

import (
	"strings"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// The columns of the two import files (documented in schema/demand.graphqls and
// schema/supply.graphqls).
var (
	DemandSpec = Spec{
		Columns: []string{"employer_name", "employer_tax_code", "occupation_code", "title", "description",
			"quantity", "wage_min", "wage_max", "work_province_code", "work_address", "employment_type", "start_date",
			"expires_at", "visibility", "housing", "transport_support", "meals", "benefits_note",
			"education_level", "skill_level", "min_age", "max_age", "experience_years",
			"hours_per_week", "shifts", "contract_months", "contract_end_date", "overtime_hours_per_month",
			"overtime_pay_rate_percent", "pay_period", "deductions", "probation_days", "social_insurance"},
		Required: []string{"employer_name", "occupation_code", "title", "quantity", "work_province_code",
			"employment_type", "expires_at"},
	}
	SupplySpec = Spec{
		Columns: []string{"occupation_code", "skill_level", "education_level", "min_age", "max_age", "quantity",
			"available_from", "available_until",
			"destination_province_codes", "expected_wage_min", "notes"},
		Required: []string{"occupation_code", "quantity", "available_from"},
	}
)

// Demand maps a row of a demand file to a draft and checks it with the publish rules
// at now. It returns nil when the row has any error; every error of the row is in
// r.Errors.
func Demand(r *Row, cat *exchange.Catalog, now time.Time) *exchange.DemandDraft {
	in := exchange.PublishLaborDemandInput{
		Employer:       exchange.EmployerInput{Name: r.Get("employer_name"), TaxCode: r.optString("employer_tax_code")},
		OccupationCode: r.Get("occupation_code"), Title: r.Get("title"), Description: r.optString("description"),
		Quantity: r.int("quantity"), WageMin: r.optInt64("wage_min"), WageMax: r.optInt64("wage_max"),
		WorkProvinceCode: r.Get("work_province_code"), WorkAddress: r.optString("work_address"),
		EmploymentType: exchange.EmploymentType(strings.ToUpper(r.Get("employment_type"))),
		StartDate:      r.optDate("start_date"), ExpiresAt: r.expiry("expires_at"),
		Benefits: &exchange.BenefitsInput{Housing: r.optBool("housing"), TransportSupport: r.optBool("transport_support"),
			Meals: r.optBool("meals"), Note: r.optString("benefits_note")},
		Requirements: &exchange.RequirementsInput{EducationLevel: optEnum[exchange.EducationLevel](r, "education_level"),
			SkillLevel: optEnum[exchange.SkillLevel](r, "skill_level"), MinAge: r.optInt("min_age"),
			MaxAge: r.optInt("max_age"), ExperienceYears: r.optInt("experience_years")},
		TermsInput: exchange.TermsInput{HoursPerWeek: r.optInt("hours_per_week"), ContractMonths: r.optInt("contract_months"),
			ContractEndDate: r.optDate("contract_end_date"), PayPeriod: optEnum[exchange.PayPeriod](r, "pay_period"),
			Deductions: r.deductions("deductions"), ProbationDays: r.optInt("probation_days"),
			SocialInsurance: r.optBool("social_insurance")},
	}
	for _, s := range r.list("shifts") {
		in.Shifts = append(in.Shifts, exchange.WorkShift(strings.ToUpper(s)))
	}
	if h := r.optInt("overtime_hours_per_month"); h != nil {
		in.Overtime = &exchange.OvertimeInput{HoursPerMonth: *h, PayRatePercent: r.optInt("overtime_pay_rate_percent")}
	} else if r.Get("overtime_pay_rate_percent") != "" && !r.failed("overtime_hours_per_month") {
		r.Fail("overtime_hours_per_month", exchange.CodeRequired, "overtime_pay_rate_percent needs overtime_hours_per_month")
	}
	if v := r.Get("visibility"); v != "" {
		vis := exchange.Visibility(strings.ToUpper(v))
		in.Visibility = &vis
	}
	d := exchange.DraftFromPublish(in)
	r.ruleErrors(exchange.ValidateDemand(cat, now, d, exchange.DemandRules{Province: true, Expiry: true}))
	if len(r.Errors) > 0 {
		return nil
	}
	return d
}

// Supply maps a row of a supply file to a draft and checks it with the publish rules
// at now; nil when the row has any error.
func Supply(r *Row, cat *exchange.Catalog, now time.Time) *exchange.SupplyDraft {
	in := exchange.PublishLaborSupplyInput{
		OccupationCode: r.Get("occupation_code"), Quantity: r.int("quantity"),
		AvailableUntil: r.optDate("available_until"), ExpectedWageMin: r.optInt64("expected_wage_min"),
		Notes: r.optString("notes"), SkillLevel: optEnum[exchange.SkillLevel](r, "skill_level"),
		EducationLevel: optEnum[exchange.EducationLevel](r, "education_level"), MinAge: r.optInt("min_age"),
		MaxAge: r.optInt("max_age"),
	}
	if from := r.optDate("available_from"); from != nil {
		in.AvailableFrom = *from
	} else if r.Get("available_from") == "" {
		r.Fail("available_from", exchange.CodeRequired, "available_from is required")
	}
	in.DestinationProvinceCodes = r.list("destination_province_codes")
	d := exchange.DraftFromPublishSupply(in)
	r.ruleErrors(exchange.ValidateSupply(cat, now, d, true))
	if len(r.Errors) > 0 {
		return nil
	}
	return d
}
