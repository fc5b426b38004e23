// Package csvimport reads the CSV files of the bulk imports (importLaborDemand,
// importLaborSupply, `laborx import`): it decodes the text, finds the separator, maps
// each row to the input of the publish mutation and checks it with the same rules
// (internal/exchange). It knows nothing of the database: the store copies the rows it
// returns.
package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/exchange"
)

// MaxRows bounds one import.
const MaxRows = 100000

// MaxBytes bounds the size of one import file (after decoding).
const MaxBytes = 64 << 20

// Spec names the columns of one kind of import file.
type Spec struct {
	Columns  []string
	Required []string
}

// fileField is the input field the whole file's problems are reported at.
var fileField = []string{"csv"}

// Decode returns the file's text as UTF-8 in NFC. It accepts UTF-8 with or without a
// byte-order mark, UTF-16 (little or big endian) with one, and otherwise Windows-1258,
// the Vietnamese code page older spreadsheets save in; Windows-1258 writes most tone
// marks as combining characters, so the result is normalised to precomposed NFC, the
// form the rest of the exchange compares and searches.
func Decode(raw []byte) (string, error) {
	var text []byte
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		// A UTF-8 byte-order mark promises UTF-8: bytes that break it are refused, not
		// passed on.
		if text = raw[3:]; !utf8.Valid(text) {
			return "", exchange.FieldErrorf(fileField, exchange.CodeInvalid, "the file starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, raw)
		if err != nil {
			return "", exchange.FieldErrorf(fileField, exchange.CodeInvalid, "the file is not valid UTF-16")
		}
		text = out
	case utf8.Valid(raw):
		text = raw
	default:
		out, _, err := transform.Bytes(charmap.Windows1258.NewDecoder(), raw)
		if err != nil {
			return "", exchange.FieldErrorf(fileField, exchange.CodeInvalid, "the file is neither UTF-8, UTF-16 nor Windows-1258 text")
		}
		text = out
	}
	return norm.NFC.String(string(text)), nil
}

// FromText is the file behind a CSV the API received as a string. JSON carries text,
// not bytes: a client that read a file as bytes sends each byte as the code point of
// the same number (what a binary string or a Latin-1 decoding gives). A string of code
// points below U+0100 that only makes sense as bytes is taken as such a byte string and
// goes through the same detection as a file: it is UTF-8, starts with a UTF-16 BOM, or
// holds a byte Latin-1 text does not use but Windows-1258 does (0x80–0x9F, or one of
// the combining tone marks 0xCC 0xD2 0xDE 0xEC 0xF2, which Latin-1 spells Ì Ò Þ ì ò).
// Any other string is already the text.
func FromText(s string) io.Reader {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return strings.NewReader(s)
		}
		b = append(b, byte(r))
	}
	if len(b) == len(s) || !looksLikeBytes(b) { // all ASCII, or plain Latin-1 text
		return strings.NewReader(s)
	}
	return bytes.NewReader(b)
}

func looksLikeBytes(b []byte) bool {
	if utf8.Valid(b) || bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		return true
	}
	for _, c := range b {
		if (c >= 0x80 && c <= 0x9F) || c == 0xCC || c == 0xD2 || c == 0xDE || c == 0xEC || c == 0xF2 {
			return true
		}
	}
	return false
}

// separator picks ',' or ';' from the header line: the one that occurs more often
// outside quotes (spreadsheets in locales with a decimal comma save with ';').
func separator(text string) rune {
	line, _, _ := strings.Cut(text, "\n")
	commas, semicolons, quoted := 0, 0, false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}

// Read reads an import file with a header row and calls row for each record that is
// not blank, in order. Problems with the file as a whole (empty, not text, an unknown,
// doubled or missing column, too many rows) are returned as errors at input.csv; a
// record that cannot be parsed (a stray quote, say) is an error of that row, and the
// rows after it are still read, so one pass reports every problem. n is how many data
// rows the file has.
func Read(r io.Reader, spec Spec, row func(*Row)) (n int, err error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return 0, fmt.Errorf("read import file: %w", err)
	}
	if len(raw) > MaxBytes {
		return 0, exchange.FieldErrorf(fileField, exchange.CodeOutOfRange, "an import file has at most %d MiB", MaxBytes>>20)
	}
	text, err := Decode(raw)
	if err != nil {
		return 0, err
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = separator(text)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, exchange.FieldErrorf(fileField, exchange.CodeRequired, "the file is empty: a header row is required")
	}
	if err != nil {
		return 0, exchange.FieldErrorf(fileField, exchange.CodeInvalid, "line 1: %s", parseMessage(err))
	}
	cols, err := columns(header, spec)
	if err != nil {
		return 0, err
	}
	lines := strings.Count(text, "\n") + 1
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		var line int
		var perr *csv.ParseError
		switch {
		case errors.As(err, &perr):
			line = perr.StartLine
		case err != nil:
			return n, fmt.Errorf("read import file: %w", err)
		default:
			// FieldPos is only valid after a successful Read.
			line, _ = cr.FieldPos(0)
		}
		if err == nil && len(record) == 1 && strings.TrimSpace(record[0]) == "" {
			continue // blank line
		}
		if n++; n > MaxRows {
			return n, exchange.FieldErrorf(fileField, exchange.CodeOutOfRange, "at most %d rows per import", MaxRows)
		}
		rw := &Row{Line: line, FileLines: lines, cols: cols, record: record}
		switch {
		case err != nil:
			rw.Fail("", exchange.CodeInvalid, "the row is not valid CSV: %s", parseMessage(err))
		case len(record) != len(header):
			rw.Fail("", exchange.CodeInvalid, "the row has %d fields, the header %d", len(record), len(header))
		}
		row(rw)
	}
}

// parseMessage is encoding/csv's reason without its position, which Read reports
// itself.
func parseMessage(err error) string {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return perr.Err.Error()
	}
	return err.Error()
}

// columns maps the header's column names to their positions and reports every
// problem with the header at once.
func columns(header []string, spec Spec) (map[string]int, error) {
	cols := map[string]int{}
	known := map[string]bool{}
	for _, k := range spec.Columns {
		known[k] = true
	}
	var errs exchange.Errors
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known[h] {
			errs.Add(fileField, exchange.CodeInvalid, "line 1: unknown column %q (columns: %s)", h, strings.Join(spec.Columns, ", "))
			continue
		}
		if _, dup := cols[h]; dup {
			errs.Add(fileField, exchange.CodeInvalid, "line 1: column %q appears twice", h)
		}
		cols[h] = i
	}
	for _, c := range spec.Required {
		if _, ok := cols[c]; !ok {
			errs.Add(fileField, exchange.CodeRequired, "line 1: required column %q is missing", c)
		}
	}
	return cols, errs.Err()
}
