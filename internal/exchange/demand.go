package exchange

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Labor demand: a job order a center publishes for an employer in its province.

// DemandStatus is read, not stored: CLOSED when the owner closed it, FILLED when every
// position is filled, EXPIRED past expiresAt, OPEN otherwise (in that precedence).
type DemandStatus string

const (
	DemandOpen    DemandStatus = "OPEN"
	DemandFilled  DemandStatus = "FILLED"
	DemandClosed  DemandStatus = "CLOSED"
	DemandExpired DemandStatus = "EXPIRED"
)

// Visibility says who sees a demand.
type Visibility string

const (
	VisibilityAllPartners       Visibility = "ALL_PARTNERS"
	VisibilityAgreementPartners Visibility = "AGREEMENT_PARTNERS"
)

// EmploymentType is the kind of contract a demand offers.
type EmploymentType string

const (
	EmploymentFullTime  EmploymentType = "FULL_TIME"
	EmploymentPartTime  EmploymentType = "PART_TIME"
	EmploymentSeasonal  EmploymentType = "SEASONAL"
	EmploymentFixedTerm EmploymentType = "FIXED_TERM"
)

// LaborDemand is a job order a center publishes for an employer in its province.
type LaborDemand struct {
	ID               uuid.UUID       `db:"id"`
	CenterID         uuid.UUID       `db:"center_id"`
	EmployerName     string          `db:"employer_name"`
	EmployerTaxCode  *string         `db:"employer_tax_code"`
	OccupationCode   string          `db:"occupation_code"`
	Title            string          `db:"title"`
	Description      *string         `db:"description"`
	Quantity         int             `db:"quantity"`
	FilledCount      int             `db:"filled_count"`
	WageMin          *int64          `db:"wage_min"`
	WageMax          *int64          `db:"wage_max"`
	WorkProvinceCode string          `db:"work_province_code"`
	WorkAddress      *string         `db:"work_address"`
	EmploymentType   EmploymentType  `db:"employment_type"`
	EducationLevel   *EducationLevel `db:"education_level"`
	SkillLevel       *SkillLevel     `db:"skill_level"`
	MinAge           *int            `db:"min_age"`
	MaxAge           *int            `db:"max_age"`
	ExperienceYears  *int            `db:"experience_years"`
	Housing          bool            `db:"housing"`
	TransportSupport bool            `db:"transport_support"`
	Meals            bool            `db:"meals"`
	BenefitsNote     *string         `db:"benefits_note"`
	StartDate        *time.Time      `db:"start_date"`
	ExpiresAt        time.Time       `db:"expires_at"`
	Visibility       Visibility      `db:"visibility"`
	ClosedAt         *time.Time      `db:"closed_at"`
	CloseReason      *string         `db:"close_reason"`
	// The terms (demand_terms.go).
	HoursPerWeek          *int        `db:"hours_per_week"`
	Shifts                []WorkShift `db:"shifts"`
	ContractMonths        *int        `db:"contract_months"`
	ContractEndDate       *time.Time  `db:"contract_end_date"`
	OvertimeHoursPerMonth *int        `db:"overtime_hours_per_month"`
	OvertimePayPercent    *int        `db:"overtime_pay_percent"`
	PayPeriod             *PayPeriod  `db:"pay_period"`
	Deductions            []Deduction `db:"deductions"`
	ProbationDays         *int        `db:"probation_days"`
	SocialInsurance       *bool       `db:"social_insurance"`
	CreatedAt             time.Time   `db:"created_at"`
	UpdatedAt             time.Time   `db:"updated_at"`
	Version               int         `db:"version"`
	// Status is derived with DemandStatusAt when the demand is read.
	Status DemandStatus `db:"-"`
	// Occupation and WorkProvince are the catalog entries of OccupationCode and
	// WorkProvinceCode, attached when the demand is read (Catalog.DescribeDemand): the
	// API serves them as plain fields, with no resolver and no goroutine per demand.
	Occupation   *Occupation `db:"-" json:"-"`
	WorkProvince *Province   `db:"-" json:"-"`
}

