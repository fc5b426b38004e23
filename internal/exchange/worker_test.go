package exchange_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

var nationalIDField = []string{"worker", "nationalId"}

func TestNormalizeNationalID(t *testing.T) {
	tests := []struct {
		in, want, code string
	}{
		{"001085012345", "001085012345", ""},
		{" 006190001234 ", "006190001234", ""},
		{"006 190 001 234", "006190001234", ""},
		{"096300000001", "096300000001", ""},
		{"", "", "REQUIRED"},
		{"   ", "", "REQUIRED"},
		{"00108501234", "", "INVALID"},   // 11 digits
		{"0010850123456", "", "INVALID"}, // 13 digits
		{"00108501234a", "", "INVALID"},
		{"001-085-012345", "", "INVALID"},
		{"００１０８５０１２３４５", "", "INVALID"}, // full-width digits
		{"000085012345", "", "INVALID"}, // province 000
		{"097085012345", "", "INVALID"}, // past 096
		{"999999999999", "", "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := exchange.NormalizeNationalID(nationalIDField, tt.in)
			assertFieldError(t, err, nationalIDField, tt.code)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// assertFieldError checks that err is a single application error with the given code
// at field, or nil when code is empty.
func assertFieldError(t *testing.T, err error, field []string, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	es := exchange.AsErrors(err)
	if len(es) != 1 {
		t.Fatalf("got %v, want one %s error", err, code)
	}
	if string(es[0].Code) != code || !slices.Equal(es[0].Field, field) {
		t.Errorf("got %s at %q, want %s at %q (%s)", es[0].Code, es[0].Field, code, field, es[0].Message)
	}
}

func TestNormalizeVietnamPhone(t *testing.T) {
	field := []string{"worker", "phone"}
	tests := []struct {
		in, want, code string
	}{
		{"0912345678", "+84912345678", ""},
		{"+84912345678", "+84912345678", ""},
		{"84 912 345 678", "+84912345678", ""},
		{"091-234-5678", "+84912345678", ""},
		{"091.234.5678", "+84912345678", ""},
		{"+84 (0) 912 345 678", "+84912345678", ""},
		{"0312345678", "+84312345678", ""},
		{"0512345678", "+84512345678", ""},
		{"0712345678", "+84712345678", ""},
		{"0812345678", "+84812345678", ""},
		{"(024) 3987 6543", "+842439876543", ""},
		{"+84 209 3871 234", "+842093871234", ""},
		{"", "", "REQUIRED"},
		{" - ", "", "REQUIRED"},
		{"091234567", "", "INVALID"},   // 9 digits
		{"09123456789", "", "INVALID"}, // 11-digit mobile
		{"0243987654", "", "INVALID"},  // 10-digit landline
		{"0112345678", "", "INVALID"},  // no such prefix
		{"0412345678", "", "INVALID"},  // no such prefix
		{"0612345678", "", "INVALID"},  // no such prefix
		{"912345678", "", "INVALID"},   // no trunk prefix
		{"+1 650 253 0000", "", "INVALID"},
		{"+85 912345678", "", "INVALID"},
		{"09123a5678", "", "INVALID"},
		{"0912+345678", "", "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := exchange.NormalizeVietnamPhone(field, tt.in)
			assertFieldError(t, err, field, tt.code)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		dob, today string
		want       int
	}{
		{"2000-06-15", "2025-06-14", 24},
		{"2000-06-15", "2025-06-15", 25},
		{"2000-06-15", "2025-12-31", 25},
		{"2004-02-29", "2025-02-28", 20},
		{"2004-02-29", "2025-03-01", 21},
		{"2004-02-29", "2028-02-29", 24},
		{"2025-01-01", "2025-01-01", 0},
	}
	for _, tt := range tests {
		if got := exchange.AgeOn(date(tt.dob), date(tt.today)); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.dob, tt.today, got, tt.want)
		}
	}
}

func TestValidateWorkingAge(t *testing.T) {
	field := []string{"worker", "dateOfBirth"}
	today := date("2025-07-01")
	tests := []struct {
		name    string
		dob     time.Time
		code    string
		message string
	}{
		{"turns 15 today", date("2010-07-01"), "", ""},
		{"15 tomorrow", date("2010-07-02"), "OUT_OF_RANGE", "must be 15 to 70 years old, this one is 14"},
		{"70 until tomorrow", date("1954-07-02"), "", ""},
		{"turned 71 today", date("1954-07-01"), "OUT_OF_RANGE", "must be 15 to 70 years old, this one is 71"},
		{"born in the future", date("2030-01-01"), "OUT_OF_RANGE", "date of birth 2030-01-01 is in the future"},
		{"missing", time.Time{}, "REQUIRED", "date of birth is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := exchange.ValidateWorkingAge(field, tt.dob, today)
			assertFieldError(t, err, field, tt.code)
			if msg := exchange.ErrorMessage(err); err != nil && !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}
}
