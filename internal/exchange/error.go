package exchange

import (
	"errors"
	"fmt"
)

// Code classifies an application error. The same codes appear in GraphQL as
// `UserError.code` and as `errors[].extensions.code`, so clients match on one vocabulary.
type Code string

// Codes reported outside userErrors (errors[].extensions.code).
const (
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeNotFound        Code = "NOT_FOUND"
	CodeBadUserInput    Code = "BAD_USER_INPUT"
	CodeRateLimited     Code = "RATE_LIMITED"
	CodeInternal        Code = "INTERNAL"
	// CodeUnavailable: the database could not be reached or did not answer in time
	// (HTTP 503 with Retry-After); the same request may succeed when retried.
	CodeUnavailable Code = "UNAVAILABLE"
)

// Codes reported as userErrors by mutations.
const (
	CodeInvalid              Code = "INVALID"
	CodeRequired             Code = "REQUIRED"
	CodeTooLong              Code = "TOO_LONG"
	CodeOutOfRange           Code = "OUT_OF_RANGE"
	CodeTaken                Code = "TAKEN"
	CodeUnknownProvince      Code = "UNKNOWN_PROVINCE"
	CodeProvinceDissolved    Code = "PROVINCE_DISSOLVED"
	CodeUnknownOccupation    Code = "UNKNOWN_OCCUPATION"
	CodeUnknownCenter        Code = "UNKNOWN_CENTER"
	CodeInvalidKey           Code = "INVALID_KEY"
	CodeVersionConflict      Code = "VERSION_CONFLICT"
	CodeIdempotencyKeyReused Code = "IDEMPOTENCY_KEY_REUSED"
	CodeInvalidTransition    Code = "INVALID_TRANSITION"
	CodeStaleRevision        Code = "STALE_REVISION"
	CodeAlreadySigned        Code = "ALREADY_SIGNED"
	CodeDemandFilled         Code = "DEMAND_FILLED"
	CodeQuotaExceeded        Code = "QUOTA_EXCEEDED"
	CodeConsentRequired      Code = "CONSENT_REQUIRED"
	CodeAlreadyReferred      Code = "ALREADY_REFERRED"
	CodeWorkerAlreadyPlaced  Code = "WORKER_ALREADY_PLACED"
	CodeOccupationMismatch   Code = "OCCUPATION_MISMATCH"
	CodePersonalDataInText   Code = "PERSONAL_DATA_IN_TEXT"
	CodeConsentExpired       Code = "CONSENT_EXPIRED"
	// CodeConsentOutOfScope: the worker's consent in force does not cover the province
	// of the referral's destination.
	CodeConsentOutOfScope Code = "CONSENT_OUT_OF_SCOPE"
	// CodeInvalidSignature: a JWS does not verify (malformed, tampered, or made with a
	// key that is not an active key of the signing center).
	CodeInvalidSignature Code = "INVALID_SIGNATURE"
	// CodeLastActiveKey: a center's coordinator may not revoke the center's last active key.
	CodeLastActiveKey Code = "LAST_ACTIVE_KEY"
)

// Error is the one application error type. Anything else that reaches the API is
// reported as INTERNAL with a generic message, so database or library details never leak.
type Error struct {
	Code    Code
	Message string
	// Field is the path to the field at fault relative to the operation's input, e.g.
	// ["quantity"]; the GraphQL layer reports it under "input" (["input", "quantity"]).
	Field []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an application error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an application error that names the input field at fault.
func FieldErrorf(field []string, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of an application error, or INTERNAL for any other error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the message of an application error, or a generic message for
// any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Errors collects several validation failures so one request reports them all at once.
type Errors []*Error

func (es Errors) Error() string {
	if len(es) == 0 {
		return "no errors"
	}
	return fmt.Sprintf("%s (and %d more)", es[0].Error(), len(es)-1)
}

// Add appends a field error.
func (es *Errors) Add(field []string, code Code, format string, args ...any) {
	*es = append(*es, FieldErrorf(field, code, format, args...))
}

// Err returns nil when empty, so callers can write `return errs.Err()`.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// AsErrors flattens an error into application errors: an Errors list, a single *Error,
// or nothing when err is not an application error (the caller then reports INTERNAL).
func AsErrors(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}
