package exchange

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Consent to the processing of a worker's data, as the Personal Data Protection Law
// (91/2025/QH15) and Decree 356/2025 ask: given for a purpose, to referrals towards
// some provinces (or any), until a day (or until withdrawn), withdrawable, and kept as a
// history. A worker may hold several consents at once; a referral needs one in force
// that covers the destination's province. Withdrawing ends every consent in force;
// consent given afresh (giveConsent) makes the worker referable again.

// ConsentStatus is where a consent record stands on a given day.
type ConsentStatus string

const (
	ConsentInForce   ConsentStatus = "IN_FORCE"
	ConsentExpired   ConsentStatus = "EXPIRED"
	ConsentWithdrawn ConsentStatus = "WITHDRAWN"
)

// Consent is one consent record of a worker. Purpose is personal data: erasing the
// worker erases it; the dates and provinces stay, anonymous, with the erased worker.
type Consent struct {
	ID       uuid.UUID `db:"id"`
	WorkerID uuid.UUID `db:"worker_id"`
	Purpose  *string   `db:"purpose"`
	// DestinationProvinceCodes empty means any province.
	DestinationProvinceCodes []string `db:"destination_province_codes"`
	// ValidUntil is the last day (in Vietnam) the consent is valid; nil: until withdrawn.
	ValidUntil  *time.Time `db:"valid_until"`
	GivenAt     time.Time  `db:"given_at"`
	WithdrawnAt *time.Time `db:"withdrawn_at"`
	// Status is derived (SetStatus) for the day the record is read.
	Status ConsentStatus `db:"-"`
}

// StatusOn is the consent's status on the calendar day today (a Date, midnight UTC).
func (c *Consent) StatusOn(today time.Time) ConsentStatus {
	switch {
	case c.WithdrawnAt != nil:
		return ConsentWithdrawn
	case c.ValidUntil != nil && dateOnly(*c.ValidUntil).Before(dateOnly(today)):
		return ConsentExpired
	}
	return ConsentInForce
}

// SetStatus derives Status at the instant now (the day in Vietnam).
func (c *Consent) SetStatus(now time.Time) { c.Status = c.StatusOn(DateInVietnam(now)) }

// AnyDestination reports whether the consent covers every province.
func (c *Consent) AnyDestination() bool { return len(c.DestinationProvinceCodes) == 0 }

// Covers reports whether the consent allows referrals to the province (its current
// code: a consent names current provinces only).
func (c *Consent) Covers(provinceCode string) bool {
	return c.AnyDestination() || slices.Contains(c.DestinationProvinceCodes, provinceCode)
}

// ConsentDraft is a new consent as the origin center records it: in WorkerInput when
// the worker is registered, or through giveConsent.
type ConsentDraft struct {
	Purpose                  *string
	DestinationProvinceCodes []string
	ValidUntil               *time.Time
}

// GiveConsentInput records a new consent of a worker (registering center only).
type GiveConsentInput struct {
	IdempotencyKey           *string
	WorkerID                 string
	Purpose                  *string
	DestinationProvinceCodes []string
	ValidUntil               *time.Time
	ExpectedVersion          *int
}

// Draft is the consent the input records.
func (in GiveConsentInput) Draft() ConsentDraft {
	return ConsentDraft{Purpose: in.Purpose, DestinationProvinceCodes: in.DestinationProvinceCodes, ValidUntil: in.ValidUntil}
}

