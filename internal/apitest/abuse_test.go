package apitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/server"
)

// The TestAbuse_ tests are the catalogue of issue 9: each tries one way to take the
// exchange down or make it leak, as an attacker holding a viewer token would.

// abuseEnv is an exchange with one center and a tracer that counts each request's SQL
// statements, so a test can assert that a refused query ran no SQL beyond verifying
// its token.
type abuseEnv struct {
	*apitest.Env
	viewer string
	sql    *statementsByRequest
}

func newAbuseEnv(t *testing.T) *abuseEnv {
	sql := &statementsByRequest{n: map[string]int{}}
	e := apitest.NewWith(t, apitest.Options{QueryTracer: sql})
	return &abuseEnv{Env: e, viewer: e.AddCenter(t, "TNG", "19").Token(t, "viewer"), sql: sql}
}

// statementsByRequest counts SQL statements by the request id in their context.
type statementsByRequest struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *statementsByRequest) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[exchange.RequestID(ctx)]++
	return ctx
}

func (s *statementsByRequest) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statementsByRequest) of(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[id]
}

// post sends query with the viewer token and a fresh request id, and returns the
// response with the number of SQL statements it ran.
func (a *abuseEnv) post(t *testing.T, query string, vars map[string]any) (*apitest.Response, int) {
	t.Helper()
	id := strconv.FormatInt(requestIDs.Add(1), 10) + "-abuse"
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.viewer)
	req.Header.Set("X-Request-Id", id)
	r := apitest.Send(t, req)
	return r, a.sql.of(id)
}

var requestIDs atomic.Int64

// refused asserts that query is refused with code, without data, and runs no more SQL
// than verifying the token of a `{ __typename }` does.
func (a *abuseEnv) refused(t *testing.T, code, query string, vars map[string]any) *apitest.Response {
	t.Helper()
	ok, baseline := a.post(t, `{ __typename }`, nil)
	ok.NoErrors(t)
	r, n := a.post(t, query, vars)
	if r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != code {
		t.Fatalf("got status %d %.400s, want only %s and no data", r.Status, r.Raw, code)
	}
	if n > baseline {
		t.Errorf("the refused query ran %d SQL statements, verifying a token alone runs %d", n, baseline)
	}
	return r
}

// nested is field { field { … { leaf } } }, levels fields deep.
func nested(field string, levels int, leaf string) string {
	return strings.Repeat(field+" { ", levels) + leaf + strings.Repeat(" }", levels)
}

func TestAbuse_Depth20(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	// occupations { parent { parent { … { code } } } }: 20 levels.
	q := "{ occupations(level: 4) { " + nested("parent", 18, "code") + " } }"
	r := a.refused(t, "QUERY_TOO_COMPLEX", q, nil)
	if !strings.Contains(r.Errors[0].Message, "12 levels") {
		t.Errorf("message %q does not name the depth limit", r.Errors[0].Message)
	}
	// 12 levels are allowed.
	a.Do(t, a.viewer, "{ occupations(level: 4) { "+nested("parent", 10, "code")+" } }", nil).NoErrors(t)
}

// TestAbuse_ExponentialNesting: the attacks of the issue, each well under the depth
// limit, are priced by every list they open.
func TestAbuse_ExponentialNesting(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	for _, q := range []string{
		`{ occupations(level:4) { parent { children { parent { children { parent { children { parent { children { code }}}}}}}}}}`,
		// mergedFrom { successor { … } } doubles per level: the depth limit bounds it.
		"{ provinces(includeLegacy: true) { " + strings.Repeat("mergedFrom { successor { ", 7) + "code" + strings.Repeat(" } }", 7) + " } }",
		`{ occupations { children { children { children { code } } } } }`,
	} {
		a.refused(t, "QUERY_TOO_COMPLEX", q, nil)
	}
	// The everyday shapes pass.
	a.Do(t, a.viewer, `{ occupations(level: 1) { code children { code titleVi } } provinces { code mergedFrom { code name } } }`, nil).NoErrors(t)
}

func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	return b.String()
}

func TestAbuse_500Aliases(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	r := a.refused(t, "QUERY_TOO_COMPLEX", "{"+aliases(500, "occupations { code titleEn titleVi }")+" }", nil)
	if !strings.Contains(r.Errors[0].Message, "30") {
		t.Errorf("message %q does not name the alias limit", r.Errors[0].Message)
	}
	// 30 cheap aliases are allowed.
	a.Do(t, a.viewer, "{"+aliases(30, "viewer { subject }")+" }", nil).NoErrors(t)
}

