package apitest_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestImportIdempotency: ImportInput.idempotencyKey follows the rules of the other
// create mutations. The same key with the same file replays the first result and
// writes no row twice, also when the two requests race; the same key with another file
// (or another partial) is IDEMPOTENCY_KEY_REUSED; a file refused as a whole does not use
// up its key; keys are per center.
func TestImportIdempotency(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	hpg := e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "publisher")
	from := time.Now().Format(time.DateOnly)
	csv := "occupation_code,quantity,available_from,notes\n" +
		"8153,20," + from + ",May\n" +
		"8212,0," + from + ",\n" + // line 3: quantity out of range
		"7212,5," + from + ",Hàn\n"
	imp := func(tok string, in map[string]any) *apitest.Response {
		return e.Do(t, tok, importSupply, map[string]any{"in": in})
	}
	supplies := func(center string) int {
		var n int
		if err := e.App.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM labor_supplies s
			JOIN centers c ON c.id = s.center_id WHERE c.code = $1`, center).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	result := func(r *apitest.Response) string {
		r.NoErrors(t)
		return string(r.Raw)
	}

	// A file refused as a whole leaves the key unused: the fixed file may take it.
	refused := imp(tok, map[string]any{"csv": csv, "idempotencyKey": "april-supply"})
	if refused.Int(t, "importLaborSupply.createdCount") != 0 || refused.Len("importLaborSupply.rowErrors") != 1 {
		t.Fatalf("file with a bad row: %s", refused.Raw)
	}

	in := map[string]any{"csv": csv, "partial": true, "idempotencyKey": "april-supply"}
	first := imp(tok, in)
	if first.Int(t, "importLaborSupply.createdCount") != 2 || first.Len("importLaborSupply.rowErrors") != 1 ||
		len(first.UserErrorCodes("importLaborSupply")) != 0 {
		t.Fatalf("first import: %s", first.Raw)
	}
	// The response was lost; the client sends the same file with the same key, twice at once.
	var wg sync.WaitGroup
	replays := make([]string, 4)
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replays[i] = result(imp(tok, in))
		}()
	}
	wg.Wait()
	for i, r := range replays {
		if r != result(first) {
			t.Errorf("replay %d = %s, want the first result %s", i, r, first.Raw)
		}
	}
	if n := supplies("TNG"); n != 2 {
		t.Errorf("%d supplies after one import and its replays, want 2", n)
	}
	var changes int
	if err := e.App.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM changes
		WHERE entity_kind = 'LaborSupply'`).Scan(&changes); err != nil || changes != 2 {
		t.Errorf("%d change rows (%v), want 2", changes, err)
	}

	for name, other := range map[string]map[string]any{
		"another file":          {"csv": strings.Replace(csv, "8153,20", "8153,21", 1), "partial": true, "idempotencyKey": "april-supply"},
		"the fixed file, whole": {"csv": strings.Replace(csv, "8212,0", "8212,3", 1), "idempotencyKey": " april-supply "},
	} {
		r := imp(tok, other)
		if got := r.UserErrorCodes("importLaborSupply"); !slices.Equal(got, []string{"IDEMPOTENCY_KEY_REUSED"}) ||
			r.Int(t, "importLaborSupply.createdCount") != 0 {
			t.Errorf("%s with the same key: %s", name, r.Raw)
		}
	}
	// The key names a supply import: a demand import with it is a reuse, not a replay.
	r := e.Do(t, tok, `mutation($in: ImportInput!) { importLaborDemand(input: $in) { createdCount userErrors { field code } } }`,
		map[string]any{"in": map[string]any{"csv": "employer_name,occupation_code,title,quantity,work_province_code,employment_type,expires_at\n" +
			"Công ty A,8153,May,5,19,FULL_TIME," + time.Now().AddDate(0, 1, 0).Format(time.DateOnly) + "\n", "idempotencyKey": "april-supply"}})
	if got := r.UserErrorCodes("importLaborDemand"); !slices.Equal(got, []string{"IDEMPOTENCY_KEY_REUSED"}) {
		t.Errorf("demand import with a supply import's key: %s", r.Raw)
	}
	if n := supplies("TNG"); n != 2 {
		t.Errorf("%d supplies after refused reuses, want 2", n)
	}

	// Keys are per center: HPG's import with the same key is its own.
	r = imp(hpg.Token(t, "publisher"), in)
	if r.Int(t, "importLaborSupply.createdCount") != 2 || supplies("HPG") != 2 {
		t.Errorf("another center's import with the same key: %s", r.Raw)
	}
	r = imp(tok, map[string]any{"csv": csv, "partial": true, "idempotencyKey": ""})
	if got := r.UserErrorCodes("importLaborSupply"); !slices.Equal(got, []string{"INVALID"}) {
		t.Errorf("blank key: %s", r.Raw)
	}
}
