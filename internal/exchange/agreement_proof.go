package exchange

import (
	"time"
)

// The rules around a signature a center can prove (a detached JWS over the revision's
// termsHash, made with one of the center's registered keys) and around a termination
// that takes effect on a later day. The JWS itself is checked in internal/auth.

// MaxJWSBytes bounds a signature's JWS before any of it is decoded.
const MaxJWSBytes = 8 << 10

// InvalidSignature is the refusal of a JWS, at input.jws.
func InvalidSignature(format string, args ...any) *Error {
	return FieldErrorf(fieldOf("jws"), CodeInvalidSignature, format, args...)
}

// DecideSigningKey decides whether key k (nil when no key has kid) may prove a
// signature of signer's center at now: it must be a key of that center, unrevoked and
// unexpired, and the center active.
func DecideSigningKey(k *CenterKey, kid string, signer *Principal, now time.Time) error {
	// authz: a center proves its own signature only, with a key it holds now.
	switch {
	case k == nil || k.CenterID != signer.CenterID:
		return InvalidSignature("the JWS names key %q, which is not a key of center %s", kid, signer.CenterCode)
	case k.RevokedAt != nil && !k.RevokedAt.After(now):
		return InvalidSignature("key %q of center %s is revoked", kid, signer.CenterCode)
	case k.NotAfter != nil && !k.NotAfter.After(now):
		return InvalidSignature("key %q of center %s has expired", kid, signer.CenterCode)
	case !k.Usable(now):
		return InvalidSignature("center %s is not active", signer.CenterCode)
	}
	return nil
}

// TerminationDay is the day a termination takes effect: effectiveOn, or today when it
// is not given. It may not lie in the past (a termination is not backdated: referrals
// and hires already counted under the agreement stand) nor after validUntil (the
// agreement ends by itself then).
func TerminationDay(effectiveOn *time.Time, validUntil, today time.Time) (time.Time, error) {
	today = dateOnly(today)
	if effectiveOn == nil {
		return today, nil
	}
	d := dateOnly(*effectiveOn)
	switch {
	case d.Before(today):
		return time.Time{}, FieldErrorf(fieldOf("effectiveOn"), CodeOutOfRange,
			"effectiveOn (%s) is in the past; a termination takes effect today (%s) or later",
			d.Format(time.DateOnly), today.Format(time.DateOnly))
	case d.After(dateOnly(validUntil)):
		return time.Time{}, FieldErrorf(fieldOf("effectiveOn"), CodeOutOfRange,
			"effectiveOn (%s) is after validUntil (%s), when the agreement ends anyway",
			d.Format(time.DateOnly), dateOnly(validUntil).Format(time.DateOnly))
	}
	return d, nil
}

// TerminatedStatus is the status stored by a termination taking effect on day:
// TERMINATED at once when day has come, else still SIGNED, with terminates_on set,
// until then (AgreementStatusAt).
func TerminatedStatus(day, today time.Time) AgreementStatus {
	if dateOnly(day).After(dateOnly(today)) {
		return AgreementSigned
	}
	return AgreementTerminated
}

// AgreementStatusAt is the status of an agreement on today: the stored status, but
// TERMINATED once a scheduled termination (terminatesOn) has taken effect.
// postgres.AgreementStatusSQL is its twin for filters.
func AgreementStatusAt(stored AgreementStatus, terminatesOn *time.Time, today time.Time) AgreementStatus {
	if stored == AgreementSigned && terminatesOn != nil && !dateOnly(*terminatesOn).After(dateOnly(today)) {
		return AgreementTerminated
	}
	return stored
}

// InForceUntil is the last day an agreement is in force: validUntil, or the day before
// a termination takes effect when that is earlier. IsActive(status, validFrom,
// InForceUntil(...), today) is the in-force rule; the agreements.in_force_until column
// computes the same.
func InForceUntil(validUntil time.Time, terminatesOn *time.Time) time.Time {
	until := dateOnly(validUntil)
	if terminatesOn != nil {
		if last := dateOnly(*terminatesOn).AddDate(0, 0, -1); last.Before(until) {
			return last
		}
	}
	return until
}