// DemandStatusAt derives a demand's status at now.
func DemandStatusAt(closedAt *time.Time, filled, quantity int, expiresAt, now time.Time) DemandStatus {
	switch {
	case closedAt != nil:
		return DemandClosed
	case filled >= quantity:
		return DemandFilled
	case !expiresAt.After(now):
		return DemandExpired
	}
	return DemandOpen
}

// SetStatus derives Status at now.
func (d *LaborDemand) SetStatus(now time.Time) {
	d.Status = DemandStatusAt(d.ClosedAt, d.FilledCount, d.Quantity, d.ExpiresAt, now)
}

// OpenPositions is how many workers the demand still needs.
func (d *LaborDemand) OpenPositions() int { return max(d.Quantity-d.FilledCount, 0) }

// Employer is who the demand hires for.
type Employer struct {
	Name    string  `json:"name"`
	TaxCode *string `json:"taxCode"`
}

// Employer returns the demand's employer.
func (d *LaborDemand) Employer() *Employer {
	return &Employer{Name: d.EmployerName, TaxCode: d.EmployerTaxCode}
}

// Requirements are what a demand asks of candidates.
type Requirements struct {
	EducationLevel  *EducationLevel `json:"educationLevel"`
	SkillLevel      *SkillLevel     `json:"skillLevel"`
	MinAge          *int            `json:"minAge"`
	MaxAge          *int            `json:"maxAge"`
	ExperienceYears *int            `json:"experienceYears"`
}

// Requirements returns the demand's requirements.
func (d *LaborDemand) Requirements() *Requirements {
	return &Requirements{EducationLevel: d.EducationLevel, SkillLevel: d.SkillLevel, MinAge: d.MinAge,
		MaxAge: d.MaxAge, ExperienceYears: d.ExperienceYears}
}

// Benefits are what a demand offers besides the wage.
type Benefits struct {
	Housing          bool    `json:"housing"`
	TransportSupport bool    `json:"transportSupport"`
	Meals            bool    `json:"meals"`
	Note             *string `json:"note"`
}

// Benefits returns the demand's benefits.
func (d *LaborDemand) Benefits() *Benefits {
	return &Benefits{Housing: d.Housing, TransportSupport: d.TransportSupport, Meals: d.Meals, Note: d.BenefitsNote}
}

// EmployerInput names a demand's employer.
type EmployerInput struct {
	Name    string  `json:"name"`
	TaxCode *string `json:"taxCode"`
}

// RequirementsInput is what a demand asks of candidates.
type RequirementsInput struct {
	EducationLevel  *EducationLevel `json:"educationLevel"`
	SkillLevel      *SkillLevel     `json:"skillLevel"`
	MinAge          *int            `json:"minAge"`
	MaxAge          *int            `json:"maxAge"`
	ExperienceYears *int            `json:"experienceYears"`
}

// BenefitsInput is what a demand offers besides the wage.
type BenefitsInput struct {
	Housing          *bool   `json:"housing"`
	TransportSupport *bool   `json:"transportSupport"`
	Meals            *bool   `json:"meals"`
	Note             *string `json:"note"`
}

// PublishLaborDemandInput publishes a job order.
type PublishLaborDemandInput struct {
	IdempotencyKey   *string            `json:"-"`
	Employer         EmployerInput      `json:"employer"`
	OccupationCode   string             `json:"occupationCode"`
	Title            string             `json:"title"`
	Description      *string            `json:"description"`
	Quantity         int                `json:"quantity"`
	WageMin          *int64             `json:"wageMin"`
	WageMax          *int64             `json:"wageMax"`
	WorkProvinceCode string             `json:"workProvinceCode"`
	WorkAddress      *string            `json:"workAddress"`
	EmploymentType   EmploymentType     `json:"employmentType"`
	Requirements     *RequirementsInput `json:"requirements"`
	Benefits         *BenefitsInput     `json:"benefits"`
	StartDate        *time.Time         `json:"startDate"`
	ExpiresAt        time.Time          `json:"expiresAt"`
	Visibility       *Visibility        `json:"visibility"`
	// TermsInput: the terms, flat in the input as in the schema.
	TermsInput
}

