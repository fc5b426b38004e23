package apitest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/csvimport/csvimporttest"
)

// rowErrors renders an import's rowErrors as "line:column:code".
func rowErrors(r *apitest.Response, path string) []string {
	var out []string
	list, _ := r.Get(path).([]any)
	for _, x := range list {
		x := x.(map[string]any)
		out = append(out, fmt.Sprintf("%v:%v:%v", x["line"], x["column"], x["code"]))
	}
	return out
}

// A stray quote in a cell is an error of its row, reported with its line; it used to
// panic the reader. Every other problem of the file is reported in the same pass, and
// with partial the good rows are written.
func TestAbuse_BadCSVQuote(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	from := time.Now().Format(time.DateOnly)
	csv := "occupation_code,quantity,available_from,notes\n" +
		"8153,2," + from + ",ca \"đêm\n" + // line 2: bare quote
		"8153,many," + from + ",\n" + // line 3: quantity
		"8212,4," + from + ",Lắp ráp\n"
	r := e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
	r.NoErrors(t)
	if got, want := rowErrors(r, "importLaborSupply.rowErrors"), []string{"2::INVALID", "3:quantity:INVALID"}; !slices.Equal(got, want) {
		t.Errorf("rowErrors = %v, want %v (%s)", got, want, r.Raw)
	}
	if r.Int(t, "importLaborSupply.createdCount") != 1 || r.Int(t, "importLaborSupply.rowCount") != 3 ||
		r.Len("importLaborSupply.userErrors") != 0 {
		t.Errorf("import: %s", r.Raw)
	}
	r = e.Do(t, tok, `{ laborSupplies { edges { node { occupation { code } notes } } } }`, nil)
	r.NoErrors(t)
	if r.Len("laborSupplies.edges") != 1 || r.Get("laborSupplies.edges.0.node.notes") != "Lắp ráp" {
		t.Errorf("supplies: %s", r.Raw)
	}
}

// A file saved by Vietnamese Excel (Windows-1258, ';'-separated, tone marks as
// combining characters) sent byte for byte imports like its UTF-8 twin, in NFC, so the
// diacritic-blind search finds it.
func TestAbuse_Windows1258CSV(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	from := time.Now().Format(time.DateOnly)
	const notes = "Thợ may lành nghề, Bắc Kạn"
	text := "occupation_code;quantity;available_from;destination_province_codes;notes\r\n" +
		"8153;12;" + from + ";31 24;" + notes + "\r\n" +
		"8153;0;" + from + ";;\r\n" // line 3: quantity
	// JSON carries text: the file's bytes go as the code points of the same numbers.
	csv := csvimporttest.CodePoints(csvimporttest.Windows1258(t, text))
	r := e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": csv}})
	r.NoErrors(t)
	if got, want := rowErrors(r, "importLaborSupply.rowErrors"), []string{"3:quantity:OUT_OF_RANGE"}; !slices.Equal(got, want) {
		t.Errorf("rowErrors = %v, want %v (%s)", got, want, r.Raw)
	}
	if r.Int(t, "importLaborSupply.createdCount") != 0 {
		t.Errorf("a file with a bad row wrote rows: %s", r.Raw)
	}
	r = e.Do(t, tok, importSupply, map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
	if r.Int(t, "importLaborSupply.createdCount") != 1 {
		t.Fatalf("partial import: %s", r.Raw)
	}
	r = e.Do(t, tok, `{ laborSupplies(filter: {text: "tho may lanh nghe"}) { edges { node { notes quantity destinationProvinces { code } } } } }`, nil)
	r.NoErrors(t)
	if r.Len("laborSupplies.edges") != 1 || r.Get("laborSupplies.edges.0.node.notes") != notes ||
		r.Len("laborSupplies.edges.0.node.destinationProvinces") != 2 {
		t.Errorf("imported supply: %s", r.Raw)
	}
	if got := r.Get("laborSupplies.edges.0.node.notes"); got != nil && !norm.NFC.IsNormalString(got.(string)) {
		t.Errorf("notes not in NFC: %q", got)
	}
}
