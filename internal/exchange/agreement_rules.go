package exchange

import "github.com/google/uuid"

// Text limits of agreement actions, and the refusals of the agreement service around
// DecideAgreement (the state machine).

// Limits of an agreement's title and of the note, comment or reason of an action.
const (
	MaxAgreementTitleChars = 300
	MaxAgreementNoteChars  = 4000
)

// ValidateAgreementTitle checks a proposal's title.
func ValidateAgreementTitle(errs *Errors, title string) {
	validateText(errs, fieldOf("title"), title, MaxAgreementTitleChars, true)
}

// ValidateAgreementNote checks the note, comment text or reason of an action at field.
func ValidateAgreementNote(errs *Errors, field, text string, required bool) {
	validateText(errs, fieldOf(field), text, MaxAgreementNoteChars, required)
}

// AgreementNotFound is the refusal of an agreement the caller may not see.
func AgreementNotFound(id uuid.UUID) *Error {
	return NotFound("no Agreement has ID %q", GlobalID(KindAgreement, id))
}

// NoSuchAgreement is AgreementNotFound for the agreementId of a mutation's input, named
// as the caller gave it.
func NoSuchAgreement(globalID string) *Error {
	return FieldErrorf(fieldOf("agreementId"), CodeNotFound, "no Agreement has ID %q", globalID)
}

// SignatureField points a refusal of signAgreement at the revision it concerns: a
// stale revision and a second signature are about input.revision.
func SignatureField(err error) error {
	switch e := AsErrors(err); {
	case len(e) == 1 && (e[0].Code == CodeStaleRevision || e[0].Code == CodeAlreadySigned):
		return e[0].At("revision")
	}
	return err
}

// CheckCentersExist reports UNKNOWN_CENTER at field(i) for each code the directory
// lacks.
func CheckCentersExist(codes []string, exists func(code string) bool, field func(i int) []string) error {
	var errs Errors
	for i, c := range codes {
		if !exists(c) {
			errs.Add(field(i), CodeUnknownCenter, "no center has code %q", c)
		}
	}
	return errs.Err()
}
