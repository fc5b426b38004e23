package postgres

import (
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Typed rows for what the store writes: a struct with a db tag per column gives the
// INSERT's column list, its named arguments (pgx.StructArgs), and the values of a COPY
// in the same order, so no statement depends on the position of a value in a list.

// columnsOf lists the db tags of record type T, in field order; looked up once per
// type (a publish would otherwise walk its record's tags every time). Callers must not
// change the list.
func columnsOf[T any]() []string {
	t := reflect.TypeFor[T]()
	if c, ok := columnsOfType.Load(t); ok {
		return c.([]string)
	}
	cols := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("db"); tag != "" && tag != "-" {
			cols = append(cols, tag)
		}
	}
	columnsOfType.Store(t, cols)
	return cols
}

var columnsOfType sync.Map // reflect.Type → []string

// valuesOf lists the values of r's db-tagged fields, in field order (columnsOf's), with
// room for two more (an import appends its search texts).
func valuesOf[T any](r T) []any {
	v := reflect.ValueOf(r)
	fields := taggedFields(v.Type())
	out := make([]any, len(fields), len(fields)+2)
	for i, f := range fields {
		out[i] = v.Field(f).Interface()
	}
	return out
}

// taggedFieldsOf caches the indexes of a record type's db-tagged fields, which an import
// would otherwise look up by tag for each of its rows.
var taggedFieldsOf sync.Map // reflect.Type → []int

func taggedFields(t reflect.Type) []int {
	if f, ok := taggedFieldsOf.Load(t); ok {
		return f.([]int)
	}
	var fields []int
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("db"); tag != "" && tag != "-" {
			fields = append(fields, i)
		}
	}
	taggedFieldsOf.Store(t, fields)
	return fields
}

// recordOf is record r's columns and values, in the same order.
func recordOf[T any](r T) ([]string, []any) { return columnsOf[T](), valuesOf(r) }

// demandRecord is a demand's columns as publish, update and import write them.
type demandRecord struct {
	ID               uuid.UUID                `db:"id"`
	CenterID         uuid.UUID                `db:"center_id"`
	EmployerName     string                   `db:"employer_name"`
	EmployerTaxCode  *string                  `db:"employer_tax_code"`
	OccupationCode   string                   `db:"occupation_code"`
	Title            string                   `db:"title"`
	Description      *string                  `db:"description"`
	Quantity         int                      `db:"quantity"`
	WageMin          *int64                   `db:"wage_min"`
	WageMax          *int64                   `db:"wage_max"`
	WorkProvinceCode string                   `db:"work_province_code"`
	WorkAddress      *string                  `db:"work_address"`
	EmploymentType   string                   `db:"employment_type"`
	EducationLevel   *exchange.EducationLevel `db:"education_level"`
	SkillLevel       *exchange.SkillLevel     `db:"skill_level"`
	MinAge           *int                     `db:"min_age"`
	MaxAge           *int                     `db:"max_age"`
	ExperienceYears  *int                     `db:"experience_years"`
	Housing          bool                     `db:"housing"`
	TransportSupport bool                     `db:"transport_support"`
	Meals            bool                     `db:"meals"`
	BenefitsNote     *string                  `db:"benefits_note"`
	StartDate        *time.Time               `db:"start_date"`
	ExpiresAt        time.Time                `db:"expires_at"`
	Visibility       string                   `db:"visibility"`
	CreatedAt        time.Time                `db:"created_at"`
	UpdatedAt        time.Time                `db:"updated_at"`
	// The terms (00090).
	HoursPerWeek          *int                 `db:"hours_per_week"`
	Shifts                []string             `db:"shifts"`
	ContractMonths        *int                 `db:"contract_months"`
	ContractEndDate       *time.Time           `db:"contract_end_date"`
	OvertimeHoursPerMonth *int                 `db:"overtime_hours_per_month"`
	OvertimePayPercent    *int                 `db:"overtime_pay_percent"`
	PayPeriod             *exchange.PayPeriod  `db:"pay_period"`
	Deductions            []exchange.Deduction `db:"deductions"`
	ProbationDays         *int                 `db:"probation_days"`
	SocialInsurance       *bool                `db:"social_insurance"`
}

