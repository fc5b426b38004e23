package csvimport

import (
	"strings"
	"time"
	"unicode"

	"github.com/laborx/laborx/internal/exchange"
)

// The columns of the two import files (documented in schema/demand.graphqls and
// schema/supply.graphqls).
var (
	DemandSpec = Spec{
		Columns: []string{"employer_name", "employer_tax_code", "occupation_code", "title", "description",
			"quantity", "wage_min", "wage_max", "work_province_code", "work_address", "employment_type", "start_date",
			"expires_at", "visibility", "housing", "transport_support", "meals", "benefits_note"},
		Required: []string{"employer_name", "occupation_code", "title", "quantity", "work_province_code",
			"employment_type", "expires_at"},
	}
	SupplySpec = Spec{
		Columns: []string{"occupation_code", "skill_level", "quantity", "available_from", "available_until",
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
		Notes: r.optString("notes"),
	}
	if v := r.Get("skill_level"); v != "" {
		sl := exchange.SkillLevel(strings.ToUpper(v))
		in.SkillLevel = &sl
	}
	if from := r.optDate("available_from"); from != nil {
		in.AvailableFrom = *from
	} else if r.Get("available_from") == "" {
		r.Fail("available_from", exchange.CodeRequired, "available_from is required")
	}
	if v := r.Get("destination_province_codes"); v != "" {
		in.DestinationProvinceCodes = strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == ',' || unicode.IsSpace(c) })
	}
	d := exchange.DraftFromPublishSupply(in)
	r.ruleErrors(exchange.ValidateSupply(cat, now, d, true))
	if len(r.Errors) > 0 {
		return nil
	}
	return d
}
