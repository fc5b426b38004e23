package scalar_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/laborx/laborx/graph/scalar"
	"github.com/laborx/laborx/internal/exchange"
)

// refusal checks that a scalar refused its input with a code a client can act on.
func refusal(t *testing.T, in string, err error) {
	t.Helper()
	if c := exchange.ErrorCode(err); c != exchange.CodeBadUserInput && c != exchange.CodeOutOfRange {
		t.Fatalf("%q: %v, want BAD_USER_INPUT or OUT_OF_RANGE", in, err)
	}
}

// FuzzInt64: a string is an Int64 only as decimal digits, and then its value; the
// same text as a JSON number decodes to the same value.
func FuzzInt64(f *testing.F) {
	for _, s := range []string{"5000000", "-1", "9223372036854775807", "9223372036854775808", "+5", "5e6", "0x10", " 1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := scalar.UnmarshalInt64(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if strconv.FormatInt(n, 10) != s && strconv.FormatInt(n, 10) != trimZeros(s) {
			t.Fatalf("UnmarshalInt64(%q) = %d", s, n)
		}
		if m, err := scalar.UnmarshalInt64(json.Number(s)); err != nil || m != n {
			t.Fatalf("as a JSON number %q: %d %v, want %d", s, m, err, n)
		}
	})
}

// trimZeros is the canonical form of a decimal with leading zeros ("-007" is -7).
func trimZeros(s string) string {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	if neg && s != "0" {
		return "-" + s
	}
	return s
}

// FuzzDate: a Date parses, is within the years 1900-2200, and marshals back to its
// text; anything else is refused with a code.
func FuzzDate(f *testing.F) {
	for _, s := range []string{"2026-07-01", "0001-01-01", "1900-01-01", "2200-12-31", "2026-02-30", "2026-7-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := scalar.UnmarshalDate(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if y := d.Year(); y < scalar.MinYear || y > scalar.MaxYear {
			t.Fatalf("UnmarshalDate(%q) = %v, outside the allowed years", s, d)
		}
		var buf bytes.Buffer
		scalar.MarshalDate(d).MarshalGQL(&buf)
		if buf.String() != strconv.Quote(s) {
			t.Fatalf("UnmarshalDate(%q) marshals as %s", s, buf.String())
		}
	})
}

// FuzzDateTime: a DateTime parses to an instant within the allowed years that
// marshals to RFC 3339 and parses back to the same instant.
func FuzzDateTime(f *testing.F) {
	for _, s := range []string{"2026-07-01T08:00:00+07:00", "2026-07-01T01:00:00.123456789Z", "0001-01-01T00:00:00Z", "2201-01-01T00:00:00+07:00", "next week"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := scalar.UnmarshalDateTime(s)
		if err != nil {
			refusal(t, s, err)
			return
		}
		if y := at.UTC().Year(); y < scalar.MinYear || y > scalar.MaxYear {
			t.Fatalf("UnmarshalDateTime(%q) = %v, outside the allowed years", s, at)
		}
		var buf bytes.Buffer
		scalar.MarshalDateTime(at).MarshalGQL(&buf)
		back, err := scalar.UnmarshalDateTime(mustUnquote(t, buf.String()))
		if err != nil || !back.Equal(at) {
			t.Fatalf("UnmarshalDateTime(%q) = %v marshals as %s, which reads back as %v %v", s, at, buf.String(), back, err)
		}
	})
}

func mustUnquote(t *testing.T, s string) string {
	t.Helper()
	u, err := strconv.Unquote(s)
	if err != nil {
		t.Fatalf("not a quoted string: %s", s)
	}
	return u
}