// UpdateLaborDemandInput changes an open or expired demand; nil fields stay.
type UpdateLaborDemandInput struct {
	LaborDemandID  string             `json:"-"`
	Employer       *EmployerInput     `json:"employer"`
	Title          *string            `json:"title"`
	Description    *string            `json:"description"`
	Quantity       *int               `json:"quantity"`
	WageMin        *int64             `json:"wageMin"`
	WageMax        *int64             `json:"wageMax"`
	WorkAddress    *string            `json:"workAddress"`
	EmploymentType *EmploymentType    `json:"employmentType"`
	Requirements   *RequirementsInput `json:"requirements"`
	Benefits       *BenefitsInput     `json:"benefits"`
	StartDate      *time.Time         `json:"startDate"`
	ExpiresAt      *time.Time         `json:"expiresAt"`
	Visibility     *Visibility        `json:"visibility"`
	TermsInput
	ExpectedVersion *int `json:"-"`
}

// CloseLaborDemandInput closes a demand for good.
type CloseLaborDemandInput struct {
	LaborDemandID   string
	Reason          *string
	ExpectedVersion *int
}

// LaborDemandOrder orders a demand list.
type LaborDemandOrder string

const (
	DemandOrderNewest      LaborDemandOrder = "NEWEST"
	DemandOrderWageDesc    LaborDemandOrder = "WAGE_DESC"
	DemandOrderExpiresSoon LaborDemandOrder = "EXPIRES_SOON"
)

// LaborDemandFilter narrows a demand search (DESIGN §3).
type LaborDemandFilter struct {
	// OccupationCode is a prefix: "72" matches every unit group under 72.
	OccupationCode *string
	// ProvinceCodes match the work province; a dissolved code also matches its successor.
	ProvinceCodes []string
	CenterCodes   []string
	Statuses      []DemandStatus
	WageAtLeast   *int64
	// Text matches as a phrase, ignoring case and diacritics.
	Text *string
}

// DemandDraft is a demand's fields as they will be after a publish or an update; the
// rules check it as a whole, so an update that lowers wageMax below the stored wageMin
// is caught like a publish would be.
type DemandDraft struct {
	Employer         EmployerInput
	OccupationCode   string
	Title            string
	Description      *string
	Quantity         int
	FilledCount      int
	WageMin, WageMax *int64
	WorkProvinceCode string
	WorkAddress      *string
	EmploymentType   EmploymentType
	Requirements     RequirementsInput
	Benefits         BenefitsInput
	StartDate        *time.Time
	ExpiresAt        time.Time
	Visibility       Visibility
	Terms            DemandTerms
}

// DemandRules picks the checks that depend on what changed.
type DemandRules struct {
	// Province is false on updates: the work province cannot change, and a demand
	// published before 2025 keeps its province.
	Province bool
	// Expiry checks expiresAt; an update that leaves it alone may edit an expired demand.
	Expiry bool
}

