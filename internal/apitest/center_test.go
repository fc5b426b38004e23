package apitest_test

import (
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

func TestViewerAndReferenceData(t *testing.T) {
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")

	r := e.Do(t, tng.Token(t, "publisher", "coordinator"), `{
		viewer { center { code province { code name } } subject roles }
		legacy: provinces(includeLegacy: true) { code isCurrent }
		current: provinces { code }
		bacKan: province(code: "06") { name isCurrent successor { code name } }
		units: occupations(level: 4) { code }
		welders: occupations(search: "tho han") { code titleVi }
	}`, nil)
	r.NoErrors(t)
	if got := r.String(t, "viewer.center.code"); got != "TNG" {
		t.Errorf("viewer.center.code = %q, want TNG", got)
	}
	if got := r.Len("viewer.roles"); got != 2 {
		t.Errorf("viewer.roles has %d roles, want 2: %s", got, r.Raw)
	}
	if n := r.Len("legacy"); n != 63 {
		t.Errorf("provinces(includeLegacy: true) has %d rows, want 63", n)
	}
	if n := r.Len("current"); n != 34 {
		t.Errorf("provinces has %d current rows, want 34", n)
	}
	if got := r.String(t, "bacKan.successor.name"); got != "Thái Nguyên" {
		t.Errorf("Bắc Kạn's successor = %q, want Thái Nguyên", got)
	}
	if n := r.Len("units"); n != 436 {
		t.Errorf("occupations(level: 4) has %d rows, want 436", n)
	}
	found := false
	for _, o := range r.Get("welders").([]any) {
		if o.(map[string]any)["code"] == "7212" {
			found = true
		}
	}
	if !found {
		t.Errorf(`occupations(search: "tho han") does not find 7212: %s`, r.Raw)
	}
}
