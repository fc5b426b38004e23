package csvimport_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/laborx/laborx/internal/csvimport"
	"github.com/laborx/laborx/internal/exchange"
)

// FuzzCSVReader feeds arbitrary bytes to the import reader and mappers: they never
// panic, every problem is an application error (a user error, never INTERNAL), and the
// text they hand on is valid UTF-8.
func FuzzCSVReader(f *testing.F) {
	for _, seed := range []string{
		"occupation_code,quantity,available_from\n8153,5,2026-04-01\n",
		"occupation_code;quantity;available_from\n8153;5;2026-04-01\n",
		"\xef\xbb\xbfoccupation_code,quantity,available_from,notes\n8153,5,2026-04-01,\"a \"\"b\"\" c\"\n",
		"occupation_code,quantity,available_from,notes\n8153,2,2026-04-01,ca \"đêm\n",
		"occupation_code,quantity,available_from,notes\n8153,2,2026-04-01,\"unterminated\n",
		"occupation_code,quantity,available_from,notes\nTh\xf2 may\n",
		"\xff\xfeo\x00c\x00",
	} {
		f.Add([]byte(seed))
	}
	cat := catalog()
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, spec := range []csvimport.Spec{csvimport.SupplySpec, csvimport.DemandSpec} {
			_, err := csvimport.Read(bytes.NewReader(raw), spec, func(r *csvimport.Row) {
				for _, col := range spec.Columns {
					if !utf8.ValidString(r.Get(col)) {
						t.Fatalf("cell %s is not UTF-8: %q", col, r.Get(col))
					}
				}
				if len(spec.Columns) == len(csvimport.SupplySpec.Columns) {
					csvimport.Supply(r, cat, now)
				} else {
					csvimport.Demand(r, cat, now)
				}
				for _, e := range r.Errors {
					if e.Code == "" || e.Message == "" || e.Line < 2 {
						t.Fatalf("row error without code, message or line: %+v", e)
					}
				}
			})
			if err != nil && exchange.AsErrors(err) == nil {
				t.Fatalf("non-application error: %v", err)
			}
		}
	})
}