// ValidateDemand checks a demand draft at now.
func ValidateDemand(cat *Catalog, now time.Time, d *DemandDraft, rules DemandRules) Errors {
	var errs Errors
	checkRequiredText(&errs, fieldOf("employer", "name"), d.Employer.Name, MaxNameLen)
	if tc := d.Employer.TaxCode; tc != nil && *tc != "" && !taxCodePattern.MatchString(*tc) {
		errs.Add(fieldOf("employer", "taxCode"), CodeInvalid, "a tax code is 10 digits, or 10 digits, a dash and 3 digits")
	}
	if err := cat.CheckUnitOccupation(fieldOf("occupationCode"), d.OccupationCode); err != nil {
		errs = append(errs, err.(*Error))
	}
	checkRequiredText(&errs, fieldOf("title"), d.Title, MaxTitleLen)
	checkNoPersonalData(&errs, fieldOf("title"), &d.Title)
	checkPublicText(&errs, fieldOf("description"), d.Description, MaxDescriptionLen)
	switch {
	case d.Quantity < 1 || d.Quantity > MaxQuantity:
		errs.Add(fieldOf("quantity"), CodeOutOfRange, "quantity must be between 1 and %d", MaxQuantity)
	case d.Quantity < d.FilledCount:
		errs.Add(fieldOf("quantity"), CodeOutOfRange, "quantity cannot be below the %d positions already filled", d.FilledCount)
	}
	checkWage(&errs, fieldOf("wageMin"), d.WageMin)
	checkWage(&errs, fieldOf("wageMax"), d.WageMax)
	if d.WageMin != nil && d.WageMax != nil && *d.WageMin > *d.WageMax {
		errs.Add(fieldOf("wageMin"), CodeInvalid, "wageMin (%d) is more than wageMax (%d)", *d.WageMin, *d.WageMax)
	}
	if rules.Province {
		if err := cat.CheckPostingProvince(fieldOf("workProvinceCode"), d.WorkProvinceCode); err != nil {
			errs = append(errs, err.(*Error))
		}
	}
	checkPublicText(&errs, fieldOf("workAddress"), d.WorkAddress, MaxAddressLen)
	switch d.EmploymentType {
	case EmploymentFullTime, EmploymentPartTime, EmploymentSeasonal, EmploymentFixedTerm:
	default:
		errs.Add(fieldOf("employmentType"), CodeInvalid, "employmentType must be FULL_TIME, PART_TIME, SEASONAL or FIXED_TERM")
	}
	r := d.Requirements
	checkAgeRange(&errs, fieldOf("requirements"), r.MinAge, r.MaxAge)
	if r.ExperienceYears != nil && (*r.ExperienceYears < 0 || *r.ExperienceYears > 50) {
		errs.Add(fieldOf("requirements", "experienceYears"), CodeOutOfRange, "experienceYears must be between 0 and 50")
	}
	if r.EducationLevel != nil && !validEducation(*r.EducationLevel) {
		errs.Add(fieldOf("requirements", "educationLevel"), CodeInvalid, "unknown education level %q", *r.EducationLevel)
	}
	if r.SkillLevel != nil && !validSkill(*r.SkillLevel) {
		errs.Add(fieldOf("requirements", "skillLevel"), CodeInvalid, "unknown skill level %q", *r.SkillLevel)
	}
	checkPublicText(&errs, fieldOf("benefits", "note"), d.Benefits.Note, MaxNoteLen)
	switch {
	case !rules.Expiry:
	case !d.ExpiresAt.After(now):
		errs.Add(fieldOf("expiresAt"), CodeOutOfRange, "expiresAt must be in the future")
	case d.ExpiresAt.Sub(now) > MaxDemandLifetime:
		errs.Add(fieldOf("expiresAt"), CodeOutOfRange, "expiresAt must be within a year")
	}
	if d.StartDate != nil && d.StartDate.After(Day(d.ExpiresAt).AddDate(1, 0, 0)) {
		errs.Add(fieldOf("startDate"), CodeOutOfRange, "startDate is more than a year after expiresAt")
	}
	switch d.Visibility {
	case VisibilityAllPartners, VisibilityAgreementPartners:
	default:
		errs.Add(fieldOf("visibility"), CodeInvalid, "visibility must be ALL_PARTNERS or AGREEMENT_PARTNERS")
	}
	checkTerms(&errs, now, d, rules)
	return errs
}

func validSkill(s SkillLevel) bool { return skillRank(s) >= 0 }

// checkAgeRange checks minAge and maxAge (under the prefix path): each a working age,
// the first no more than the second.
func checkAgeRange(errs *Errors, prefix []string, minAge, maxAge *int) {
	at := func(name string) []string { return append(append([]string{}, prefix...), name) }
	for _, a := range []struct {
		name string
		v    *int
	}{{"minAge", minAge}, {"maxAge", maxAge}} {
		if a.v != nil && (*a.v < MinWorkingAge || *a.v > MaxWorkingAge) {
			errs.Add(at(a.name), CodeOutOfRange, "%s must be between %d and %d", a.name, MinWorkingAge, MaxWorkingAge)
		}
	}
	if minAge != nil && maxAge != nil && *minAge > *maxAge {
		errs.Add(at("minAge"), CodeInvalid, "minAge is more than maxAge")
	}
}