func TestAbuse_AliasesInFragments(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	// 100 aliases hidden in a fragment, and 20 + 20 spread over two fragments and an
	// inline fragment of the same selection set.
	a.refused(t, "QUERY_TOO_COMPLEX", "query { ...F } fragment F on Query {"+aliases(100, "viewer { subject }")+" }", nil)
	a.refused(t, "QUERY_TOO_COMPLEX", "query { ...F ... on Query {"+aliases(20, "viewer { roles }")+
		" } } fragment F on Query {"+strings.ReplaceAll(aliases(20, "viewer { subject }"), " a", " b")+" }", nil)
	// Deep nesting through fragments counts too.
	a.refused(t, "QUERY_TOO_COMPLEX", `{ occupations(level: 4) { ...P } }
		fragment P on Occupation { parent { children { parent { children { parent { children { code } } } } } } }`, nil)
}

func TestAbuse_100kDirectives(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	a.refused(t, "QUERY_TOO_COMPLEX", "{ __typename"+strings.Repeat(" @include(if: true)", 100_000)+" }", nil)
	a.refused(t, "QUERY_TOO_COMPLEX", "{ __typename"+strings.Repeat(" @a", 100_000)+" }", nil)
}

// TestAbuse_2MBBody: a 2 MB query document is refused before parsing; a 2 MB body
// that is not JSON is refused without being echoed back.
func TestAbuse_2MBBody(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	a.refused(t, "QUERY_TOO_COMPLEX", "{ __typename }"+strings.Repeat("#", 2<<20), nil)
	a.refused(t, "QUERY_TOO_COMPLEX", "{ viewer { "+strings.Repeat("subject ", 2<<20/8)+"} }", nil)

	body := `{"query": "{ __typename }", "variables": {"x": "` + strings.Repeat("y", 2<<20) // never closed
	req, _ := http.NewRequest(http.MethodPost, a.Server.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.viewer)
	r := apitest.Send(t, req)
	if r.Status != http.StatusBadRequest || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" {
		t.Errorf("2 MB of broken JSON: status %d %.300s, want 400 BAD_USER_INPUT", r.Status, r.Raw)
	}
	if len(r.Raw) > 1024 || strings.Contains(string(r.Raw), "yyyy") {
		t.Errorf("the error echoes the body (%d bytes): %.300s", len(r.Raw), r.Raw)
	}
}

func TestAbuse_FirstMillion(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	a.refused(t, "QUERY_TOO_COMPLEX", `{ laborDemands(first: 1000000) { edges { node { id title } } } }`, nil)
	a.refused(t, "QUERY_TOO_COMPLEX", `query($n: Int) { laborSupplies(first: $n) { edges { node { id } } } }`, map[string]any{"n": 1000000})
	a.refused(t, "QUERY_TOO_COMPLEX", `{ changes(first: 1000000) { edges { cursor } } }`, nil)
}

func TestAbuse_Nodes101(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = "nope"
	}
	r := a.refused(t, "QUERY_TOO_COMPLEX", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
	if !strings.Contains(r.Errors[0].Message, "100") {
		t.Errorf("message %q does not name the limit", r.Errors[0].Message)
	}
	literal := `["` + strings.Join(ids, `","`) + `"]`
	a.refused(t, "QUERY_TOO_COMPLEX", `{ nodes(ids: `+literal+`) { id } }`, nil)
	// 100 IDs are answered (each a NOT_FOUND here).
	r = a.Do(t, a.viewer, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids[:100]})
	if r.Len("nodes") != 100 {
		t.Errorf("100 IDs: %.300s", r.Raw)
	}
}

func TestAbuse_BatchedArrayBody(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	batch := "[" + strings.Repeat(`{"query": "{ occupations { code } }"},`, 999) + `{"query": "{ __typename }"}]`
	r := postRaw(t, a.Env, a.viewer, batch)
	if r.Status != http.StatusBadRequest || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" ||
		!strings.Contains(r.Errors[0].Message, "batched") {
		t.Errorf("a batch of 1000: status %d %.300s, want 400 BAD_USER_INPUT saying batching is not supported", r.Status, r.Raw)
	}
}

