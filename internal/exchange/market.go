package exchange

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The marketplace (DESIGN §2, §3): labor demand (job orders) and labor supply (workers
// ready to move, counts only).

// DemandStatus is read, not stored: CLOSED when the owner closed it, FILLED when every
// position is filled, EXPIRED past expiresAt, OPEN otherwise (in that precedence).
type DemandStatus string

const (
	DemandOpen    DemandStatus = "OPEN"
	DemandFilled  DemandStatus = "FILLED"
	DemandClosed  DemandStatus = "CLOSED"
	DemandExpired DemandStatus = "EXPIRED"
)

// SupplyStatus is read, not stored: WITHDRAWN when the owner withdrew it, EXHAUSTED when
// no worker is left or its availability ended before today, OPEN otherwise.
type SupplyStatus string

const (
	SupplyOpen      SupplyStatus = "OPEN"
	SupplyExhausted SupplyStatus = "EXHAUSTED"
	SupplyWithdrawn SupplyStatus = "WITHDRAWN"
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

// SkillLevel grades vocational skill, from none to a national skill certificate level.
type SkillLevel string

const (
	SkillUnskilled     SkillLevel = "UNSKILLED"
	SkillSemiSkilled   SkillLevel = "SEMI_SKILLED"
	SkillSkilled       SkillLevel = "SKILLED"
	SkillHighlySkilled SkillLevel = "HIGHLY_SKILLED"
)

// Text limits, in characters.
const (
	MaxTitleLen       = 200
	MaxNameLen        = 200
	MaxDescriptionLen = 5000
	MaxAddressLen     = 500
	MaxNoteLen        = 2000
	MaxReasonLen      = 1000
	MaxQuantity       = 100000
	// MaxWage bounds a monthly wage in VND (1 billion), so a typo of extra zeros is caught.
	MaxWage = 1_000_000_000
	// MaxDemandLifetime bounds expiresAt: a job order older than a year is stale.
	MaxDemandLifetime = 366 * 24 * time.Hour
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
	CreatedAt        time.Time       `db:"created_at"`
	UpdatedAt        time.Time       `db:"updated_at"`
	Version          int             `db:"version"`
	// Status is derived with DemandStatusAt when the demand is read.
	Status DemandStatus `db:"-"`
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

// LaborSupply is a group of workers of one occupation a center has ready to move.
// Counts only: no personal data.
type LaborSupply struct {
	ID               uuid.UUID    `db:"id"`
	CenterID         uuid.UUID    `db:"center_id"`
	OccupationCode   string       `db:"occupation_code"`
	SkillLevel       *SkillLevel  `db:"skill_level"`
	Quantity         int          `db:"quantity"`
	AvailableFrom    time.Time    `db:"available_from"`
	AvailableUntil   *time.Time   `db:"available_until"`
	DestinationCodes []string     `db:"destination_codes"`
	ExpectedWageMin  *int64       `db:"expected_wage_min"`
	Notes            *string      `db:"notes"`
	WithdrawnAt      *time.Time   `db:"withdrawn_at"`
	WithdrawReason   *string      `db:"withdraw_reason"`
	CreatedAt        time.Time    `db:"created_at"`
	UpdatedAt        time.Time    `db:"updated_at"`
	Version          int          `db:"version"`
	Status           SupplyStatus `db:"-"`
}

// SupplyStatusAt derives a supply's status at now.
func SupplyStatusAt(withdrawnAt *time.Time, quantity int, availableUntil *time.Time, now time.Time) SupplyStatus {
	switch {
	case withdrawnAt != nil:
		return SupplyWithdrawn
	case quantity <= 0:
		return SupplyExhausted
	case availableUntil != nil && availableUntil.Before(Day(now)):
		return SupplyExhausted
	}
	return SupplyOpen
}

// SetStatus derives Status at now.
func (s *LaborSupply) SetStatus(now time.Time) {
	s.Status = SupplyStatusAt(s.WithdrawnAt, s.Quantity, s.AvailableUntil, now)
}

// Day is the calendar day of t in UTC, as a Date value.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
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
}

// UpdateLaborDemandInput changes an open or expired demand; nil fields stay.
type UpdateLaborDemandInput struct {
	LaborDemandID   string             `json:"-"`
	Employer        *EmployerInput     `json:"employer"`
	Title           *string            `json:"title"`
	Description     *string            `json:"description"`
	Quantity        *int               `json:"quantity"`
	WageMin         *int64             `json:"wageMin"`
	WageMax         *int64             `json:"wageMax"`
	WorkAddress     *string            `json:"workAddress"`
	EmploymentType  *EmploymentType    `json:"employmentType"`
	Requirements    *RequirementsInput `json:"requirements"`
	Benefits        *BenefitsInput     `json:"benefits"`
	StartDate       *time.Time         `json:"startDate"`
	ExpiresAt       *time.Time         `json:"expiresAt"`
	Visibility      *Visibility        `json:"visibility"`
	ExpectedVersion *int               `json:"-"`
}

// CloseLaborDemandInput closes a demand for good.
type CloseLaborDemandInput struct {
	LaborDemandID   string
	Reason          *string
	ExpectedVersion *int
}

// PublishLaborSupplyInput publishes workers ready to move.
type PublishLaborSupplyInput struct {
	IdempotencyKey           *string     `json:"-"`
	OccupationCode           string      `json:"occupationCode"`
	SkillLevel               *SkillLevel `json:"skillLevel"`
	Quantity                 int         `json:"quantity"`
	AvailableFrom            time.Time   `json:"availableFrom"`
	AvailableUntil           *time.Time  `json:"availableUntil"`
	DestinationProvinceCodes []string    `json:"destinationProvinceCodes"`
	ExpectedWageMin          *int64      `json:"expectedWageMin"`
	Notes                    *string     `json:"notes"`
}

// UpdateLaborSupplyInput changes a supply; nil fields stay. Quantity 0 means every
// worker has been placed: the supply reads EXHAUSTED.
type UpdateLaborSupplyInput struct {
	LaborSupplyID            string
	SkillLevel               *SkillLevel
	Quantity                 *int
	AvailableFrom            *time.Time
	AvailableUntil           *time.Time
	DestinationProvinceCodes []string
	ExpectedWageMin          *int64
	Notes                    *string
	ExpectedVersion          *int
}

// WithdrawLaborSupplyInput withdraws a supply for good.
type WithdrawLaborSupplyInput struct {
	LaborSupplyID   string
	Reason          *string
	ExpectedVersion *int
}

// ImportInput is a bulk import: CSV text with a header row. With Partial, good rows are
// written even when others are bad; without it a file with any error writes nothing.
type ImportInput struct {
	CSV     string
	Partial *bool
}

// ImportRowError is one bad value of an imported file.
type ImportRowError struct {
	// Line is the 1-based line of the file; the header is line 1.
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// ImportResult reports an import.
type ImportResult struct {
	CreatedCount int
	RowCount     int
	Errors       []*ImportRowError
}

// LaborDemandOrder orders a demand list.
type LaborDemandOrder string

const (
	DemandOrderNewest      LaborDemandOrder = "NEWEST"
	DemandOrderWageDesc    LaborDemandOrder = "WAGE_DESC"
	DemandOrderExpiresSoon LaborDemandOrder = "EXPIRES_SOON"
)

// LaborSupplyOrder orders a supply list.
type LaborSupplyOrder string

const (
	SupplyOrderNewest        LaborSupplyOrder = "NEWEST"
	SupplyOrderAvailableFrom LaborSupplyOrder = "AVAILABLE_FROM"
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

// LaborSupplyFilter narrows a supply search. ProvinceCodes match the owning center's
// province or an accepted destination (an empty destination list accepts any).
type LaborSupplyFilter struct {
	OccupationCode *string
	ProvinceCodes  []string
	CenterCodes    []string
	Statuses       []SupplyStatus
	Text           *string
}

// SupplyMatch is a supply ranked for a demand.
type SupplyMatch struct {
	LaborSupply *LaborSupply
	Score       float64
	Reasons     []string
}

// DemandMatch is a demand ranked for a supply.
type DemandMatch struct {
	LaborDemand *LaborDemand
	Score       float64
	Reasons     []string
}

// MarketService publishes, searches and matches demand and supply. Every method takes
// the caller from ctx and applies what it may see and do.
type MarketService interface {
	LaborDemand(ctx context.Context, id uuid.UUID) (*LaborDemand, error)
	LaborDemands(ctx context.Context, f LaborDemandFilter, order LaborDemandOrder, page PageArgs) (*Page[*LaborDemand], error)
	LaborDemandMatching(ctx context.Context, id uuid.UUID, f LaborDemandFilter) (*LaborDemand, error)
	PublishLaborDemand(ctx context.Context, in PublishLaborDemandInput) (*LaborDemand, error)
	UpdateLaborDemand(ctx context.Context, in UpdateLaborDemandInput) (*LaborDemand, error)
	CloseLaborDemand(ctx context.Context, in CloseLaborDemandInput) (*LaborDemand, error)
	ImportLaborDemand(ctx context.Context, in ImportInput) (*ImportResult, error)

	LaborSupply(ctx context.Context, id uuid.UUID) (*LaborSupply, error)
	LaborSupplies(ctx context.Context, f LaborSupplyFilter, order LaborSupplyOrder, page PageArgs) (*Page[*LaborSupply], error)
	PublishLaborSupply(ctx context.Context, in PublishLaborSupplyInput) (*LaborSupply, error)
	UpdateLaborSupply(ctx context.Context, in UpdateLaborSupplyInput) (*LaborSupply, error)
	WithdrawLaborSupply(ctx context.Context, in WithdrawLaborSupplyInput) (*LaborSupply, error)
	ImportLaborSupply(ctx context.Context, in ImportInput) (*ImportResult, error)

	MatchesForDemand(ctx context.Context, demandID uuid.UUID, first int) ([]*SupplyMatch, error)
	MatchesForSupply(ctx context.Context, supplyID uuid.UUID, first int) ([]*DemandMatch, error)
}

// ---- validation ----

var taxCodePattern = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)

// checkText validates an optional free text against a limit.
func checkText(errs *Errors, field []string, s *string, limit int) {
	if s != nil && utf8.RuneCountInString(*s) > limit {
		errs.Add(field, CodeTooLong, "%s is longer than %d characters", field[len(field)-1], limit)
	}
}

// checkRequiredText validates a required text: not blank, within limit.
func checkRequiredText(errs *Errors, field []string, s string, limit int) {
	switch {
	case strings.TrimSpace(s) == "":
		errs.Add(field, CodeRequired, "%s is required", field[len(field)-1])
	case utf8.RuneCountInString(s) > limit:
		errs.Add(field, CodeTooLong, "%s is longer than %d characters", field[len(field)-1], limit)
	}
}

func checkWage(errs *Errors, field []string, w *int64) {
	if w != nil && (*w < 0 || *w > MaxWage) {
		errs.Add(field, CodeOutOfRange, "%s must be between 0 and %d VND a month", field[len(field)-1], MaxWage)
	}
}

// fieldOf names a field of the operation's input; it is there so that call sites read as
// field paths.
func fieldOf(path ...string) []string { return path }

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
	checkText(&errs, fieldOf("description"), d.Description, MaxDescriptionLen)
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
	checkText(&errs, fieldOf("workAddress"), d.WorkAddress, MaxAddressLen)
	switch d.EmploymentType {
	case EmploymentFullTime, EmploymentPartTime, EmploymentSeasonal, EmploymentFixedTerm:
	default:
		errs.Add(fieldOf("employmentType"), CodeInvalid, "employmentType must be FULL_TIME, PART_TIME, SEASONAL or FIXED_TERM")
	}
	r := d.Requirements
	for _, a := range []struct {
		name string
		v    *int
	}{{"minAge", r.MinAge}, {"maxAge", r.MaxAge}} {
		if a.v != nil && (*a.v < MinWorkingAge || *a.v > MaxWorkingAge) {
			errs.Add(fieldOf("requirements", a.name), CodeOutOfRange, "%s must be between %d and %d", a.name, MinWorkingAge, MaxWorkingAge)
		}
	}
	if r.MinAge != nil && r.MaxAge != nil && *r.MinAge > *r.MaxAge {
		errs.Add(fieldOf("requirements", "minAge"), CodeInvalid, "minAge is more than maxAge")
	}
	if r.ExperienceYears != nil && (*r.ExperienceYears < 0 || *r.ExperienceYears > 50) {
		errs.Add(fieldOf("requirements", "experienceYears"), CodeOutOfRange, "experienceYears must be between 0 and 50")
	}
	if r.EducationLevel != nil && !validEducation(*r.EducationLevel) {
		errs.Add(fieldOf("requirements", "educationLevel"), CodeInvalid, "unknown education level %q", *r.EducationLevel)
	}
	if r.SkillLevel != nil && !validSkill(*r.SkillLevel) {
		errs.Add(fieldOf("requirements", "skillLevel"), CodeInvalid, "unknown skill level %q", *r.SkillLevel)
	}
	checkText(&errs, fieldOf("benefits", "note"), d.Benefits.Note, MaxNoteLen)
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
	return errs
}

func validSkill(s SkillLevel) bool {
	switch s {
	case SkillUnskilled, SkillSemiSkilled, SkillSkilled, SkillHighlySkilled:
		return true
	}
	return false
}

func validEducation(e EducationLevel) bool {
	switch e {
	case EducationNone, EducationPrimary, EducationLowerSecondary, EducationUpperSecondary,
		EducationVocational, EducationCollege, EducationUniversity:
		return true
	}
	return false
}

// DraftFromPublish turns a publish input into a draft with defaults applied.
func DraftFromPublish(in PublishLaborDemandInput) *DemandDraft {
	d := &DemandDraft{
		Employer: in.Employer, OccupationCode: strings.TrimSpace(in.OccupationCode), Title: strings.TrimSpace(in.Title),
		Description: in.Description, Quantity: in.Quantity, WageMin: in.WageMin, WageMax: in.WageMax,
		WorkProvinceCode: strings.TrimSpace(in.WorkProvinceCode), WorkAddress: in.WorkAddress,
		EmploymentType: in.EmploymentType, StartDate: in.StartDate, ExpiresAt: in.ExpiresAt.UTC(),
		Visibility: VisibilityAllPartners,
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
		StartDate: d.StartDate, ExpiresAt: d.ExpiresAt, Visibility: d.Visibility,
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
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// SupplyDraft is a supply's fields after a publish or update.
type SupplyDraft struct {
	OccupationCode   string
	SkillLevel       *SkillLevel
	Quantity         int
	AvailableFrom    time.Time
	AvailableUntil   *time.Time
	DestinationCodes []string
	ExpectedWageMin  *int64
	Notes            *string
}

// ValidateSupply checks a supply draft at now. On publish the quantity must be
// positive; an update may set it to 0 (all placed). Destination provinces must be
// current (a dissolved code is PROVINCE_DISSOLVED naming its successor).
func ValidateSupply(cat *Catalog, now time.Time, s *SupplyDraft, publish bool) Errors {
	var errs Errors
	if err := cat.CheckUnitOccupation(fieldOf("occupationCode"), s.OccupationCode); err != nil {
		errs = append(errs, err.(*Error))
	}
	if s.SkillLevel != nil && !validSkill(*s.SkillLevel) {
		errs.Add(fieldOf("skillLevel"), CodeInvalid, "unknown skill level %q", *s.SkillLevel)
	}
	minQ := 0
	if publish {
		minQ = 1
	}
	if s.Quantity < minQ || s.Quantity > MaxQuantity {
		errs.Add(fieldOf("quantity"), CodeOutOfRange, "quantity must be between %d and %d", minQ, MaxQuantity)
	}
	if s.AvailableFrom.IsZero() {
		errs.Add(fieldOf("availableFrom"), CodeRequired, "availableFrom is required")
	}
	if s.AvailableUntil != nil {
		if s.AvailableUntil.Before(s.AvailableFrom) {
			errs.Add(fieldOf("availableUntil"), CodeInvalid, "availableUntil is before availableFrom")
		} else if publish && s.AvailableUntil.Before(Day(now)) {
			errs.Add(fieldOf("availableUntil"), CodeOutOfRange, "availableUntil is in the past")
		}
	}
	seen := map[string]bool{}
	for i, c := range s.DestinationCodes {
		if err := cat.CheckPostingProvince(fieldOf("destinationProvinceCodes", itoa(i)), c); err != nil {
			errs = append(errs, err.(*Error))
		}
		if seen[c] {
			errs.Add(fieldOf("destinationProvinceCodes", itoa(i)), CodeInvalid, "province %s is listed twice", c)
		}
		seen[c] = true
	}
	if len(s.DestinationCodes) > 34 {
		errs.Add(fieldOf("destinationProvinceCodes"), CodeOutOfRange, "at most 34 destination provinces")
	}
	checkWage(&errs, fieldOf("expectedWageMin"), s.ExpectedWageMin)
	checkText(&errs, fieldOf("notes"), s.Notes, MaxNoteLen)
	return errs
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// DraftFromPublishSupply turns a publish input into a draft.
func DraftFromPublishSupply(in PublishLaborSupplyInput) *SupplyDraft {
	codes := make([]string, 0, len(in.DestinationProvinceCodes))
	for _, c := range in.DestinationProvinceCodes {
		codes = append(codes, strings.TrimSpace(c))
	}
	return &SupplyDraft{OccupationCode: strings.TrimSpace(in.OccupationCode), SkillLevel: in.SkillLevel,
		Quantity: in.Quantity, AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil,
		DestinationCodes: codes, ExpectedWageMin: in.ExpectedWageMin, Notes: in.Notes}
}

// DraftFromSupply returns a stored supply as a draft, to apply an update to.
func DraftFromSupply(s *LaborSupply) *SupplyDraft {
	return &SupplyDraft{OccupationCode: s.OccupationCode, SkillLevel: s.SkillLevel, Quantity: s.Quantity,
		AvailableFrom: s.AvailableFrom, AvailableUntil: s.AvailableUntil, DestinationCodes: s.DestinationCodes,
		ExpectedWageMin: s.ExpectedWageMin, Notes: s.Notes}
}

// Apply merges an update into the draft. A non-nil DestinationProvinceCodes replaces the
// list (an empty list accepts any province).
func (s *SupplyDraft) Apply(u UpdateLaborSupplyInput) {
	if u.SkillLevel != nil {
		s.SkillLevel = u.SkillLevel
	}
	setIf(&s.Quantity, u.Quantity)
	setIf(&s.AvailableFrom, u.AvailableFrom)
	if u.AvailableUntil != nil {
		s.AvailableUntil = u.AvailableUntil
	}
	if u.DestinationProvinceCodes != nil {
		s.DestinationCodes = u.DestinationProvinceCodes
	}
	if u.ExpectedWageMin != nil {
		s.ExpectedWageMin = u.ExpectedWageMin
	}
	if u.Notes != nil {
		s.Notes = u.Notes
	}
}

// ---- matching ----

// Match reasons: stable strings clients may switch on.
const (
	ReasonOccupationExact    = "OCCUPATION_EXACT"
	ReasonOccupationMinor    = "OCCUPATION_MINOR_GROUP"
	ReasonOccupationSubMajor = "OCCUPATION_SUB_MAJOR_GROUP"
	ReasonDestination        = "DESTINATION_ACCEPTED"
	ReasonWage               = "WAGE_MEETS_EXPECTATION"
	ReasonDates              = "DATES_OVERLAP"
	ReasonAgreement          = "AGREEMENT_COVERS"
)

// Match weights in hundredths; the best occupation weight plus all the others is 100, so
// a score is 0 to 1. The SQL of the store is built from these constants.
const (
	WeightOccupationExact    = 40
	WeightOccupationMinor    = 25
	WeightOccupationSubMajor = 10
	WeightDestination        = 20
	WeightWage               = 15
	WeightDates              = 15
	WeightAgreement          = 10
)

// MatchFacts are what matching finds true of a demand and a supply.
type MatchFacts struct {
	// OccupationLevel is 4 (same unit group), 3 (same minor group), 2 (same sub-major
	// group) or 0.
	OccupationLevel int
	Destination     bool
	Wage            bool
	Dates           bool
	Agreement       bool
}

// Score returns the match score (0–1) and its reasons in a fixed order.
func (f MatchFacts) Score() (float64, []string) {
	points, reasons := 0, []string{}
	switch f.OccupationLevel {
	case 4:
		points, reasons = points+WeightOccupationExact, append(reasons, ReasonOccupationExact)
	case 3:
		points, reasons = points+WeightOccupationMinor, append(reasons, ReasonOccupationMinor)
	case 2:
		points, reasons = points+WeightOccupationSubMajor, append(reasons, ReasonOccupationSubMajor)
	}
	for _, c := range []struct {
		ok     bool
		w      int
		reason string
	}{{f.Destination, WeightDestination, ReasonDestination}, {f.Wage, WeightWage, ReasonWage},
		{f.Dates, WeightDates, ReasonDates}, {f.Agreement, WeightAgreement, ReasonAgreement}} {
		if c.ok {
			points, reasons = points+c.w, append(reasons, c.reason)
		}
	}
	return float64(points) / 100, reasons
}

// OccupationLevel compares two unit-group codes: 4 when equal, 3 when in the same minor
// group, 2 in the same sub-major group, 0 otherwise.
func OccupationLevel(a, b string) int {
	for n := 4; n >= 2; n-- {
		if len(a) >= n && len(b) >= n && a[:n] == b[:n] {
			return n
		}
	}
	return 0
}
