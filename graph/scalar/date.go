// Package scalar implements laborx's GraphQL scalars. Every unmarshaler returns a
// BAD_USER_INPUT error that says what was expected, so a malformed argument is never
// reported as an internal error.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/laborx/laborx/internal/exchange"
)

// DateLayout is the wire format of the Date scalar.
const DateLayout = "2006-01-02"

// MarshalDate writes a calendar date as "YYYY-MM-DD".
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(DateLayout)))
	})
}

// UnmarshalDate reads "YYYY-MM-DD" into a UTC midnight time.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, badInput("a Date is a string in YYYY-MM-DD form")
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, badInput("a Date is YYYY-MM-DD, got %q", s)
	}
	return inRange(t, "Date")
}

// MarshalDateTime writes an instant in RFC 3339, in UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads an RFC 3339 instant.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, badInput("a DateTime is an RFC 3339 string, e.g. 2026-07-01T08:00:00+07:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badInput("a DateTime is RFC 3339, e.g. 2026-07-01T08:00:00+07:00, got %q", s)
	}
	return inRange(t, "DateTime")
}

// Years a Date or DateTime may fall in. Nothing the exchange records (postings,
// contracts, births, benefit months) lies outside; a year like 0001 or 9999 is a
// typo or a probe, and refusing it here keeps it out of every filter and row.
const (
	MinYear = 1900
	MaxYear = 2200
)

// inRange refuses a time outside MinYear–MaxYear as OUT_OF_RANGE: it parsed, so it is
// not malformed, but it is no date the exchange can hold. It is an errors[] entry
// rather than a userError because scalars are decoded before any resolver runs, for
// queries and subscriptions as well as mutations.
func inRange(t time.Time, what string) (time.Time, error) {
	if y := t.UTC().Year(); y < MinYear || y > MaxYear {
		return time.Time{}, &exchange.Error{Code: exchange.CodeOutOfRange,
			Message: fmt.Sprintf("a %s must fall in the years %d to %d, got %d", what, MinYear, MaxYear, y)}
	}
	return t, nil
}

// MarshalInt64 writes a 64-bit integer as a JSON number.
func MarshalInt64(i int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.FormatInt(i, 10))
	})
}

// UnmarshalInt64 reads a 64-bit integer from a number or a string of decimal digits
// (JavaScript clients send large amounts as strings); nothing else.
func UnmarshalInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
	case float64:
		if x == float64(int64(x)) {
			return int64(x), nil
		}
	case string:
		// Digits only (ParseInt alone would take "+5"): the decimal form JavaScript's
		// BigInt and JSON encoders print.
		if digits := strings.TrimPrefix(x, "-"); digits != "" && strings.Trim(digits, "0123456789") == "" {
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i, nil
			}
		}
	}
	return 0, badInput("an Int64 is a whole number, got %v", v)
}

func badInput(format string, args ...any) error {
	return &exchange.Error{Code: exchange.CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
}