func newDemandRecord(id, centerID uuid.UUID, d *exchange.DemandDraft, now time.Time) demandRecord {
	taxCode := d.Employer.TaxCode
	if taxCode != nil && *taxCode == "" {
		taxCode = nil
	}
	r, t := d.Requirements, d.Terms
	shifts := make([]string, len(t.Shifts)) // never NULL: no shifts is an empty list
	for i, x := range t.Shifts {
		shifts[i] = string(x)
	}
	deductions := make([]exchange.Deduction, len(t.Deductions))
	for i, x := range t.Deductions {
		deductions[i] = exchange.Deduction(x)
	}
	var otHours, otPay *int
	if t.Overtime != nil {
		otHours, otPay = &t.Overtime.HoursPerMonth, ptrTo(t.Overtime.OvertimePayPercent())
	}
	return demandRecord{ID: id, CenterID: centerID, EmployerName: d.Employer.Name, EmployerTaxCode: taxCode,
		OccupationCode: d.OccupationCode, Title: d.Title, Description: blankNil(d.Description), Quantity: d.Quantity,
		WageMin: d.WageMin, WageMax: d.WageMax, WorkProvinceCode: d.WorkProvinceCode, WorkAddress: blankNil(d.WorkAddress),
		EmploymentType: string(d.EmploymentType), EducationLevel: r.EducationLevel, SkillLevel: r.SkillLevel,
		MinAge: r.MinAge, MaxAge: r.MaxAge, ExperienceYears: r.ExperienceYears, Housing: boolOf(d.Benefits.Housing),
		TransportSupport: boolOf(d.Benefits.TransportSupport), Meals: boolOf(d.Benefits.Meals),
		BenefitsNote: blankNil(d.Benefits.Note), StartDate: d.StartDate, ExpiresAt: d.ExpiresAt,
		Visibility: string(d.Visibility), CreatedAt: now, UpdatedAt: now,
		HoursPerWeek: t.HoursPerWeek, Shifts: shifts, ContractMonths: t.ContractMonths, ContractEndDate: t.ContractEndDate,
		OvertimeHoursPerMonth: otHours, OvertimePayPercent: otPay, PayPeriod: t.PayPeriod, Deductions: deductions,
		ProbationDays: t.ProbationDays, SocialInsurance: t.SocialInsurance}
}

// storedDemand is the demand that inserting rec stores, as a read of the row gives it
// back (scanDemand): the column defaults of a new row (no position filled, version 1,
// never closed), timestamps in microseconds in the local zone and dates at midnight
// UTC, as pgx reads a timestamptz and a date. A publish answers with it instead of
// reading the row back; TestPublishAnswersWhatItStored compares the two.
func storedDemand(rec demandRecord) *exchange.LaborDemand {
	shifts := make([]exchange.WorkShift, len(rec.Shifts))
	for i, x := range rec.Shifts {
		shifts[i] = exchange.WorkShift(x)
	}
	return &exchange.LaborDemand{ID: rec.ID, CenterID: rec.CenterID, EmployerName: rec.EmployerName,
		EmployerTaxCode: rec.EmployerTaxCode, OccupationCode: rec.OccupationCode, Title: rec.Title,
		Description: rec.Description, Quantity: rec.Quantity, WageMin: rec.WageMin, WageMax: rec.WageMax,
		WorkProvinceCode: rec.WorkProvinceCode, WorkAddress: rec.WorkAddress, EmploymentType: exchange.EmploymentType(rec.EmploymentType),
		EducationLevel: rec.EducationLevel, SkillLevel: rec.SkillLevel, MinAge: rec.MinAge, MaxAge: rec.MaxAge,
		ExperienceYears: rec.ExperienceYears, Housing: rec.Housing, TransportSupport: rec.TransportSupport, Meals: rec.Meals,
		BenefitsNote: rec.BenefitsNote, StartDate: storedDate(rec.StartDate), ExpiresAt: storedTime(rec.ExpiresAt),
		Visibility: exchange.Visibility(rec.Visibility), HoursPerWeek: rec.HoursPerWeek, Shifts: shifts,
		ContractMonths: rec.ContractMonths, ContractEndDate: storedDate(rec.ContractEndDate),
		OvertimeHoursPerMonth: rec.OvertimeHoursPerMonth, OvertimePayPercent: rec.OvertimePayPercent, PayPeriod: rec.PayPeriod,
		Deductions: slices.Clone(rec.Deductions), ProbationDays: rec.ProbationDays, SocialInsurance: rec.SocialInsurance,
		CreatedAt: storedTime(rec.CreatedAt), UpdatedAt: storedTime(rec.UpdatedAt), Version: 1}
}

