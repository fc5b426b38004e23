package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/graph"
)

// attacks are the queries of issue 9 that must be refused before they cost anything,
// as request bodies.
func attacks() map[string][]byte {
	alias := func(n int, field string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", i, field)
		}
		return b.String()
	}
	ids := `"` + strings.Repeat(`x", "`, 100) + `x"`
	queries := map[string]string{
		"depth 20":       "{ occupations { " + strings.Repeat("parent { ", 19) + "code" + strings.Repeat(" }", 19) + " } }",
		"exponential":    `{ occupations(level:4) { parent { children { parent { children { parent { children { parent { children { code }}}}}}}}}}`,
		"500 aliases":    "{" + alias(500, "occupations { code titleEn titleVi }") + " }",
		"fragment alias": "{ ...F } fragment F on Query {" + alias(100, "occupations { code }") + " }",
		"100k directive": "{ __typename" + strings.Repeat(" @include(if: true)", 100_000) + " }",
		"2 MB document":  "{ viewer { " + strings.Repeat("subject ", 2<<20/8) + "} }",
		"first 1000000":  `{ laborDemands(first: 1000000) { edges { node { id } } } }`,
		"nodes 101":      `{ nodes(ids: [` + ids + `]) { id } }`,
	}
	bodies := map[string][]byte{}
	for name, q := range queries {
		bodies[name] = requestBody(q, nil)
	}
	many := make([]string, 50_000)
	for i := range many {
		many[i] = "TGFib3JEZW1hbmQ6MDE5MWYxYTItN2MzZS03ZDRhLTliMmYtM2M0ZDVlNmY3YThi"
	}
	bodies["nodes 50000 (variables)"] = requestBody(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many})
	return bodies
}

// newTestGraphQL is the GraphQL handler alone: no database, no resolvers. A refused
// query never reaches one, and a panic would show that it did.
func newTestGraphQL(tb testing.TB) http.Handler {
	tb.Helper()
	logger := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	return newGraphQL(DefaultConfig(), Deps{Resolver: &graph.Resolver{}, Logger: logger, Registry: reg}, m,
		newUnauthGuard(DefaultConfig(), reg, m.rateLimited, logger))
}

func requestBody(query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return body
}

func post(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func refusedTooComplex(rec *httptest.ResponseRecorder) bool {
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	return json.Unmarshal(rec.Body.Bytes(), &out) == nil && out.Data == nil && len(out.Errors) == 1 &&
		out.Errors[0].Extensions["code"] == "QUERY_TOO_COMPLEX"
}

func TestAttacksAreRefused(t *testing.T) {
	h := newTestGraphQL(t)
	for name, body := range attacks() {
		if rec := post(h, body); !refusedTooComplex(rec) {
			t.Errorf("%s: %.300s, want QUERY_TOO_COMPLEX", name, rec.Body)
		}
	}
}

// BenchmarkRefusal measures the server time of refusing each attack: parsing the
// document and pricing it, through the real GraphQL handler.
func BenchmarkRefusal(b *testing.B) {
	h := newTestGraphQL(b)
	for name, body := range attacks() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if rec := post(h, body); !refusedTooComplex(rec) {
					b.Fatalf("not refused: %.300s", rec.Body)
				}
			}
		})
	}
}

// TestLimitsAtTheEdge: what is within each limit passes, inline fragments included
// (they add fields to their selection set, not a level); one more is refused.
func TestLimitsAtTheEdge(t *testing.T) {
	h := newTestGraphQL(t)
	parents := func(n int) string { return strings.Repeat("parent { ", n) + "code" + strings.Repeat(" }", n) }
	alias := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, " a%d: __typename", i)
		}
		return b.String()
	}
	for _, c := range []struct {
		query   string
		refused bool
	}{
		{"{ occupations(level: 4) { " + parents(10) + " } }", false}, // 12 levels
		{"{ occupations(level: 4) { " + parents(11) + " } }", true},
		{"{ occupations(level: 4) { ... on Occupation { " + parents(10) + " } } }", false},
		{"{ occupations(level: 4) { ... @include(if: true) { ... on Occupation { " + parents(10) + " } } } }", false},
		{"{ occupations(level: 4) { ...P } } fragment P on Occupation { " + parents(10) + " }", false},
		{"{ occupations(level: 4) { ...P } } fragment P on Occupation { " + parents(11) + " }", true},
		{"{" + alias(30) + " }", false},
		{"{" + alias(31) + " }", true},
		{"{" + alias(20) + " ... on Query {" + strings.ReplaceAll(alias(10), " a", " b") + " } }", false},
		{"{" + alias(20) + " ... on Query {" + strings.ReplaceAll(alias(11), " a", " b") + " } }", true},
		{"{ x: __typename x: __typename " + strings.Repeat("__typename: __typename ", 40) + "}", false},
	} {
		// Resolvers are absent here: a query that passes the limits fails later, and
		// only QUERY_TOO_COMPLEX is a refusal by the limits.
		if got := refusedTooComplex(post(h, requestBody(c.query, nil))); got != c.refused {
			t.Errorf("%.120s…: refused = %v, want %v", c.query, got, c.refused)
		}
	}
}

// TestDevIntrospectionPasses: with --dev, GraphiQL's introspection query (graphql-js
// getIntrospectionQuery with every option, testdata/introspection.graphql) is within
// the limits: introspection fields are in memory and not priced.
func TestDevIntrospectionPasses(t *testing.T) {
	q, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Dev = true
	logger := slog.New(slog.DiscardHandler)
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	h := newGraphQL(cfg, Deps{Resolver: &graph.Resolver{}, Logger: logger, Registry: reg}, m, newUnauthGuard(cfg, reg, m.rateLimited, logger))
	rec := post(h, requestBody(string(q), nil))
	var out struct {
		Data struct {
			Schema struct {
				Types []struct{ Name string } `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 || len(out.Data.Schema.Types) < 50 {
		t.Errorf("introspection with --dev: %v %.300s", err, rec.Body)
	}
}
