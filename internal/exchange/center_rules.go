package exchange

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The center directory's rules: codes, contact details, keys and status changes. Only
// the national operator changes the directory (DecideDirectoryChange).

// Limits of a center's record.
const (
	MaxCenterNameLen = 200
	MaxEmailLen      = 254
	MaxPhoneLen      = 32
)

var (
	// centerCodePattern is a center code (DESIGN §2): 2 to 16 of A-Z, 0-9 and -.
	centerCodePattern = regexp.MustCompile(`^[A-Z0-9-]{2,16}$`)
	kidPattern        = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
)

// NormalizeCenterCode is how a center code is looked up: trimmed, upper case.
func NormalizeCenterCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// DecideDirectoryChange is who changes the center directory. Keys have their own rules
// (DecideAddKey, DecideRevokeOwnKey): centers rotate their own.
func DecideDirectoryChange(p *Principal) error {
	// authz: only the national operator registers, edits, suspends and reinstates
	// centers.
	return p.Require(RoleOperator)
}

// ValidateRegisterCenter checks a new center; the code is taken as given (trimmed).
func ValidateRegisterCenter(cat *Catalog, in RegisterCenterInput) Errors {
	var errs Errors
	if !centerCodePattern.MatchString(strings.TrimSpace(in.Code)) {
		errs.Add(fieldOf("code"), CodeInvalid, "code must be 2 to 16 characters of A-Z, 0-9 and -")
	}
	return append(errs, ValidateCenterDetails(cat, &in.Name, &in.ProvinceCode, in.Email, in.Phone)...)
}

// ValidateCenterDetails checks the details a register or an update sets; nil fields
// are not being set, an empty e-mail or phone clears it.
func ValidateCenterDetails(cat *Catalog, name, provinceCode, email, phone *string) Errors {
	var errs Errors
	if name != nil {
		if n := strings.TrimSpace(*name); n == "" || utf8.RuneCountInString(n) > MaxCenterNameLen {
			errs.Add(fieldOf("name"), CodeInvalid, "name must be 1 to 200 characters")
		}
	}
	if provinceCode != nil {
		if err := cat.CheckPostingProvince(fieldOf("provinceCode"), *provinceCode); err != nil {
			errs = append(errs, err.(*Error))
		}
	}
	if email != nil && *email != "" {
		if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email || len(*email) > MaxEmailLen {
			errs.Add(fieldOf("email"), CodeInvalid, "email is not an e-mail address")
		}
	}
	if phone != nil && *phone != "" && len(*phone) > MaxPhoneLen {
		errs.Add(fieldOf("phone"), CodeTooLong, "phone is longer than 32 characters")
	}
	return errs
}

// NoCenter is the refusal of a center code that names no center.
func NoCenter(code string) *Error { return NotFound("no center has code %q", code) }

// DecideCenterStatus decides a suspension or a reinstatement of c.
func DecideCenterStatus(c *Center, to CenterStatus) error {
	if c.Status == to {
		return Errorf(CodeInvalidTransition, "center %s is already %s", c.Code, to)
	}
	return nil
}

// CheckSuspendReason is the rule checked before the center is loaded: a suspension
// names its reason.
func CheckSuspendReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return FieldErrorf(fieldOf("reason"), CodeRequired, "a reason is required")
	}
	return nil
}

// NormalizeKeyAlg maps RFC 9864's name of EdDSA over Ed25519 to the registered one.
func NormalizeKeyAlg(alg string) string {
	if alg == "Ed25519" {
		return AlgEdDSA
	}
	return alg
}

// ValidateCenterKey checks a key to register at now; parseErr is what parsing the PEM
// as a key of the algorithm reported (an application error keeps its message).
func ValidateCenterKey(in AddCenterKeyInput, parseErr error, now time.Time) Errors {
	var errs Errors
	if !kidPattern.MatchString(in.Kid) {
		errs.Add(fieldOf("kid"), CodeInvalid, "kid must be 1 to 128 characters of A-Z a-z 0-9 . _ : -")
	}
	if parseErr != nil {
		msg := ErrorMessage(parseErr)
		if ErrorCode(parseErr) == CodeInternal {
			msg = "the public key is not a PEM-encoded key of the given algorithm"
		}
		errs.Add(fieldOf("publicKeyPem"), CodeInvalidKey, "%s", msg)
	}
	if in.NotAfter != nil && !in.NotAfter.After(now.UTC()) {
		errs.Add(fieldOf("notAfter"), CodeOutOfRange, "notAfter must be in the future")
	}
	return errs
}

// UnknownKeyCenter is the refusal of a key for a center that does not exist.
func UnknownKeyCenter(code string) *Error {
	return FieldErrorf(fieldOf("centerCode"), CodeUnknownCenter, "no center has code %q", code)
}

// DecideRevokeKey decides revoking key (nil when no key has kid).
func DecideRevokeKey(k *CenterKey, kid string) error {
	switch {
	case k == nil:
		return FieldErrorf(fieldOf("kid"), CodeNotFound, "no key has kid %q", kid)
	case k.RevokedAt != nil:
		return FieldErrorf(fieldOf("kid"), CodeInvalidTransition, "key %q is already revoked", kid)
	}
	return nil
}

// SeesCenterKeys is who sees a center's keys.
func SeesCenterKeys(p *Principal, centerID uuid.UUID) bool {
	// authz: a key is visible to its own center and operators only.
	return p.IsOperator() || p.CenterID == centerID
}
