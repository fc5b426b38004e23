package exchange

import "time"

// A job order's terms (issue 13): what a worker asks before moving province — hours,
// shifts, contract length, overtime, pay period, deductions, probation and social
// insurance. The bounds follow the Labour Code 2019 (Bộ luật Lao động, Law
// 45/2019/QH14) where it fixes one; each rule below names its article.

// PayPeriod is how often the wage is paid (Labour Code 2019 art. 97: monthly wages once
// or twice a month; hourly, daily and weekly wages after the period or in a sum at
// most every 15 days).
type PayPeriod string

const (
	PayHourly      PayPeriod = "HOURLY"
	PayDaily       PayPeriod = "DAILY"
	PayWeekly      PayPeriod = "WEEKLY"
	PaySemiMonthly PayPeriod = "SEMI_MONTHLY"
	PayMonthly     PayPeriod = "MONTHLY"
)

// WorkShift is a shift a job order works in.
type WorkShift string

const (
	ShiftDay      WorkShift = "DAY"
	ShiftEvening  WorkShift = "EVENING"
	ShiftNight    WorkShift = "NIGHT"
	ShiftRotating WorkShift = "ROTATING"
)

// DeductionKind is what the employer deducts from the wage for.
type DeductionKind string

const (
	DeductHousing   DeductionKind = "HOUSING"
	DeductMeals     DeductionKind = "MEALS"
	DeductTransport DeductionKind = "TRANSPORT"
	DeductUniform   DeductionKind = "UNIFORM"
	DeductTraining  DeductionKind = "TRAINING"
	DeductOther     DeductionKind = "OTHER"
)

// Deduction is an amount the employer deducts from the wage each month, in VND.
type Deduction struct {
	Kind   DeductionKind `json:"kind"`
	Amount int64         `json:"amount"`
}

// DeductionInput is a deduction as a client states it.
type DeductionInput struct {
	Kind   DeductionKind `json:"kind"`
	Amount int64         `json:"amount"`
}

// Overtime is the overtime a job order asks for.
type Overtime struct {
	HoursPerMonth  int
	PayRatePercent int
}

// OvertimeInput is overtime as a client states it; PayRatePercent defaults to the
// legal minimum.
type OvertimeInput struct {
	HoursPerMonth  int  `json:"hoursPerMonth"`
	PayRatePercent *int `json:"payRatePercent"`
}

// Bounds of the terms.
const (
	// MaxHoursPerWeek: normal working hours are at most 48 a week (art. 105(1)); more is
	// overtime, stated as such.
	MaxHoursPerWeek = 48
	// MaxContractMonths: a definite-term contract lasts at most 36 months (art. 20(1)(b)).
	MaxContractMonths = 36
	// MaxOvertimeHoursPerMonth: overtime is at most 40 hours a month (art. 107(2)(b)).
	// The yearly cap (200 hours, 300 in textiles, garments, footwear, electronics and a
	// few other trades, art. 107(3)) depends on the trade and is not checked.
	MaxOvertimeHoursPerMonth = 40
	// MinOvertimePayPercent: overtime on a normal working day pays at least 150% (art.
	// 98(1)(a); 200% on weekly rest days, 300% on public holidays).
	MinOvertimePayPercent = 150
	// MaxOvertimePayPercent catches a typo; no law caps it.
	MaxOvertimePayPercent = 400
	// MaxDeductions bounds the list (one per kind).
	MaxDeductions = 6
)

// DemandTerms are a demand's terms as they will be after a publish or an update.
type DemandTerms TermsInput

// TermsInput are the terms of a publish or an update input (nil: not stated, or on an
// update unchanged).
type TermsInput struct {
	HoursPerWeek    *int             `json:"hoursPerWeek"`
	Shifts          []WorkShift      `json:"shifts"`
	ContractMonths  *int             `json:"contractMonths"`
	ContractEndDate *time.Time       `json:"contractEndDate"`
	Overtime        *OvertimeInput   `json:"overtime"`
	PayPeriod       *PayPeriod       `json:"payPeriod"`
	Deductions      []DeductionInput `json:"deductions"`
	ProbationDays   *int             `json:"probationDays"`
	SocialInsurance *bool            `json:"socialInsurance"`
}

// Overtime returns the demand's overtime terms, nil when it states none.
func (d *LaborDemand) Overtime() *Overtime {
	if d.OvertimeHoursPerMonth == nil || d.OvertimePayPercent == nil {
		return nil
	}
	return &Overtime{HoursPerMonth: *d.OvertimeHoursPerMonth, PayRatePercent: *d.OvertimePayPercent}
}

