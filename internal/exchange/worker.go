package exchange

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Validation of a worker's personal data (DESIGN §5). Each function takes the path of
// the input field it checks, so its *Error can go straight into userErrors.

// Working-age bounds, inclusive. 15 is the Labour Code's minimum working age; the
// exchange does not refer workers past 70.
const (
	MinWorkingAge = 15
	MaxWorkingAge = 70
)

// NormalizeNationalID checks a citizen identity card (CCCD) number and returns it as
// its 12 digits. Spaces anywhere are dropped, since people type the number in groups;
// callers must hash and encrypt the returned form so that de-duplication sees one
// spelling. The first three digits are the birth-province code, 001 to 096; the rest is
// not checked (the gender-century digit and serial carry no checksum).
func NormalizeNationalID(field []string, s string) (string, error) {
	id := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	switch {
	case id == "":
		return "", FieldErrorf(field, CodeRequired, "national ID is required")
	case len(id) != 12 || !allDigits(id):
		return "", FieldErrorf(field, CodeInvalid, "a national ID (CCCD) is exactly 12 digits")
	}
	if p, _ := strconv.Atoi(id[:3]); p < 1 || p > 96 {
		return "", FieldErrorf(field, CodeInvalid,
			"a national ID (CCCD) starts with a province code from 001 to 096, not %s", id[:3])
	}
	return id, nil
}

// NormalizeVietnamPhone accepts a Vietnamese phone number as people write it
// ("0912345678", "+84912345678", "84 912 345 678", "091-234-5678", "(024) 3987 6543")
// and returns it in E.164 form ("+84912345678"). Mobile numbers are 10 digits in
// national form starting 03, 05, 07, 08 or 09; landlines are 11 digits starting 02.
func NormalizeVietnamPhone(field []string, s string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if digits == "" {
		return "", FieldErrorf(field, CodeRequired, "phone number is required")
	}
	national := digits
	switch {
	case strings.HasPrefix(digits, "+84"):
		national = "0" + strings.TrimPrefix(digits[3:], "0")
	case strings.HasPrefix(digits, "84"):
		national = "0" + strings.TrimPrefix(digits[2:], "0")
	}
	if !allDigits(national) || !isVietnamNumber(national) {
		return "", FieldErrorf(field, CodeInvalid,
			"%q is not a Vietnamese phone number (mobile 0[35789] and 8 digits, or landline 02 and 9 digits)", s)
	}
	return "+84" + national[1:], nil
}

