package csvimport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/laborx/laborx/internal/exchange"
)

// Row reads the cells of one record by column name and collects its errors.
type Row struct {
	// Line is the 1-based line of the file the record starts on; the header is line 1.
	Line int
	// FileLines is how many lines the whole file has: at least its number of rows, for
	// a caller that keeps every row to size its slices once.
	FileLines int
	cols      map[string]int
	record    []string
	Errors    []*exchange.ImportRowError
}

// Get returns the trimmed cell of col, "" when the file has no such column.
func (r *Row) Get(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.record) {
		return ""
	}
	return strings.TrimSpace(r.record[i])
}

// Fail records an error of the row at col ("" for the row as a whole).
func (r *Row) Fail(col string, code exchange.Code, format string, args ...any) {
	r.Errors = append(r.Errors, &exchange.ImportRowError{Line: r.Line, Column: col, Code: code, Message: fmt.Sprintf(format, args...)})
}

// failed reports whether col already has an error; a cell that could not be read is
// not checked again by the rules.
func (r *Row) failed(col string) bool {
	return slices.ContainsFunc(r.Errors, func(e *exchange.ImportRowError) bool { return e.Column == col })
}

func (r *Row) optString(col string) *string {
	if v := r.Get(col); v != "" {
		return &v
	}
	return nil
}

func (r *Row) optInt64(col string) *int64 {
	v := r.Get(col)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.Fail(col, exchange.CodeInvalid, "%q is not a whole number", v)
		return nil
	}
	return &n
}

func (r *Row) int(col string) int {
	v := r.Get(col)
	if v == "" {
		r.Fail(col, exchange.CodeRequired, "%s is required", col)
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.Fail(col, exchange.CodeInvalid, "%q is not a whole number", v)
	}
	return n
}

func (r *Row) optDate(col string) *time.Time {
	v := r.Get(col)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		r.Fail(col, exchange.CodeInvalid, "%q is not a date (YYYY-MM-DD)", v)
		return nil
	}
	return &t
}

func (r *Row) optBool(col string) *bool {
	v := strings.ToLower(r.Get(col))
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.Fail(col, exchange.CodeInvalid, "%q is not true or false", v)
		return nil
	}
	return &b
}

// optEnum reads an enum cell, upper-cased; the rules check the value.
func optEnum[T ~string](r *Row, col string) *T {
	if v := r.Get(col); v != "" {
		e := T(strings.ToUpper(v))
		return &e
	}
	return nil
}

func (r *Row) optInt(col string) *int {
	v := r.Get(col)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.Fail(col, exchange.CodeInvalid, "%q is not a whole number", v)
		return nil
	}
	return &n
}

// list splits a cell of values separated by ';', ',' or spaces.
func (r *Row) list(col string) []string {
	v := r.Get(col)
	if v == "" {
		return nil
	}
	return strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == ',' || unicode.IsSpace(c) })
}

// deductions reads KIND:AMOUNT pairs ("HOUSING:500000;MEALS:300000").
func (r *Row) deductions(col string) []exchange.DeductionInput {
	var out []exchange.DeductionInput
	for _, pair := range r.list(col) {
		kind, amount, ok := strings.Cut(pair, ":")
		n, err := strconv.ParseInt(strings.TrimSpace(amount), 10, 64)
		if !ok || err != nil {
			r.Fail(col, exchange.CodeInvalid, "%q is not KIND:AMOUNT (e.g. HOUSING:500000)", pair)
			return nil
		}
		out = append(out, exchange.DeductionInput{Kind: exchange.DeductionKind(strings.ToUpper(strings.TrimSpace(kind))), Amount: n})
	}
	return out
}

// expiry reads expires_at: an RFC 3339 time, or a date (the end of that day, UTC).
func (r *Row) expiry(col string) time.Time {
	v := r.Get(col)
	if v == "" {
		r.Fail(col, exchange.CodeRequired, "%s is required", col)
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Add(24*time.Hour - time.Second)
	}
	r.Fail(col, exchange.CodeInvalid, "%q is not an RFC 3339 time or a date", v)
	return time.Time{}
}

// ruleErrors adds the rules' failures (field paths of the mutation input) as errors of
// the CSV column: ["employer", "taxCode"] → employer_tax_code. A column whose cell could
// not be read is reported once, for that.
func (r *Row) ruleErrors(errs exchange.Errors) {
	for _, e := range errs {
		col := ColumnOf(e.Field)
		if col != "" && r.failed(col) {
			continue
		}
		r.Errors = append(r.Errors, &exchange.ImportRowError{Line: r.Line, Column: col, Code: e.Code, Message: e.Message})
	}
}

// ColumnOf names the CSV column of an input field path: list positions are dropped,
// the rest joined in snake case. A demand's requirements are columns of their own
// (min_age, not requirements_min_age), and its deductions one column of KIND:AMOUNT
// pairs.
func ColumnOf(field []string) string {
	switch {
	case len(field) > 1 && field[0] == "requirements":
		field = field[1:]
	case len(field) > 0 && field[0] == "deductions":
		return "deductions"
	}
	var parts []string
	for _, f := range field {
		if f != "" && unicode.IsDigit(rune(f[0])) {
			continue
		}
		var b strings.Builder
		for i, c := range f {
			if unicode.IsUpper(c) {
				if i > 0 {
					b.WriteByte('_')
				}
				c = unicode.ToLower(c)
			}
			b.WriteRune(c)
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "_")
}
