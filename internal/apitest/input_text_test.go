package apitest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/laborx/laborx/internal/apitest"
)

// demandWith is the variables of publishDemand with one input field replaced.
func demandWith(k string, v any) map[string]any {
	return map[string]any{"in": demandInput(map[string]any{k: v})}
}

// postRaw sends a body as it is, bytes the JSON encoder would not produce included.
func postRaw(t *testing.T, e *apitest.Env, token, body string) *apitest.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return apitest.Send(t, req)
}

// badInput asserts a single BAD_USER_INPUT whose message names field, and that
// nothing was published.
func badInput(t *testing.T, r *apitest.Response, field string) {
	t.Helper()
	if r.Get("publishLaborDemand.laborDemand") != nil {
		t.Errorf("a demand was published: %s", r.Raw)
	}
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, field) {
		t.Errorf("got status %d %s, want BAD_USER_INPUT naming %s", r.Status, r.Raw, field)
	}
}

func TestAbuse_NULByte(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	tok := tng.Token(t, "publisher")
	badInput(t, e.Do(t, tok, publishDemand, demandWith("title", "May\x00 công nghiệp")), "variables.in.title")
	badInput(t, e.Do(t, tok, publishDemand, demandWith("employer", map[string]any{"name": "Công ty\x00"})), "variables.in.employer.name")
	badInput(t, e.Do(t, tok, `{ laborDemands(filter: {text: "may\u0000"}) { totalCount } }`, nil), "query.laborDemands.filter.text")
	badInput(t, e.Do(t, tok, `{ laborDemands(filter: {text: "may\u{0}"}) { totalCount } }`, nil), "query.laborDemands.filter.text")
	badInput(t, e.Do(t, tok, `query($f: LaborDemandFilter = {text: "\u0000"}) { laborDemands(filter: $f) { totalCount } }`, nil), "query.$f.text")
	badInput(t, e.Do(t, tok, `query($f: LaborDemandFilter) { laborDemands(filter: $f) { totalCount } }`,
		map[string]any{"f": map[string]any{"text": "may\x00"}}), "variables.f.text")
	// Over a websocket too.
	r := apitest.SubscribeOnce(t, e.Server.URL, tok, `subscription($f: LaborDemandFilter) { laborDemandPublished(filter: $f) { id } }`,
		map[string]any{"f": map[string]any{"text": "\x00"}})
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" {
		t.Errorf("subscription with a NUL: %s, want BAD_USER_INPUT", r.Raw)
	}
	if n := e.Do(t, tok, `{ laborDemands { totalCount } }`, nil).Int(t, "laborDemands.totalCount"); n != 0 {
		t.Errorf("%d demands published, want none", n)
	}
}

func TestAbuse_InvalidUTF8(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	// The title is spliced into the JSON as raw bytes, as a broken client would send it.
	template, _ := json.Marshal(map[string]any{"query": publishDemand, "variables": demandWith("title", "TITLE")})
	body := func(title string) string {
		return strings.Replace(string(template), `"TITLE"`, `"`+title+`"`, 1)
	}
	for name, title := range map[string]string{
		"Latin-1 byte":          "C\xf4ng nh\xe2n",
		"Windows-1258 bytes":    "C\xf4ng nh\xe2n may \xd0\xe0",
		"lone surrogate escape": `May \ud800 công`,
		"lone low surrogate":    `May \udc00`,
	} {
		t.Run(name, func(t *testing.T) {
			r := postRaw(t, e, tok, body(title))
			if r.Status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", r.Status)
			}
			badInput(t, r, "variables.in.title")
		})
	}
	// A surrogate pair is a real character (an emoji here).
	r := postRaw(t, e, tok, body(`May \ud83e\uddf5`))
	r.NoErrors(t)
	if got := r.String(t, "publishLaborDemand.laborDemand.title"); got != "May 🧵" {
		t.Errorf("title = %q", got)
	}
	r = postRaw(t, e, tok, `{"query": "{ laborDemands(filter: {text: \"C`+"\xf4"+`ng\"}) { totalCount } }"}`)
	badInput(t, r, "query")
	badInput(t, e.Do(t, tok, `{ laborDemands(filter: {text: "C\ud800ng"}) { totalCount } }`, nil), "query")
}

