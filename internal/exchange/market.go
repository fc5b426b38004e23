package exchange

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The marketplace (DESIGN §2, §3): labor demand (job orders, demand.go) and labor supply
// (workers ready to move, counts only, supply.go), and their matching (matching.go).
// This file holds what they share: the service, skill levels, text limits, imports.

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

// Day is the calendar day of t in UTC, as a Date value.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ImportInput is a bulk import: CSV text with a header row. With Partial, good rows are
// written even when others are bad; without it a file with any error writes nothing.
// The same IdempotencyKey with the same file and Partial replays the first import's
// result and writes nothing; with another file it is IDEMPOTENCY_KEY_REUSED.
type ImportInput struct {
	IdempotencyKey *string
	CSV            string
	Partial        *bool
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

// checkPublicText is checkText for text every center sees: it also refuses what looks
// like personal data (PERSONAL_DATA_IN_TEXT).
func checkPublicText(errs *Errors, field []string, s *string, limit int) {
	checkText(errs, field, s, limit)
	checkNoPersonalData(errs, field, s)
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

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