// NormalizeConsent checks a new consent given at the instant now, the paths of its
// fields under field, and puts it in canonical form: the purpose trimmed (nil when
// blank), the provinces current, known, without repeats and sorted, valid until today
// or later.
func NormalizeConsent(field []string, d ConsentDraft, now time.Time, cat *Catalog) (ConsentDraft, error) {
	at := func(name string) []string { return append(slices.Clone(field), name) }
	var errs Errors
	out := ConsentDraft{ValidUntil: d.ValidUntil}
	if d.Purpose != nil {
		if p := strings.TrimSpace(*d.Purpose); p != "" {
			out.Purpose = &p
			if utf8.RuneCountInString(p) > MaxConsentPurpose {
				errs.Add(at("purpose"), CodeTooLong, "consent purpose is longer than %d characters", MaxConsentPurpose)
			}
		}
	}
	out.DestinationProvinceCodes = []string{}
	for _, code := range d.DestinationProvinceCodes {
		code = strings.TrimSpace(code)
		if cat != nil {
			if err := cat.CheckPostingProvince(at("destinationProvinceCodes"), code); err != nil {
				errs = append(errs, err.(*Error))
				continue
			}
		}
		if !slices.Contains(out.DestinationProvinceCodes, code) {
			out.DestinationProvinceCodes = append(out.DestinationProvinceCodes, code)
		}
	}
	slices.Sort(out.DestinationProvinceCodes)
	if d.ValidUntil != nil {
		until := dateOnly(*d.ValidUntil)
		out.ValidUntil = &until
		if until.Before(DateInVietnam(now)) {
			errs.Add(at("validUntil"), CodeOutOfRange, "validUntil %s is in the past", until.Format(time.DateOnly))
		}
	}
	if err := errs.Err(); err != nil {
		return ConsentDraft{}, err
	}
	return out, nil
}

// consentField is where a referral's consent refusals point: the worker's consent.
func consentField() []string { return fieldOf("worker", "consent") }

// DecideReferralConsent decides whether the worker's consents (their whole history)
// allow a referral to a center in provinceCode (current code) on the instant now. The
// most telling refusal wins: a consent covering the province that has expired
// (CONSENT_EXPIRED), then one in force for other provinces (CONSENT_OUT_OF_SCOPE), then
// any expired one, and with none in force CONSENT_REQUIRED. Nothing is deleted: the
// worker becomes referable again when the origin records new consent (giveConsent).
func DecideReferralConsent(consents []*Consent, provinceCode string, now time.Time) error {
	today := DateInVietnam(now)
	var coveringExpired, otherInForce, otherExpired *Consent
	for _, c := range consents {
		switch st := c.StatusOn(today); {
		case st == ConsentInForce && c.Covers(provinceCode):
			return nil
		case st == ConsentExpired && c.Covers(provinceCode):
			coveringExpired = c
		case st == ConsentInForce:
			otherInForce = c
		case st == ConsentExpired:
			otherExpired = c
		}
	}
	switch {
	case coveringExpired != nil:
		return consentExpired(coveringExpired)
	case otherInForce != nil:
		return FieldErrorf(consentField(), CodeConsentOutOfScope,
			"the worker's consent covers referrals to %s only, not to province %s; record consent for it with giveConsent",
			strings.Join(otherInForce.DestinationProvinceCodes, ", "), provinceCode)
	case otherExpired != nil:
		return consentExpired(otherExpired)
	}
	return FieldErrorf(consentField(), CodeConsentRequired,
		"the worker has no consent in force (it was withdrawn); record new consent with giveConsent to refer them")
}

func consentExpired(c *Consent) *Error {
	return FieldErrorf(consentField(), CodeConsentExpired,
		"the worker's consent expired after %s; record new consent with giveConsent to refer them",
		c.ValidUntil.Format(time.DateOnly))
}

// DecideTransferConsent refuses a benefit transfer for a worker without a consent in
// force (withdrawn or expired), whatever its provinces: the transfer is processing of
// the worker's data, not a referral.
func DecideTransferConsent(consents []*Consent, now time.Time) error {
	today := DateInVietnam(now)
	for _, c := range consents {
		if c.StatusOn(today) == ConsentInForce {
			return nil
		}
	}
	return FieldErrorf(fieldOf("workerId"), CodeConsentRequired,
		"this worker has no consent in force (withdrawn or expired); record new consent with giveConsent")
}

// DecideWithdrawConsent refuses a withdrawal when no consent is left to withdraw.
func DecideWithdrawConsent(withdrawn int) error {
	if withdrawn == 0 {
		return FieldErrorf(fieldOf("workerId"), CodeInvalidTransition, "the worker has no consent to withdraw")
	}
	return nil
}

// SeesConsents is who reads a worker's consent history.
func SeesConsents(p *Principal, registeredBy uuid.UUID) bool {
	// authz: only the registering center's publishers and coordinators, who recorded
	// the consents and answer the worker about them; destination centers see the
	// worker without the history (consentGiven only).
	return MayReadPersonalData(p) && p.CenterID == registeredBy
}