// TestTextIsStoredInNFC: the same words typed decomposed (e + combining marks, as some
// keyboards send them) are stored composed, and a search typed either way finds them.
func TestTextIsStoredInNFC(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	title, employer := "Công nhân may Nguyễn", "Công ty Bắc Ninh"
	nfd := norm.NFD.String
	if nfd(title) == title {
		t.Fatal("the test text has no decomposable characters")
	}
	r := e.Do(t, tok, publishDemand, demandWith("title", nfd(title)))
	r.NoErrors(t)
	r = e.Do(t, tok, publishDemand, demandWith("employer", map[string]any{"name": nfd(employer)}))
	r.NoErrors(t)
	if got := r.String(t, "publishLaborDemand.laborDemand.employer.name"); got != employer {
		t.Errorf("employer stored as %+q, want the NFC %+q", got, employer)
	}
	r = e.Do(t, tok, `{ laborDemands(filter: {text: "`+nfd("nhân may Nguyễn")+`"}) { edges { node { title } } } }`, nil)
	r.NoErrors(t)
	if r.Len("laborDemands.edges") != 1 || r.Get("laborDemands.edges.0.node.title") != title {
		t.Errorf("an NFD search for an NFD-typed title: %s, want the NFC title once", r.Raw)
	}
}

// TestDatesOutOfRange: a Date or DateTime outside the years 1900–2200 parses but is no
// date the exchange holds: OUT_OF_RANGE, and nothing is written.
func TestDatesOutOfRange(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	for name, c := range map[string]struct{ k, v string }{
		"startDate 0001":     {"startDate", "0001-01-01"},
		"startDate 9999":     {"startDate", "9999-12-31"},
		"expiresAt 0001":     {"expiresAt", "0001-01-01T00:00:00Z"},
		"startDate 1899":     {"startDate", "1899-12-31"},
		"startDate 2201":     {"startDate", "2201-01-01"},
		"expiresAt 2201 +07": {"expiresAt", "2201-01-02T00:00:00+07:00"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.Do(t, tok, publishDemand, demandWith(c.k, c.v))
			if r.Get("publishLaborDemand.laborDemand") != nil {
				t.Errorf("published: %s", r.Raw)
			}
			if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "OUT_OF_RANGE" || !strings.Contains(r.Errors[0].Message, "1900 to 2200") {
				t.Errorf("got %s, want OUT_OF_RANGE naming 1900 to 2200", r.Raw)
			}
		})
	}
}

// TestInt64Input: an Int64 is a JSON number or a string of decimal digits, in a
// variable or inline; any other string is BAD_USER_INPUT.
func TestInt64Input(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")
	r := e.Do(t, tok, publishDemand, demandWith("wageMin", "5000000"))
	r.NoErrors(t)
	inline := `mutation { publishLaborDemand(input: {employer: {name: "X"}, occupationCode: "8153", title: "May", quantity: 1,
		workProvinceCode: "24", employmentType: FULL_TIME, expiresAt: "` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) +
		`", wageMin: %s}) { laborDemand { wageMin } userErrors { code } } }`
	for _, lit := range []string{`"5000000"`, `5000000`} {
		r := e.Do(t, tok, strings.Replace(inline, "%s", lit, 1), nil)
		r.NoErrors(t)
		if r.Get("publishLaborDemand.laborDemand.wageMin") != float64(5000000) {
			t.Errorf("wageMin %s inline: %s", lit, r.Raw)
		}
	}
	for _, v := range []any{"+5000000", " 5000000", "5e6", "5000000.5", "0x4C4B40", "5_000_000", "", true} {
		r := e.Do(t, tok, publishDemand, demandWith("wageMin", v))
		if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "BAD_USER_INPUT" || r.Get("publishLaborDemand.laborDemand") != nil {
			t.Errorf("wageMin %#v: %s, want BAD_USER_INPUT", v, r.Raw)
		}
	}
}
