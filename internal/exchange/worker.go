package exchange

import (
	"strconv"
	"strings"
	"time"
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

// MaskNationalID shows only the last four digits: "********1234". Input shorter than
// five characters is masked entirely, so a mask never reveals a whole number.
func MaskNationalID(id string) string {
	if len(id) <= 4 {
		return strings.Repeat("*", len(id))
	}
	return strings.Repeat("*", len(id)-4) + id[len(id)-4:]
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