// storedTime is t as pgx reads it back from a timestamptz: microseconds, local zone.
func storedTime(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()) }

// storedDate is a date as pgx reads it back: the day t names (in t's own zone, as pgx
// writes it) at midnight UTC; nil stays nil.
func storedDate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// publishedDemand is the demand a new record of d stores, as far as its change-feed
// entry tells (demandChange), known before the row is written: a publish and an import
// write the entry in the statements that write the row. The expiry is the one the row
// gives back (microseconds, the local zone, as pgx reads a timestamptz).
func publishedDemand(id, centerID uuid.UUID, d *exchange.DemandDraft, now time.Time) *exchange.LaborDemand {
	stored := &exchange.LaborDemand{ID: id, CenterID: centerID, OccupationCode: d.OccupationCode, Title: d.Title,
		Quantity: d.Quantity, WageMin: d.WageMin, WageMax: d.WageMax, WorkProvinceCode: d.WorkProvinceCode,
		EmploymentType: d.EmploymentType, ExpiresAt: storedTime(d.ExpiresAt), Visibility: d.Visibility, Version: 1}
	stored.SetStatus(now)
	return stored
}

// supplyRecord is a supply's columns as publish, update and import write them.
type supplyRecord struct {
	ID               uuid.UUID                `db:"id"`
	CenterID         uuid.UUID                `db:"center_id"`
	OccupationCode   string                   `db:"occupation_code"`
	SkillLevel       *exchange.SkillLevel     `db:"skill_level"`
	EducationLevel   *exchange.EducationLevel `db:"education_level"`
	MinAge           *int                     `db:"min_age"`
	MaxAge           *int                     `db:"max_age"`
	Quantity         int                      `db:"quantity"`
	AvailableFrom    time.Time                `db:"available_from"`
	AvailableUntil   *time.Time               `db:"available_until"`
	DestinationCodes []string                 `db:"destination_codes"`
	ExpectedWageMin  *int64                   `db:"expected_wage_min"`
	Notes            *string                  `db:"notes"`
	CreatedAt        time.Time                `db:"created_at"`
	UpdatedAt        time.Time                `db:"updated_at"`
}

func newSupplyRecord(id, centerID uuid.UUID, d *exchange.SupplyDraft, now time.Time) supplyRecord {
	codes := d.DestinationCodes
	if codes == nil {
		codes = []string{} // never NULL: an empty list accepts any province
	}
	return supplyRecord{ID: id, CenterID: centerID, OccupationCode: d.OccupationCode, SkillLevel: d.SkillLevel,
		EducationLevel: d.EducationLevel, MinAge: d.MinAge, MaxAge: d.MaxAge,
		Quantity: d.Quantity, AvailableFrom: d.AvailableFrom, AvailableUntil: d.AvailableUntil, DestinationCodes: codes,
		ExpectedWageMin: d.ExpectedWageMin, Notes: blankNil(d.Notes), CreatedAt: now, UpdatedAt: now}
}

// publishedSupply is publishedDemand for a supply record of d.
func publishedSupply(rec supplyRecord, d *exchange.SupplyDraft, now time.Time) *exchange.LaborSupply {
	stored := &exchange.LaborSupply{ID: rec.ID, CenterID: rec.CenterID, OccupationCode: d.OccupationCode, Quantity: d.Quantity,
		AvailableFrom: d.AvailableFrom, AvailableUntil: d.AvailableUntil, DestinationCodes: rec.DestinationCodes,
		ExpectedWageMin: d.ExpectedWageMin, Version: 1}
	stored.SetStatus(now)
	return stored
}

// args are a record's named arguments.
func args(record any) pgx.QueryRewriter { return pgx.StructArgs(record) }
