package apitest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// BenchmarkReadDemands runs the side-by-side benchmark's Q1 and Q3 (bench/peers) through
// the real handler (authentication, gqlgen, the store) against a real PostgreSQL,
// without a network client, so -benchmem counts what the server allocates per request
// (plus the response recorder's buffer).
//
//	go test -run '^$' -bench ReadDemands -benchmem -benchtime 2s ./internal/apitest/
func BenchmarkReadDemands(b *testing.B) {
	e := apitest.New(b)
	var csv strings.Builder
	csv.WriteString("employer_name,occupation_code,title,quantity,work_province_code,employment_type,expires_at\n")
	exp := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	codes := []string{"8153", "8212", "7212", "9329", "5120"}
	for i := range 60 {
		fmt.Fprintf(&csv, "Công ty %d,%s,Tuyển %d,%d,%s,FULL_TIME,%s\n", i, codes[i%5], i, i+1, []string{"01", "79", "31"}[i%3], exp)
	}
	var tok string
	for _, c := range []struct{ code, province string }{{"HNI", "01"}, {"HCM", "79"}, {"HPG", "31"}} {
		center := e.AddCenter(b, c.code, c.province)
		e.Do(b, center.Token(b, "publisher"), `mutation($in: ImportInput!) { importLaborDemand(input: $in) { createdCount userErrors { code } } }`,
			map[string]any{"in": map[string]any{"csv": csv.String()}}).NoErrors(b)
		tok = center.Token(b, "viewer")
	}
	const fields = `id title quantity wageMin wageMax center { code name province { name } } occupation { code titleVi } workProvince { code name }`
	for _, q := range []struct{ name, query string }{
		{"Q1", `{ laborDemands(first: 50) { edges { node { ` + fields + ` } } } }`},
		{"Q3", `{ laborDemands(first: 50, filter: {occupationCode: "8", provinceCodes: ["01", "79", "31"], statuses: [OPEN]}) { edges { node { ` + fields + ` } } } }`},
	} {
		body := fmt.Sprintf(`{"query": %q}`, q.query)
		e.Do(b, tok, q.query, nil).NoErrors(b)
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				e.App.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