// termsOf returns a stored demand's terms as a draft's.
func termsOf(d *LaborDemand) DemandTerms {
	t := DemandTerms{HoursPerWeek: d.HoursPerWeek, Shifts: d.Shifts, ContractMonths: d.ContractMonths,
		ContractEndDate: d.ContractEndDate, PayPeriod: d.PayPeriod, ProbationDays: d.ProbationDays,
		SocialInsurance: d.SocialInsurance}
	if o := d.Overtime(); o != nil {
		t.Overtime = &OvertimeInput{HoursPerMonth: o.HoursPerMonth, PayRatePercent: &o.PayRatePercent}
	}
	for _, x := range d.Deductions {
		t.Deductions = append(t.Deductions, DeductionInput(x))
	}
	return t
}

// OvertimePayPercent is the pay rate of the overtime terms, the legal minimum when not
// stated.
func (o *OvertimeInput) OvertimePayPercent() int {
	if o.PayRatePercent == nil {
		return MinOvertimePayPercent
	}
	return *o.PayRatePercent
}

// ProbationLimit is the longest probation a job may have (art. 25), by its level as the
// demand states it: 180 days for managers (ISCO-08 major group 1, the enterprise
// managers of art. 25(1)); 60 days for jobs needing a college degree or higher
// (educationLevel COLLEGE and up, or professionals, major group 2; art. 25(2)); 30 days
// for jobs needing intermediate vocational qualifications, technicians and skilled
// staff (VOCATIONAL_INTERMEDIATE, major group 3, skill SKILLED or HIGHLY_SKILLED; art.
// 25(3)); 6 working days for any other job (art. 25(4)), counted here as 6 days so that
// the limit never exceeds the law's.
func ProbationLimit(occupationCode string, edu *EducationLevel, skill *SkillLevel) int {
	major := ""
	if occupationCode != "" {
		major = occupationCode[:1]
	}
	switch {
	case major == "1":
		return 180
	case major == "2", edu != nil && educationRank(*edu) >= educationRank(EducationCollege):
		return 60
	case major == "3", edu != nil && *edu == EducationIntermediate,
		skill != nil && skillRank(*skill) >= skillRank(SkillSkilled):
		return 30
	}
	return 6
}

// checkTerms adds the failures of a draft's terms at now.
func checkTerms(errs *Errors, now time.Time, d *DemandDraft, rules DemandRules) {
	t := d.Terms
	if h := t.HoursPerWeek; h != nil && (*h < 1 || *h > MaxHoursPerWeek) {
		errs.Add(fieldOf("hoursPerWeek"), CodeOutOfRange,
			"hoursPerWeek must be between 1 and %d: normal hours are at most 48 a week (Labour Code 2019 art. 105); state more as overtime", MaxHoursPerWeek)
	}
	seen := map[WorkShift]bool{}
	for i, s := range t.Shifts {
		switch {
		case !validShift(s):
			errs.Add(fieldOf("shifts", itoa(i)), CodeInvalid, "unknown shift %q", s)
		case seen[s]:
			errs.Add(fieldOf("shifts", itoa(i)), CodeInvalid, "shift %s is listed twice", s)
		}
		seen[s] = true
	}
	checkContractTerm(errs, now, d, rules)
	if o := t.Overtime; o != nil {
		if o.HoursPerMonth < 1 || o.HoursPerMonth > MaxOvertimeHoursPerMonth {
			errs.Add(fieldOf("overtime", "hoursPerMonth"), CodeOutOfRange,
				"overtime.hoursPerMonth must be between 1 and %d (Labour Code 2019 art. 107)", MaxOvertimeHoursPerMonth)
		}
		if r := o.OvertimePayPercent(); r < MinOvertimePayPercent || r > MaxOvertimePayPercent {
			errs.Add(fieldOf("overtime", "payRatePercent"), CodeOutOfRange,
				"overtime.payRatePercent must be between %d and %d: overtime pays at least 150%% (Labour Code 2019 art. 98)",
				MinOvertimePayPercent, MaxOvertimePayPercent)
		}
	}
	if p := t.PayPeriod; p != nil && !validPayPeriod(*p) {
		errs.Add(fieldOf("payPeriod"), CodeInvalid, "unknown pay period %q", *p)
	}
	checkDeductions(errs, d)
	if p := t.ProbationDays; p != nil {
		limit := ProbationLimit(d.OccupationCode, d.Requirements.EducationLevel, d.Requirements.SkillLevel)
		if *p < 0 || *p > limit {
			errs.Add(fieldOf("probationDays"), CodeOutOfRange,
				"probationDays must be between 0 and %d for this job's level (Labour Code 2019 art. 25)", limit)
		}
	}
}

