package apitest_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/laborx/laborx/internal/auth"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/postgres"
)

func TestViewerAndReferenceData(t *testing.T) {
	t.Parallel()
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

func TestCenterOperationsAreOperatorOnly(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	r := e.Do(t, tng.Token(t, "coordinator"), `mutation { registerCenter(input: {code: "BKN", name: "x", provinceCode: "19"}) { center { code } userErrors { code } } }`, nil)
	if got := r.UserErrorCodes("registerCenter"); len(got) != 1 || got[0] != "FORBIDDEN" {
		t.Errorf("userErrors = %v, want [FORBIDDEN]: %s", got, r.Raw)
	}
	if got := r.ErrorCodes(); len(got) != 1 || got[0] != "FORBIDDEN" {
		t.Errorf("errors = %v, want [FORBIDDEN]", got)
	}
	if r.Get("registerCenter.center") != nil {
		t.Errorf("a center came back: %s", r.Raw)
	}
	r = e.Do(t, e.OperatorToken(t), `{ centers { totalCount } }`, nil)
	if got := r.Int(t, "centers.totalCount"); got != 1 {
		t.Errorf("totalCount = %d after a refused registration, want 1", got)
	}
}

func TestRegisterCenterValidation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.AddCenter(t, "TNG", "19")
	op := e.OperatorToken(t)
	const m = `mutation($in: RegisterCenterInput!) { registerCenter(input: $in) { center { code } userErrors { field code message } } }`
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"lower-case code", map[string]any{"code": "bkn", "name": "x", "provinceCode": "19"}, "INVALID"},
		{"one-letter code", map[string]any{"code": "B", "name": "x", "provinceCode": "19"}, "INVALID"},
		{"dissolved province", map[string]any{"code": "BKN", "name": "x", "provinceCode": "06"}, "PROVINCE_DISSOLVED"},
		{"unknown province", map[string]any{"code": "BKN", "name": "x", "provinceCode": "99"}, "UNKNOWN_PROVINCE"},
		{"bad e-mail", map[string]any{"code": "BKN", "name": "x", "provinceCode": "19", "email": "nope"}, "INVALID"},
		{"code taken", map[string]any{"code": "TNG", "name": "x", "provinceCode": "19"}, "TAKEN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, op, m, map[string]any{"in": tc.in})
			if got := r.UserErrorCodes("registerCenter"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("userErrors = %v, want [%s]: %s", got, tc.want, r.Raw)
			}
		})
	}
	r := e.Do(t, op, m, map[string]any{"in": map[string]any{"code": "BKN", "name": "x", "provinceCode": "06"}})
	if msg := r.String(t, "registerCenter.userErrors.0.message"); !strings.Contains(msg, "Thái Nguyên (19)") {
		t.Errorf("PROVINCE_DISSOLVED message %q does not name the successor", msg)
	}
}

func TestRegisterCenterIdempotentUnderParallelRequests(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	op := e.OperatorToken(t)
	const m = `mutation($in: RegisterCenterInput!) { registerCenter(input: $in) { center { id } userErrors { code } } }`
	in := map[string]any{"idempotencyKey": "k-1", "code": "BKN", "name": "Bắc Kạn", "provinceCode": "19"}
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, op, m, map[string]any{"in": in})
			r.NoErrors(t)
			ids[i] = r.String(t, "registerCenter.center.id")
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("parallel retries returned different centers: %v", ids)
		}
	}
	in2 := map[string]any{"idempotencyKey": "k-1", "code": "CBG", "name": "Cao Bằng", "provinceCode": "04"}
	r := e.Do(t, op, m, map[string]any{"in": in2})
	if got := r.UserErrorCodes("registerCenter"); len(got) != 1 || got[0] != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("reused key with other input: userErrors = %v", got)
	}
	if n := e.Do(t, op, `{ centers { totalCount } }`, nil).Int(t, "centers.totalCount"); n != 1 {
		t.Errorf("%d centers exist, want 1", n)
	}
}

func TestUpdateCenterVersionConflictUnderParallelRequests(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.AddCenter(t, "TNG", "19")
	op := e.OperatorToken(t)
	const m = `mutation($in: UpdateCenterInput!) { updateCenter(input: $in) { center { name version } userErrors { code } } }`
	var mu sync.Mutex
	results := map[string]int{}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(t, op, m, map[string]any{"in": map[string]any{"centerCode": "TNG", "name": fmt.Sprintf("name %d", i), "expectedVersion": 1}})
			code := "OK"
			if ue := r.UserErrorCodes("updateCenter"); len(ue) > 0 {
				code = ue[0]
			}
			mu.Lock()
			results[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if results["OK"] != 1 || results["VERSION_CONFLICT"] != 9 {
		t.Errorf("results = %v, want 1 OK and 9 VERSION_CONFLICT", results)
	}
}

func TestNodeAccess(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	hpg := e.AddCenter(t, "HPG", "31")
	r := e.Do(t, e.OperatorToken(t), `{ center(code: "TNG") { keys { id } } }`, nil)
	keyID := r.String(t, "center.keys.0.id")

	t.Run("a center is visible to every center", func(t *testing.T) {
		r := e.Do(t, hpg.Token(t, "viewer"), `query($id: ID!) { node(id: $id) { ... on Center { code } } }`, map[string]any{"id": tng.ID})
		r.NoErrors(t)
		if got := r.String(t, "node.code"); got != "TNG" {
			t.Errorf("node.code = %q", got)
		}
	})
	t.Run("the owner sees its key", func(t *testing.T) {
		r := e.Do(t, tng.Token(t, "viewer"), `query($id: ID!) { node(id: $id) { ... on CenterKey { kid } } }`, map[string]any{"id": keyID})
		r.NoErrors(t)
	})
	t.Run("another center gets NOT_FOUND for a key", func(t *testing.T) {
		r := e.Do(t, hpg.Token(t, "coordinator"), `query($id: ID!) { node(id: $id) { ... on CenterKey { kid publicKeyPem } } }`, map[string]any{"id": keyID})
		assertNotFound(t, r, "node")
		r = e.Do(t, hpg.Token(t, "coordinator"), `{ center(code: "TNG") { keys { kid } } }`, nil)
		if n := r.Len("center.keys"); n != 0 {
			t.Errorf("HPG sees %d of TNG's keys", n)
		}
	})
	t.Run("nodes returns null in place for what the caller may not see", func(t *testing.T) {
		r := e.Do(t, hpg.Token(t, "viewer"), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{tng.ID, keyID, "bm9wZQ"}})
		list, _ := r.Get("nodes").([]any)
		if len(list) != 3 || list[0] == nil || list[1] != nil || list[2] != nil {
			t.Errorf("nodes = %v, want [center, null, null]", list)
		}
		if codes := r.ErrorCodes(); len(codes) != 2 || codes[0] != "NOT_FOUND" || codes[1] != "NOT_FOUND" {
			t.Errorf("errors = %v, want two NOT_FOUND", codes)
		}
	})
	t.Run("a malformed ID reads as NOT_FOUND", func(t *testing.T) {
		assertNotFound(t, e.Do(t, tng.Token(t, "viewer"), `{ node(id: "garbage!") { id } }`, nil), "node")
	})
}

