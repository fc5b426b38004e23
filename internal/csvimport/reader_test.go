package csvimport_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/csvimport"
	"github.com/laborx/laborx/internal/csvimport/csvimporttest"
	"github.com/laborx/laborx/internal/exchange"
)

var now = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

func catalog() *exchange.Catalog {
	p8, p81, p815 := "8", "81", "815"
	return exchange.NewCatalog([]exchange.Province{
		{Code: "31", Name: "Hải Phòng", IsCurrent: true},
		{Code: "19", Name: "Thái Nguyên", IsCurrent: true},
	}, []exchange.Occupation{
		{Code: "8", Level: 1, TitleEn: "Plant and machine operators"},
		{Code: "81", Level: 2, ParentCode: &p8, TitleEn: "Stationary plant and machine operators"},
		{Code: "815", Level: 3, ParentCode: &p81, TitleEn: "Textile machine operators"},
		{Code: "8153", Level: 4, ParentCode: &p815, TitleEn: "Sewing machine operators"},
	})
}

// supplies reads a supply file and renders each row as "line: notes" or its errors.
func supplies(t *testing.T, raw []byte) ([]string, error) {
	t.Helper()
	var out []string
	_, err := csvimport.Read(bytes.NewReader(raw), csvimport.SupplySpec, func(r *csvimport.Row) {
		d := csvimport.Supply(r, catalog(), now)
		if d == nil {
			for _, e := range r.Errors {
				out = append(out, fmt.Sprintf("%d: %s %s", e.Line, e.Column, e.Code))
			}
			return
		}
		notes := ""
		if d.Notes != nil {
			notes = *d.Notes
		}
		out = append(out, fmt.Sprintf("%d: %s %d %s", r.Line, d.OccupationCode, d.Quantity, notes))
	})
	return out, err
}

const vietnamese = "Thợ may lành nghề, Bắc Kạn"

func TestEncodings(t *testing.T) {
	text := "occupation_code,quantity,available_from,notes\n8153,5,2026-04-01,\"" + vietnamese + "\"\n"
	semicolons := "occupation_code;quantity;available_from;notes\n8153;5;2026-04-01;" + vietnamese + "\n"
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	utf16be, _ := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	cp1258 := csvimporttest.Windows1258(t, text)
	for name, raw := range map[string][]byte{
		"utf-8":         []byte(text),
		"utf-8 bom":     append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"utf-8 nfd":     []byte(norm.NFD.String(text)),
		"utf-16le bom":  utf16le,
		"utf-16be bom":  utf16be,
		"windows-1258":  cp1258,
		"semicolons":    []byte(semicolons),
		"crlf":          []byte(strings.ReplaceAll(text, "\n", "\r\n")),
		"semicolon+bom": append([]byte{0xEF, 0xBB, 0xBF}, semicolons...),
	} {
		got, err := supplies(t, raw)
		want := "2: 8153 5 " + vietnamese
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, want)
		}
	}
}

// Every error of a row is reported in one pass, and a cell that cannot be read is not
// reported again by the rules.
func TestEveryErrorOfARow(t *testing.T) {
	raw := "occupation_code,quantity,available_from,available_until,skill_level,expected_wage_min\n" +
		"9999,many,2026-13-01,yesterday,GURU,-5\n" +
		"8153,3,2026-04-01,,,\n"
	got, err := supplies(t, []byte(raw))
	want := []string{"2: quantity INVALID", "2: available_until INVALID", "2: available_from INVALID",
		"2: occupation_code UNKNOWN_OCCUPATION", "2: skill_level INVALID", "2: expected_wage_min OUT_OF_RANGE",
		"3: 8153 3 "}
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

// A stray quote makes its row bad, not the file: the rows after it are read.
func TestBadQuote(t *testing.T) {
	raw := "occupation_code,quantity,available_from,notes\n" +
		"8153,2,2026-04-01,ca \"đêm\n" +
		"8153,4,2026-04-01,ok\n"
	got, err := supplies(t, []byte(raw))
	if err != nil || strings.Join(got, "|") != "2:  INVALID|3: 8153 4 ok" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestFileErrors(t *testing.T) {
	for name, c := range map[string]struct{ raw, want string }{
		"empty":          {"", "csv REQUIRED"},
		"unknown column": {"occupation_code,quantity,available_from,colour\n", "csv INVALID"},
		"missing column": {"occupation_code,notes\n", "csv REQUIRED"},
		"twice":          {"occupation_code,quantity,available_from,quantity\n", "csv INVALID"},
		"bad header":     {"occupation_code,\"quantity\n", "csv INVALID"},
		"bad utf-16":     {"\xff\xfe\x00", "csv INVALID"},
	} {
		_, err := csvimport.Read(strings.NewReader(c.raw), csvimport.SupplySpec, func(*csvimport.Row) { t.Errorf("%s: a row was read", name) })
		es := exchange.AsErrors(err)
		if len(es) == 0 || strings.Join(es[0].Field, ".")+" "+string(es[0].Code) != c.want {
			t.Errorf("%s: got %v, want %s", name, err, c.want)
		}
	}
}

func TestColumnOf(t *testing.T) {
	for field, want := range map[string]string{
		"employer.taxCode":           "employer_tax_code",
		"destinationProvinceCodes.3": "destination_province_codes",
		"requirements.minAge":        "min_age",
		"deductions.2.amount":        "deductions",
		"overtime.hoursPerMonth":     "overtime_hours_per_month",
		"shifts.1":                   "shifts",
		"occupationCode":             "occupation_code",
	} {
		if got := csvimport.ColumnOf(strings.Split(field, ".")); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
}

// What the API receives is text; a file sent byte for byte as code points below U+0100
// is read as the file.
func TestFromText(t *testing.T) {
	text := "occupation_code,quantity,available_from,notes\n8153,5,2026-04-01,\"" + vietnamese + "\"\n"
	utf16le, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	for name, s := range map[string]string{
		"text":               text,
		"windows-1258 bytes": csvimporttest.CodePoints(csvimporttest.Windows1258(t, text)),
		"utf-8 bytes":        csvimporttest.CodePoints([]byte(text)),
		"utf-16 bytes":       csvimporttest.CodePoints(utf16le),
		"text with a BOM":    "\ufeff" + text,
	} {
		var notes []string
		_, err := csvimport.Read(csvimport.FromText(s), csvimport.SupplySpec, func(r *csvimport.Row) {
			if d := csvimport.Supply(r, catalog(), now); d != nil && d.Notes != nil {
				notes = append(notes, *d.Notes)
			}
		})
		if err != nil || len(notes) != 1 || notes[0] != vietnamese {
			t.Errorf("%s: %q, %v", name, notes, err)
		}
	}
	// Latin-1 text that is not bytes of another encoding stays as it is.
	plain := "occupation_code,quantity,available_from,notes\n8153,5,2026-04-01,Công nhân\n"
	b, _ := io.ReadAll(csvimport.FromText(plain))
	if string(b) != plain {
		t.Errorf("plain text changed: %q", b)
	}
}