func validEducation(e EducationLevel) bool { return educationRank(e) >= 0 }

// DraftFromPublish turns a publish input into a draft with defaults applied.
func DraftFromPublish(in PublishLaborDemandInput) *DemandDraft {
	d := &DemandDraft{
		Employer: in.Employer, OccupationCode: strings.TrimSpace(in.OccupationCode), Title: strings.TrimSpace(in.Title),
		Description: in.Description, Quantity: in.Quantity, WageMin: in.WageMin, WageMax: in.WageMax,
		WorkProvinceCode: strings.TrimSpace(in.WorkProvinceCode), WorkAddress: in.WorkAddress,
		EmploymentType: in.EmploymentType, StartDate: in.StartDate, ExpiresAt: in.ExpiresAt.UTC(),
		Visibility: VisibilityAllPartners,
		Terms:      DemandTerms(in.TermsInput),
	}
	d.Employer.Name = strings.TrimSpace(d.Employer.Name)
	if in.Visibility != nil {
		d.Visibility = *in.Visibility
	}
	if in.Requirements != nil {
		d.Requirements = *in.Requirements
	}
	if in.Benefits != nil {
		d.Benefits = *in.Benefits
	}
	return d
}

// DraftFromDemand returns a stored demand's fields as a draft, to apply an update to.
func DraftFromDemand(d *LaborDemand) *DemandDraft {
	return &DemandDraft{
		Employer:       EmployerInput{Name: d.EmployerName, TaxCode: d.EmployerTaxCode},
		OccupationCode: d.OccupationCode, Title: d.Title, Description: d.Description,
		Quantity: d.Quantity, FilledCount: d.FilledCount, WageMin: d.WageMin, WageMax: d.WageMax,
		WorkProvinceCode: d.WorkProvinceCode, WorkAddress: d.WorkAddress, EmploymentType: d.EmploymentType,
		Requirements: RequirementsInput{EducationLevel: d.EducationLevel, SkillLevel: d.SkillLevel,
			MinAge: d.MinAge, MaxAge: d.MaxAge, ExperienceYears: d.ExperienceYears},
		Benefits: BenefitsInput{Housing: &d.Housing, TransportSupport: &d.TransportSupport, Meals: &d.Meals,
			Note: d.BenefitsNote},
		StartDate: d.StartDate, ExpiresAt: d.ExpiresAt, Visibility: d.Visibility, Terms: termsOf(d),
	}
}

// Apply merges an update into the draft.
func (d *DemandDraft) Apply(u UpdateLaborDemandInput) {
	if u.Employer != nil {
		d.Employer = EmployerInput{Name: strings.TrimSpace(u.Employer.Name), TaxCode: u.Employer.TaxCode}
	}
	setIf(&d.Title, u.Title)
	if u.Title != nil {
		d.Title = strings.TrimSpace(d.Title)
	}
	if u.Description != nil {
		d.Description = u.Description
	}
	setIf(&d.Quantity, u.Quantity)
	if u.WageMin != nil {
		d.WageMin = u.WageMin
	}
	if u.WageMax != nil {
		d.WageMax = u.WageMax
	}
	if u.WorkAddress != nil {
		d.WorkAddress = u.WorkAddress
	}
	setIf(&d.EmploymentType, u.EmploymentType)
	if r := u.Requirements; r != nil {
		d.Requirements = *r
	}
	if b := u.Benefits; b != nil {
		if b.Housing != nil {
			d.Benefits.Housing = b.Housing
		}
		if b.TransportSupport != nil {
			d.Benefits.TransportSupport = b.TransportSupport
		}
		if b.Meals != nil {
			d.Benefits.Meals = b.Meals
		}
		if b.Note != nil {
			d.Benefits.Note = b.Note
		}
	}
	if u.StartDate != nil {
		d.StartDate = u.StartDate
	}
	if u.ExpiresAt != nil {
		t := u.ExpiresAt.UTC()
		d.ExpiresAt = t
	}
	setIf(&d.Visibility, u.Visibility)
	d.Terms.apply(u.TermsInput)
}