// assertNotFound checks a field is null with exactly one NOT_FOUND error and no data leaked.
func assertNotFound(t *testing.T, r *apitest.Response, field string) {
	t.Helper()
	if r.Get(field) != nil {
		t.Errorf("%s = %v, want null", field, r.Get(field))
	}
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "NOT_FOUND" {
		t.Errorf("errors = %v, want [NOT_FOUND]: %s", codes, r.Raw)
	}
}

func TestAddCenterKeyRefusesBadKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.AddCenter(t, "TNG", "19")
	op := e.OperatorToken(t)
	const m = `mutation($in: AddCenterKeyInput!) { addCenterKey(input: $in) { centerKey { kid } userErrors { field code } } }`
	cases := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"not PEM", map[string]any{"centerCode": "TNG", "kid": "k1", "alg": "EdDSA", "publicKeyPem": "hello"}, "INVALID_KEY"},
		{"HMAC algorithm", map[string]any{"centerCode": "TNG", "kid": "k1", "alg": "HS256", "publicKeyPem": "hello"}, "INVALID_KEY"},
		{"unknown center", map[string]any{"centerCode": "ZZZ", "kid": "k1", "alg": "EdDSA", "publicKeyPem": edPublicPEM(t)}, "UNKNOWN_CENTER"},
		{"kid taken", map[string]any{"centerCode": "TNG", "kid": "TNG-test", "alg": "EdDSA", "publicKeyPem": edPublicPEM(t)}, "TAKEN"},
		{"ES256 claimed for an Ed25519 key", map[string]any{"centerCode": "TNG", "kid": "k1", "alg": "ES256", "publicKeyPem": edPublicPEM(t)}, "INVALID_KEY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, op, m, map[string]any{"in": tc.in})
			if got := r.UserErrorCodes("addCenterKey"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("userErrors = %v, want [%s]: %s", got, tc.want, r.Raw)
			}
		})
	}
}

func edPublicPEM(t *testing.T) string {
	k, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	b, err := auth.MarshalPublicKeyPEM(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(e.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// In order: /metrics counts the requests before it.
	for _, c := range []struct{ path, want string }{{"/healthz", "ok"}, {"/readyz", "ready"}, {"/metrics", "laborx_http_requests_total"}} {
		status, body := get(c.path)
		if status != http.StatusOK || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", c.path, status, body, c.want)
		}
	}
	// A pending migration makes the instance not ready.
	// Migrations run as the tables' owner, not as the service.
	owner, err := sql.Open("pgx", e.OwnerDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	m, err := postgres.NewMigrator(owner, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, body := get("/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "migrations pending") {
		t.Errorf("GET /readyz with a pending migration = %d %q, want 503", status, body)
	}
}

func TestUpdateCenterContactFields(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	e.AddCenter(t, "TNG", "19")
	op := e.OperatorToken(t)
	const m = `mutation($in: UpdateCenterInput!) { updateCenter(input: $in) { center { name email phone } userErrors { code } } }`
	update := func(in map[string]any) *apitest.Response {
		in["centerCode"] = "TNG"
		r := e.Do(t, op, m, map[string]any{"in": in})
		r.NoErrors(t)
		return r
	}
	r := update(map[string]any{"email": "vieclam@tng.example.vn", "phone": "02083855000"})
	if r.Get("updateCenter.center.email") != "vieclam@tng.example.vn" || r.Get("updateCenter.center.phone") != "02083855000" {
		t.Errorf("set: %s", r.Raw)
	}
	r = update(map[string]any{"name": "Trung tâm mới"}) // absent fields stay
	if r.Get("updateCenter.center.email") != "vieclam@tng.example.vn" || r.Get("updateCenter.center.phone") != "02083855000" {
		t.Errorf("keep: %s", r.Raw)
	}
	r = update(map[string]any{"email": ""}) // "" clears; phone stays
	if r.Get("updateCenter.center.email") != nil || r.Get("updateCenter.center.phone") != "02083855000" {
		t.Errorf("clear: %s", r.Raw)
	}
}
