package exchange

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Labor supply: workers of one occupation a center has ready to move, counts only.

// SupplyStatus is read, not stored: WITHDRAWN when the owner withdrew it, EXHAUSTED when
// no worker is left or its availability ended before today, OPEN otherwise.
type SupplyStatus string

const (
	SupplyOpen      SupplyStatus = "OPEN"
	SupplyExhausted SupplyStatus = "EXHAUSTED"
	SupplyWithdrawn SupplyStatus = "WITHDRAWN"
)

// LaborSupply is a group of workers of one occupation a center has ready to move.
// Counts only: no personal data.
type LaborSupply struct {
	ID             uuid.UUID   `db:"id"`
	CenterID       uuid.UUID   `db:"center_id"`
	OccupationCode string      `db:"occupation_code"`
	SkillLevel     *SkillLevel `db:"skill_level"`
	// EducationLevel is the lowest level any of the workers completed; MinAge and
	// MaxAge the range of their ages. A group's figures, never a person's.
	EducationLevel   *EducationLevel `db:"education_level"`
	MinAge           *int            `db:"min_age"`
	MaxAge           *int            `db:"max_age"`
	Quantity         int             `db:"quantity"`
	AvailableFrom    time.Time       `db:"available_from"`
	AvailableUntil   *time.Time      `db:"available_until"`
	DestinationCodes []string        `db:"destination_codes"`
	ExpectedWageMin  *int64          `db:"expected_wage_min"`
	Notes            *string         `db:"notes"`
	WithdrawnAt      *time.Time      `db:"withdrawn_at"`
	WithdrawReason   *string         `db:"withdraw_reason"`
	CreatedAt        time.Time       `db:"created_at"`
	UpdatedAt        time.Time       `db:"updated_at"`
	Version          int             `db:"version"`
	Status           SupplyStatus    `db:"-"`
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

// PublishLaborSupplyInput publishes workers ready to move.
type PublishLaborSupplyInput struct {
	IdempotencyKey           *string         `json:"-"`
	OccupationCode           string          `json:"occupationCode"`
	SkillLevel               *SkillLevel     `json:"skillLevel"`
	EducationLevel           *EducationLevel `json:"educationLevel"`
	MinAge                   *int            `json:"minAge"`
	MaxAge                   *int            `json:"maxAge"`
	Quantity                 int             `json:"quantity"`
	AvailableFrom            time.Time       `json:"availableFrom"`
	AvailableUntil           *time.Time      `json:"availableUntil"`
	DestinationProvinceCodes []string        `json:"destinationProvinceCodes"`
	ExpectedWageMin          *int64          `json:"expectedWageMin"`
	Notes                    *string         `json:"notes"`
}

// UpdateLaborSupplyInput changes a supply; nil fields stay. Quantity 0 means every
// worker has been placed: the supply reads EXHAUSTED.
type UpdateLaborSupplyInput struct {
	LaborSupplyID            string
	SkillLevel               *SkillLevel
	EducationLevel           *EducationLevel
	MinAge                   *int
	MaxAge                   *int
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

// LaborSupplyOrder orders a supply list.
type LaborSupplyOrder string

const (
	SupplyOrderNewest        LaborSupplyOrder = "NEWEST"
	SupplyOrderAvailableFrom LaborSupplyOrder = "AVAILABLE_FROM"
)

// LaborSupplyFilter narrows a supply search. ProvinceCodes match the owning center's
// province or an accepted destination (an empty destination list accepts any).
type LaborSupplyFilter struct {
	OccupationCode *string
	ProvinceCodes  []string
	CenterCodes    []string
	Statuses       []SupplyStatus
	Text           *string
}

// SupplyDraft is a supply's fields after a publish or update.
type SupplyDraft struct {
	OccupationCode   string
	SkillLevel       *SkillLevel
	EducationLevel   *EducationLevel
	MinAge, MaxAge   *int
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
	if s.EducationLevel != nil && !validEducation(*s.EducationLevel) {
		errs.Add(fieldOf("educationLevel"), CodeInvalid, "unknown education level %q", *s.EducationLevel)
	}
	checkAgeRange(&errs, nil, s.MinAge, s.MaxAge)
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
	checkPublicText(&errs, fieldOf("notes"), s.Notes, MaxNoteLen)
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
		EducationLevel: in.EducationLevel, MinAge: in.MinAge, MaxAge: in.MaxAge,
		Quantity: in.Quantity, AvailableFrom: in.AvailableFrom, AvailableUntil: in.AvailableUntil,
		DestinationCodes: codes, ExpectedWageMin: in.ExpectedWageMin, Notes: in.Notes}
}

// DraftFromSupply returns a stored supply as a draft, to apply an update to.
func DraftFromSupply(s *LaborSupply) *SupplyDraft {
	return &SupplyDraft{OccupationCode: s.OccupationCode, SkillLevel: s.SkillLevel, EducationLevel: s.EducationLevel,
		MinAge: s.MinAge, MaxAge: s.MaxAge, Quantity: s.Quantity,
		AvailableFrom: s.AvailableFrom, AvailableUntil: s.AvailableUntil, DestinationCodes: s.DestinationCodes,
		ExpectedWageMin: s.ExpectedWageMin, Notes: s.Notes}
}

// Apply merges an update into the draft. A non-nil DestinationProvinceCodes replaces the
// list (an empty list accepts any province).
func (s *SupplyDraft) Apply(u UpdateLaborSupplyInput) {
	if u.SkillLevel != nil {
		s.SkillLevel = u.SkillLevel
	}
	setPtr(&s.EducationLevel, u.EducationLevel)
	setPtr(&s.MinAge, u.MinAge)
	setPtr(&s.MaxAge, u.MaxAge)
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
