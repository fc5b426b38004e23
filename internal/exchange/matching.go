package exchange

// Matching demand and supply: the score and its reasons.

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

// Match reasons: stable strings clients may switch on. Every factor but the occupation
// gives one of its two (or more) reasons, the one that holds, so a score below 1 always
// names what it lacks.
const (
	ReasonOccupationExact    = "OCCUPATION_EXACT"
	ReasonOccupationMinor    = "OCCUPATION_MINOR_GROUP"
	ReasonOccupationSubMajor = "OCCUPATION_SUB_MAJOR_GROUP"
	ReasonDestination        = "DESTINATION_ACCEPTED"
	ReasonNoDestination      = "DESTINATION_NOT_ACCEPTED"
	ReasonWage               = "WAGE_MEETS_EXPECTATION"
	ReasonWageBelow          = "WAGE_BELOW_EXPECTATION"
	ReasonDates              = "DATES_OVERLAP"
	ReasonNoDates            = "DATES_DO_NOT_OVERLAP"
	ReasonAgreement          = "AGREEMENT_COVERS"
	ReasonNoAgreement        = "NO_ACTIVE_AGREEMENT"
	ReasonSameCenter         = "SAME_CENTER"
	ReasonSkill              = "SKILL_LEVEL_MEETS"
	ReasonSkillBelow         = "SKILL_LEVEL_BELOW"
	ReasonSkillUnknown       = "SKILL_LEVEL_UNKNOWN"
	ReasonAge                = "AGE_ELIGIBLE"
	ReasonAgePartly          = "AGE_PARTLY_ELIGIBLE"
	ReasonAgeIneligible      = "AGE_INELIGIBLE"
	ReasonAgeUnknown         = "AGE_UNKNOWN"
	ReasonEducation          = "EDUCATION_MEETS"
	ReasonEducationBelow     = "EDUCATION_BELOW"
	ReasonEducationUnknown   = "EDUCATION_UNKNOWN"
)

// Match weights in hundredths; the best occupation weight plus all the others is 100, so
// a score is 0 to 1. The SQL of the store is built from these constants.
const (
	WeightOccupationExact    = 30
	WeightOccupationMinor    = 20
	WeightOccupationSubMajor = 10
	WeightDestination        = 15
	WeightWage               = 15
	WeightDates              = 10
	WeightAgreement          = 10
	WeightSkill              = 10
	WeightAge                = 5
	WeightEducation          = 5
)

// Fit is how a supply meets one of a demand's requirements. Only FitMeets scores.
type Fit int

const (
	// FitMeets: the demand asks nothing, or the supply meets it.
	FitMeets Fit = iota
	// FitBelow: the supply states less than the demand asks (ages: none in range).
	FitBelow
	// FitUnknown: the demand asks, the supply does not say.
	FitUnknown
	// FitPartly (ages only): some of the group's ages are in range, some are not.
	FitPartly
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
	// SameCenter explains a missing agreement: a center needs none with itself.
	SameCenter bool
	Skill      Fit
	Age        Fit
	Education  Fit
}

// Score returns the match score (0–1) and its reasons in a fixed order: the
// occupation's, then one per factor — destination, wage, dates, agreement, skill level,
// age, education — saying whether it holds, and why not.
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
	noAgreement := ReasonNoAgreement
	if f.SameCenter {
		noAgreement = ReasonSameCenter
	}
	for _, c := range []struct {
		ok      bool
		w       int
		reason  string
		missing string
	}{{f.Destination, WeightDestination, ReasonDestination, ReasonNoDestination},
		{f.Wage, WeightWage, ReasonWage, ReasonWageBelow},
		{f.Dates, WeightDates, ReasonDates, ReasonNoDates},
		{f.Agreement, WeightAgreement, ReasonAgreement, noAgreement},
		{f.Skill == FitMeets, WeightSkill, ReasonSkill, fitReason(f.Skill, ReasonSkillBelow, ReasonSkillUnknown)},
		{f.Age == FitMeets, WeightAge, ReasonAge, fitReason(f.Age, ReasonAgeIneligible, ReasonAgeUnknown)},
		{f.Education == FitMeets, WeightEducation, ReasonEducation,
			fitReason(f.Education, ReasonEducationBelow, ReasonEducationUnknown)}} {
		if c.ok {
			points, reasons = points+c.w, append(reasons, c.reason)
		} else {
			reasons = append(reasons, c.missing)
		}
	}
	return float64(points) / 100, reasons
}

func fitReason(f Fit, below, unknown string) string {
	switch f {
	case FitUnknown:
		return unknown
	case FitPartly:
		return ReasonAgePartly
	}
	return below
}

// SkillLevels and EducationLevels are the levels from lowest to highest: a supply meets
// a requirement at the same level or above. The store's SQL ranks by these lists.
var (
	SkillLevels     = []SkillLevel{SkillUnskilled, SkillSemiSkilled, SkillSkilled, SkillHighlySkilled}
	EducationLevels = []EducationLevel{EducationNone, EducationPrimary, EducationLowerSecondary,
		EducationUpperSecondary, EducationVocational, EducationIntermediate, EducationCollege,
		EducationUniversity, EducationPostgraduate}
)

func rankOf[T comparable](levels []T, v T) int {
	for i, l := range levels {
		if l == v {
			return i
		}
	}
	return -1
}

func skillRank(s SkillLevel) int         { return rankOf(SkillLevels, s) }
func educationRank(e EducationLevel) int { return rankOf(EducationLevels, e) }

// LevelFit is how an offered level meets a required one (ranks of SkillLevels or
// EducationLevels; nil when not stated).
func LevelFit(required, offered *int) Fit {
	switch {
	case required == nil:
		return FitMeets
	case offered == nil:
		return FitUnknown
	case *offered >= *required:
		return FitMeets
	}
	return FitBelow
}

// SkillFit is how a supply's skill level meets a demand's.
func SkillFit(required, offered *SkillLevel) Fit {
	return LevelFit(rankPtr(required, skillRank), rankPtr(offered, skillRank))
}

// EducationFit is how a supply's (lowest) education level meets a demand's.
func EducationFit(required, offered *EducationLevel) Fit {
	return LevelFit(rankPtr(required, educationRank), rankPtr(offered, educationRank))
}

func rankPtr[T any](v *T, rank func(T) int) *int {
	if v == nil {
		return nil
	}
	r := rank(*v)
	return &r
}

// AgeFit is how a supply's age range meets a demand's: within it (or no range asked),
// partly inside, outside, or unknown when the supply gives no ages. An open end of the
// supply's range is the working-age bound (15 or 70).
func AgeFit(reqMin, reqMax, min, max *int) Fit {
	if reqMin == nil && reqMax == nil {
		return FitMeets
	}
	if min == nil && max == nil {
		return FitUnknown
	}
	lo, hi := intOr(min, MinWorkingAge), intOr(max, MaxWorkingAge)
	rlo, rhi := intOr(reqMin, 0), intOr(reqMax, 1000)
	switch {
	case hi < rlo || lo > rhi:
		return FitBelow
	case lo >= rlo && hi <= rhi:
		return FitMeets
	}
	return FitPartly
}

func intOr(v *int, d int) int {
	if v == nil {
		return d
	}
	return *v
}