func isVietnamNumber(national string) bool {
	if len(national) < 2 || national[0] != '0' {
		return false
	}
	switch national[1] {
	case '3', '5', '7', '8', '9':
		return len(national) == 10
	case '2':
		return len(national) == 11
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// AgeOn returns the age in completed years on the calendar day of today. Someone born
// on 29 February turns a year older on 1 March in common years.
func AgeOn(dob, today time.Time) int {
	by, bm, bd := dob.Date()
	ty, tm, td := today.Date()
	age := ty - by
	if tm < bm || (tm == bm && td < bd) {
		age--
	}
	return age
}

// ValidateWorkingAge checks that a worker born on dob is 15 to 70 years old today.
func ValidateWorkingAge(field []string, dob, today time.Time) error {
	if dob.IsZero() {
		return FieldErrorf(field, CodeRequired, "date of birth is required")
	}
	if dateOnly(dob).After(dateOnly(today)) {
		return FieldErrorf(field, CodeOutOfRange, "date of birth %s is in the future", dob.Format(time.DateOnly))
	}
	if age := AgeOn(dob, today); age < MinWorkingAge || age > MaxWorkingAge {
		return FieldErrorf(field, CodeOutOfRange, "a worker must be %d to %d years old, this one is %d",
			MinWorkingAge, MaxWorkingAge, age)
	}
	return nil
}

// Gender as the worker declares it.
type Gender string

const (
	GenderFemale Gender = "FEMALE"
	GenderMale   Gender = "MALE"
	GenderOther  Gender = "OTHER"
)

// EducationLevel is the highest level completed, in the Vietnamese system.
type EducationLevel string

const (
	EducationNone           EducationLevel = "NONE"
	EducationPrimary        EducationLevel = "PRIMARY"
	EducationLowerSecondary EducationLevel = "LOWER_SECONDARY"
	EducationUpperSecondary EducationLevel = "UPPER_SECONDARY"
	EducationVocational     EducationLevel = "VOCATIONAL_ELEMENTARY"
	EducationIntermediate   EducationLevel = "VOCATIONAL_INTERMEDIATE"
	EducationCollege        EducationLevel = "COLLEGE"
	EducationUniversity     EducationLevel = "UNIVERSITY"
	EducationPostgraduate   EducationLevel = "POSTGRADUATE"
)

// Worker is a referred person: the only personal data in laborx (DESIGN §5). The
// national ID itself never leaves the store; only its mask does.
type Worker struct {
	ID               uuid.UUID       `db:"id"`
	RegisteredByID   uuid.UUID       `db:"registered_by"`
	FullName         string          `db:"full_name"`
	DateOfBirth      time.Time       `db:"date_of_birth"`
	Gender           *Gender         `db:"gender"`
	Phone            *string         `db:"phone"`
	NationalIDMasked string          `db:"national_id_masked"`
	OccupationCode   string          `db:"occupation_code"`
	Skills           []string        `db:"skills"`
	EducationLevel   *EducationLevel `db:"education_level"`
	// ConsentAt, ConsentPurpose and ConsentWithdrawnAt are of the latest consent
	// record; ConsentGiven (derived, SetConsentGiven) says whether any is in force.
	ConsentGiven       bool       `db:"-"`
	ConsentAt          *time.Time `db:"consent_at"`
	ConsentPurpose     *string    `db:"consent_purpose"`
	ConsentWithdrawnAt *time.Time `db:"consent_withdrawn_at"`
	// ConsentOpenEnded: a consent not withdrawn has no end; ConsentValidUntil is the
	// latest end of those not withdrawn.
	ConsentOpenEnded  bool       `db:"consent_open_ended"`
	ConsentValidUntil *time.Time `db:"consent_valid_until"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
	Version           int        `db:"version"`
}

// WorkerRead asks for one worker's record on behalf of a client; Fields lists the
// GraphQL fields selected (comma-separated, sorted) so the audit entry of the read can
// say what was seen, Purpose the field path it went through ("node",
// "referrals.edges.node.worker") and Operation the operation's name, if any. It is a
// loader key, hence a comparable struct.
type WorkerRead struct {
	ID        uuid.UUID
	Fields    string
	Purpose   string
	Operation string
}

// WorkerInput is a worker's personal data as the origin center records it.
type WorkerInput struct {
	FullName       string
	DateOfBirth    time.Time
	Gender         *Gender
	Phone          *string
	NationalID     string
	OccupationCode string
	Skills         []string
	EducationLevel *EducationLevel
	Consent        ConsentInput
}

// ConsentInput records the worker's consent to the processing of their data when the
// worker is registered (see Consent).
type ConsentInput struct {
	Given                    bool
	Purpose                  *string
	DestinationProvinceCodes []string
	ValidUntil               *time.Time
}

// SetConsentGiven derives ConsentGiven at the instant now: a consent not withdrawn is
// in force until its last day (in Vietnam) has passed.
func (w *Worker) SetConsentGiven(now time.Time) {
	w.ConsentGiven = w.ConsentOpenEnded ||
		(w.ConsentValidUntil != nil && !dateOnly(*w.ConsentValidUntil).Before(DateInVietnam(now)))
}

// EraseWorkerInput removes a worker's personal data (origin center only).
type EraseWorkerInput struct {
	WorkerID        string
	Reason          *string
	ExpectedVersion *int
}

// WithdrawConsentInput records that the worker withdrew every consent in force: no new
// referrals until consent is given again.
type WithdrawConsentInput struct {
	WorkerID        string
	ExpectedVersion *int
}

// vietnam is the exchange's civil time zone: ages are counted on Vietnamese dates.
var vietnam = time.FixedZone("ICT", 7*60*60)

// Limits of free-text worker fields.
const (
	MaxFullNameLength  = 200
	MaxSkills          = 30
	MaxSkillLength     = 100
	MaxConsentPurpose  = 500
	MaxReferralNoteLen = 2000
)

// NormalizedWorker is a WorkerInput checked and put in canonical form.
type NormalizedWorker struct {
	WorkerInput
	// NationalID is the 12 digits; Phone is E.164 or nil.
	NationalID string
	Phone      *string
	// NewConsent is the consent recorded when the worker is registered by this call.
	NewConsent ConsentDraft
}

// Last4 is what the mask shows of the national ID.
func (w *NormalizedWorker) Last4() string { return w.NationalID[len(w.NationalID)-4:] }

// NormalizeWorkerInput checks a worker's data as referWorker receives it at field (e.g.
// ["worker"]) on the instant now, and collects every failure. Error messages
// never repeat the national ID.
func NormalizeWorkerInput(field []string, in WorkerInput, now time.Time, cat *Catalog) (*NormalizedWorker, error) {
	at := func(name ...string) []string { return append(slices.Clone(field), name...) }
	var errs Errors
	add := func(err error) {
		if err != nil {
			errs = append(errs, err.(*Error))
		}
	}
	out := &NormalizedWorker{WorkerInput: in}
	out.FullName = normalizeFullName(&errs, at("fullName"), in.FullName)
	add(ValidateWorkingAge(at("dateOfBirth"), in.DateOfBirth, now.In(vietnam)))
	id, err := NormalizeNationalID(at("nationalId"), in.NationalID)
	add(err)
	out.NationalID = id
	if in.Phone != nil && strings.TrimSpace(*in.Phone) != "" {
		phone, err := NormalizeVietnamPhone(at("phone"), *in.Phone)
		add(err)
		out.Phone = &phone
	}
	if cat != nil {
		add(cat.CheckUnitOccupation(at("occupationCode"), in.OccupationCode))
	}
	out.OccupationCode = strings.TrimSpace(in.OccupationCode)
	out.Skills = normalizeSkills(&errs, at("skills"), in.Skills)
	if !in.Consent.Given {
		errs.Add(at("consent", "given"), CodeConsentRequired,
			"the worker's consent to the processing of their data is required to refer them")
	}
	consent, err := NormalizeConsent(at("consent"), ConsentDraft{Purpose: in.Consent.Purpose,
		DestinationProvinceCodes: in.Consent.DestinationProvinceCodes, ValidUntil: in.Consent.ValidUntil}, now, cat)
	errs = append(errs, AsErrors(err)...)
	out.NewConsent = consent
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeFullName collapses the spaces of a full name and checks its length.
func normalizeFullName(errs *Errors, field []string, name string) string {
	name = strings.Join(strings.Fields(name), " ")
	switch n := len([]rune(name)); {
	case n == 0:
		errs.Add(field, CodeRequired, "full name is required")
	case n > MaxFullNameLength:
		errs.Add(field, CodeTooLong, "full name is longer than %d characters", MaxFullNameLength)
	}
	return name
}

// normalizeSkills collapses spaces, drops empty and repeated skills and checks the
// limits.
func normalizeSkills(errs *Errors, field []string, skills []string) []string {
	if len(skills) > MaxSkills {
		errs.Add(field, CodeOutOfRange, "at most %d skills", MaxSkills)
	}
	out := []string{}
	for _, s := range skills {
		s = strings.Join(strings.Fields(s), " ")
		switch {
		case s == "" || slices.Contains(out, s):
			continue
		case len([]rune(s)) > MaxSkillLength:
			errs.Add(field, CodeTooLong, "a skill is longer than %d characters", MaxSkillLength)
		}
		out = append(out, s)
	}
	return out
}

// UpdateWorkerInput corrects a worker's recorded data (registering center only): the
// explicit way to change a worker, since referWorker never does. Nil fields stay as
// they are; the national ID and consent do not change here.
type UpdateWorkerInput struct {
	WorkerID        string
	ExpectedVersion *int
	FullName        *string
	DateOfBirth     *time.Time
	Gender          *Gender
	Phone           *string
	OccupationCode  *string
	Skills          []string
	EducationLevel  *EducationLevel
}

// NormalizeWorkerUpdate checks the fields an update sets, puts them in canonical form
// and names them (for the audit entry, which records which fields changed, never
// their values).
func NormalizeWorkerUpdate(in UpdateWorkerInput, now time.Time, cat *Catalog) (UpdateWorkerInput, []string, error) {
	var errs Errors
	var changed []string
	out := in
	if in.FullName != nil {
		name := normalizeFullName(&errs, fieldOf("fullName"), *in.FullName)
		out.FullName, changed = &name, append(changed, "fullName")
	}
	if in.DateOfBirth != nil {
		if err := ValidateWorkingAge(fieldOf("dateOfBirth"), *in.DateOfBirth, now.In(vietnam)); err != nil {
			errs = append(errs, err.(*Error))
		}
		changed = append(changed, "dateOfBirth")
	}
	if in.Gender != nil {
		changed = append(changed, "gender")
	}
	if in.Phone != nil {
		phone, err := NormalizeVietnamPhone(fieldOf("phone"), *in.Phone)
		if err != nil {
			errs = append(errs, err.(*Error))
		}
		out.Phone, changed = &phone, append(changed, "phone")
	}
	if in.OccupationCode != nil {
		code := strings.TrimSpace(*in.OccupationCode)
		if cat != nil {
			if err := cat.CheckUnitOccupation(fieldOf("occupationCode"), code); err != nil {
				errs = append(errs, err.(*Error))
			}
		}
		out.OccupationCode, changed = &code, append(changed, "occupationCode")
	}
	if in.Skills != nil {
		out.Skills, changed = normalizeSkills(&errs, fieldOf("skills"), in.Skills), append(changed, "skills")
	}
	if in.EducationLevel != nil {
		changed = append(changed, "educationLevel")
	}
	if len(changed) == 0 {
		return UpdateWorkerInput{}, nil, Errorf(CodeRequired, "give at least one field to change")
	}
	if err := errs.Err(); err != nil {
		return UpdateWorkerInput{}, nil, err
	}
	return out, changed, nil
}