// checkContractTerm checks contractMonths or contractEndDate, never both.
func checkContractTerm(errs *Errors, now time.Time, d *DemandDraft, rules DemandRules) {
	t := d.Terms
	if m := t.ContractMonths; m != nil && (*m < 1 || *m > MaxContractMonths) {
		errs.Add(fieldOf("contractMonths"), CodeOutOfRange,
			"contractMonths must be between 1 and %d: a definite-term contract lasts at most 36 months (Labour Code 2019 art. 20)", MaxContractMonths)
	}
	end := t.ContractEndDate
	if end == nil {
		return
	}
	if t.ContractMonths != nil {
		errs.Add(fieldOf("contractEndDate"), CodeInvalid, "give contractMonths or contractEndDate, not both")
		return
	}
	start := Day(now)
	if d.StartDate != nil {
		start = *d.StartDate
	}
	switch {
	case d.StartDate != nil && !end.After(start):
		errs.Add(fieldOf("contractEndDate"), CodeOutOfRange, "contractEndDate must be after startDate")
	case d.StartDate == nil && rules.Expiry && !end.After(start):
		errs.Add(fieldOf("contractEndDate"), CodeOutOfRange, "contractEndDate must be in the future")
	case end.After(start.AddDate(0, MaxContractMonths, 0)):
		errs.Add(fieldOf("contractEndDate"), CodeOutOfRange,
			"contractEndDate is more than 36 months after the start: a definite-term contract lasts at most 36 months (Labour Code 2019 art. 20)")
	}
}

// checkDeductions checks the deductions: each kind once, a positive amount, and all of
// them together no more than the lowest wage offered. (Art. 102's 30% cap is on
// deductions for damage to the employer's property, which a job order does not list.)
func checkDeductions(errs *Errors, d *DemandDraft) {
	ds := d.Terms.Deductions
	if len(ds) > MaxDeductions {
		errs.Add(fieldOf("deductions"), CodeOutOfRange, "at most %d deductions, one per kind", MaxDeductions)
		return
	}
	seen := map[DeductionKind]bool{}
	var total int64
	bad := false
	for i, x := range ds {
		switch {
		case !validDeductionKind(x.Kind):
			errs.Add(fieldOf("deductions", itoa(i), "kind"), CodeInvalid, "unknown deduction kind %q", x.Kind)
			bad = true
		case seen[x.Kind]:
			errs.Add(fieldOf("deductions", itoa(i), "kind"), CodeInvalid, "deduction %s is listed twice", x.Kind)
			bad = true
		}
		seen[x.Kind] = true
		if x.Amount < 1 || x.Amount > MaxWage {
			errs.Add(fieldOf("deductions", itoa(i), "amount"), CodeOutOfRange, "a deduction is between 1 and %d VND a month", MaxWage)
			bad = true
		}
		total += x.Amount
	}
	wage := d.WageMin
	if wage == nil {
		wage = d.WageMax
	}
	if !bad && wage != nil && total > *wage {
		errs.Add(fieldOf("deductions"), CodeInvalid, "the deductions (%d VND a month) exceed the lowest wage offered (%d)", total, *wage)
	}
}

func validShift(s WorkShift) bool {
	switch s {
	case ShiftDay, ShiftEvening, ShiftNight, ShiftRotating:
		return true
	}
	return false
}

func validPayPeriod(p PayPeriod) bool {
	switch p {
	case PayHourly, PayDaily, PayWeekly, PaySemiMonthly, PayMonthly:
		return true
	}
	return false
}

func validDeductionKind(k DeductionKind) bool {
	switch k {
	case DeductHousing, DeductMeals, DeductTransport, DeductUniform, DeductTraining, DeductOther:
		return true
	}
	return false
}

// applyTerms merges an update's terms into the draft: nil fields stay; an empty list of
// shifts or deductions clears it.
func (t *DemandTerms) apply(u TermsInput) {
	setPtr(&t.HoursPerWeek, u.HoursPerWeek)
	if u.Shifts != nil {
		t.Shifts = u.Shifts
	}
	setPtr(&t.ContractMonths, u.ContractMonths)
	setPtr(&t.ContractEndDate, u.ContractEndDate)
	// A new term replaces the other kind: a demand has months or an end date.
	if u.ContractMonths != nil && u.ContractEndDate == nil {
		t.ContractEndDate = nil
	}
	if u.ContractEndDate != nil && u.ContractMonths == nil {
		t.ContractMonths = nil
	}
	setPtr(&t.Overtime, u.Overtime)
	setPtr(&t.PayPeriod, u.PayPeriod)
	if u.Deductions != nil {
		t.Deductions = u.Deductions
	}
	setPtr(&t.ProbationDays, u.ProbationDays)
	setPtr(&t.SocialInsurance, u.SocialInsurance)
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}