// TestAbuse_IntrospectionWithoutDev: a scanner's introspection query is refused with
// its own code and an INFO log line, not an INTERNAL error logged at ERROR.
func TestAbuse_IntrospectionWithoutDev(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := apitest.NewWith(t, apitest.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	tok := e.AddCenter(t, "TNG", "19").Token(t, "viewer")
	for _, q := range []string{
		`{ __schema { types { name } } }`,
		`{ __typename __schema { queryType { name } } }`,
		`query { ...I } fragment I on Query { s: __schema { queryType { name } } }`,
	} {
		r := e.Do(t, tok, q, nil)
		if r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "FORBIDDEN" ||
			r.Errors[0].Message != "introspection is disabled; run `laborx schema` to get the SDL" {
			t.Errorf("%s: %s, want FORBIDDEN saying how to get the SDL", q, r.Raw)
		}
	}
	e.Do(t, tok, `{ __typename }`, nil).NoErrors(t) // not introspection
	// __type answers null for every name, as for a type that does not exist.
	for _, name := range []string{"Worker", "Query", "NoSuchType"} {
		r := e.Do(t, tok, `query($n: String!) { __type(name: $n) { name fields { name } } }`, map[string]any{"n": name})
		r.NoErrors(t)
		if v, ok := r.Data["__type"]; !ok || v != nil {
			t.Errorf("__type(name: %q) = %s, want null", name, r.Raw)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"INFO","msg":"introspection refused"`) || strings.Contains(out, `"level":"ERROR"`) {
		t.Errorf("want INFO lines and no ERROR:\n%s", out)
	}
	// With --dev introspection answers.
	cfg := server.DefaultConfig()
	cfg.Dev, cfg.RateLimit = true, 0
	_, dev := e.NewInstance(t, apitest.Options{Server: &cfg})
	apitest.Post(t, dev.URL, tok, `{ __schema { queryType { name } } }`, nil).NoErrors(t)
}

// TestAbuse_MisspelledFieldAndEnum: validation errors name what is wrong but never
// suggest what exists, for fields, arguments, input fields, enum values and types.
func TestAbuse_MisspelledFieldAndEnum(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	for _, c := range []struct {
		query string
		vars  map[string]any
	}{
		{`{ laborDemandz { totalCount } }`, nil},
		{`{ laborDemands { edges { node { titel } } } }`, nil},
		{`{ laborDemands(fliter: {}) { totalCount } }`, nil},
		{`{ laborDemands(filter: {statuses: [OPN]}) { totalCount } }`, nil},
		{`{ laborDemands(filter: {txt: "may"}) { totalCount } }`, nil},
		{`{ laborDemands(order: NEWES) { totalCount } }`, nil},
		{`query($f: LaborDemandFiltr) { laborDemands(filter: $f) { totalCount } }`, nil},
		{`query($s: [DemandStatus!]) { laborDemands(filter: {statuses: $s}) { totalCount } }`, map[string]any{"s": []string{"OPN"}}},
		{`{ viewer { center { ... on Centr { code } } } }`, nil},
		{`{ viewer @skp(if: true) { subject } }`, nil},
	} {
		r, _ := a.post(t, c.query, c.vars)
		if len(r.Errors) == 0 || r.Data != nil {
			t.Errorf("%s: %s, want a validation error", c.query, r.Raw)
			continue
		}
		if strings.Contains(string(r.Raw), "Did you mean") || strings.Contains(string(r.Raw), "OPEN") ||
			strings.Contains(string(r.Raw), `"filter"`) || strings.Contains(string(r.Raw), "NEWEST") {
			t.Errorf("%s: the error suggests the schema: %s", c.query, r.Raw)
		}
	}
}

func TestAbuse_GetMutation(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	get := func(query string) *apitest.Response {
		req, _ := http.NewRequest(http.MethodGet, a.Server.URL+"/graphql?query="+url.QueryEscape(query), nil)
		req.Header.Set("Authorization", "Bearer "+a.viewer)
		return apitest.Send(t, req)
	}
	r := get(`mutation { suspendCenter(input: {centerCode: "TNG", reason: "probe"}) { userErrors { code } } }`)
	if r.Status != http.StatusMethodNotAllowed || r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" {
		t.Errorf("GET mutation: status %d %s, want 405 BAD_USER_INPUT", r.Status, r.Raw)
	}
	// A query over GET is served.
	if r := get(`{ viewer { center { code } } }`); r.Status != http.StatusOK || r.Get("viewer.center.code") != "TNG" {
		t.Errorf("GET query: status %d %s", r.Status, r.Raw)
	}
	// A subscription over plain HTTP would hold the request open: websocket only.
	r, _ = a.post(t, `subscription { laborDemandPublished { id } }`, nil)
	if r.Status != http.StatusBadRequest || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" {
		t.Errorf("subscription over POST: status %d %s, want 400 BAD_USER_INPUT", r.Status, r.Raw)
	}
}

// TestAbuse_TextPlainPost: a form or text/plain POST, which a browser sends
// cross-site without a preflight, is refused before GraphQL reads it.
func TestAbuse_TextPlainPost(t *testing.T) {
	t.Parallel()
	a := newAbuseEnv(t)
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "", "application/json; charset=latin1"} {
		req, _ := http.NewRequest(http.MethodPost, a.Server.URL+"/graphql", strings.NewReader(`{"query": "{ __typename }"}`))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+a.viewer)
		r := apitest.Send(t, req)
		if r.Status != http.StatusUnsupportedMediaType || r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" {
			t.Errorf("Content-Type %q: status %d %s, want 415 BAD_USER_INPUT", ct, r.Status, r.Raw)
		}
	}
}
