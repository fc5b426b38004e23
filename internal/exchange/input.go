package exchange

import (
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Rules shared by every mutation's input: versions, reasons, ids, idempotency keys and
// cursors. Field paths are relative to the operation's input.

// MaxIdempotencyKeyLen bounds an idempotency key, in bytes.
const MaxIdempotencyKeyLen = 255

// CheckVersion is the optimistic-concurrency rule: a given expectedVersion must be the
// object's current version.
func CheckVersion(expected *int, actual int) error {
	if expected != nil && *expected != actual {
		return FieldErrorf([]string{"expectedVersion"}, CodeVersionConflict,
			"the object is at version %d, not %d: reload and retry", actual, *expected)
	}
	return nil
}

// CheckReason checks the optional reason of a close, withdrawal or cancellation.
func CheckReason(reason *string) error {
	if reason != nil && utf8.RuneCountInString(*reason) > MaxReasonLen {
		return FieldErrorf([]string{"reason"}, CodeTooLong, "reason is longer than %d characters", MaxReasonLen)
	}
	return nil
}

// ParseInputID reads the global ID of a kind in input field; anything else names no
// object the caller could see (NOT_FOUND).
func ParseInputID(k Kind, field, s string) (uuid.UUID, error) {
	id, err := ParseGlobalIDOf(k, s)
	if err != nil {
		return uuid.Nil, FieldErrorf([]string{field}, CodeNotFound, "no such %s", k)
	}
	return id, nil
}

// CheckIdempotencyKey returns the trimmed key, or INVALID when it is blank or too long.
func CheckIdempotencyKey(key string) (string, error) {
	k := strings.TrimSpace(key)
	if k == "" || len(k) > MaxIdempotencyKeyLen {
		return "", FieldErrorf([]string{"idempotencyKey"}, CodeInvalid, "idempotencyKey must be 1 to 255 characters")
	}
	return k, nil
}

// DecideIdempotentReplay decides a request whose key was used before: the same input
// (same hash) with a recorded result replays it; anything else is a reuse.
func DecideIdempotentReplay(key string, sameInput, hasResult bool) error {
	if !sameInput || !hasResult {
		return FieldErrorf([]string{"idempotencyKey"}, CodeIdempotencyKeyReused,
			"idempotencyKey %q was already used with a different input", key)
	}
	return nil
}

// BadCursor is the refusal of an after argument that is not a cursor of this list (in
// this order, when the list has several).
func BadCursor(ordered bool) *Error {
	if ordered {
		return FieldErrorf([]string{"after"}, CodeBadUserInput, "after is not a cursor from this list and order")
	}
	return FieldErrorf([]string{"after"}, CodeBadUserInput, "after is not a cursor from this list")
}

// NotFound is the refusal of an object that does not exist or that the caller may not
// see: the two are indistinguishable on purpose.
func NotFound(format string, args ...any) *Error {
	return Errorf(CodeNotFound, format, args...)
}

// At returns a copy of e that names field (relative to the input).
func (e *Error) At(field ...string) *Error {
	c := *e
	c.Field = field
	return &c
}
