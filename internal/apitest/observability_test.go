package apitest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
)

// TestOperationsAreObservable: per-operation metrics with a bounded operation_name,
// websocket, subscription, import and pool figures, and request log lines that carry
// the operation, error codes, client address (from X-Forwarded-For only behind a
// trusted proxy) and why a token was refused.
func TestOperationsAreObservable(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	cfg := faultServer(10 * time.Second)
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	e := apitest.NewWith(t, apitest.Options{Server: cfg, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	tng := e.AddCenter(t, "TNG", "19")
	tok := tng.Token(t, "publisher")

	e.Do(t, tok, `query Viewer { viewer { subject } }`, nil).NoErrors(t)
	wantMetric(t, e, `laborx_graphql_operations_total{operation_name="Viewer",operation_type="query",outcome="ok"} 1`)
	for i := range 205 {
		e.Do(t, tok, fmt.Sprintf(`query Q%d { viewer { subject } }`, i), nil).NoErrors(t)
	}
	m := metrics(t, e)
	if n := strings.Count(m, "laborx_graphql_operations_total{"); n > 201 || !strings.Contains(m, `operation_name="other"`) {
		t.Errorf("%d operation_name series after 205 distinct names, want at most 200 and other", n)
	}

	csv := "occupation_code,quantity,available_from,destination_province_codes,expected_wage_min,notes\n" +
		"8153,12,2026-12-01,31,7000000,Thợ may\n9999,5,2026-12-15,,,mã nghề sai\n"
	r := e.Do(t, tok, `mutation($in: ImportInput!) { importLaborSupply(input: $in) { createdCount rowCount } }`,
		map[string]any{"in": map[string]any{"csv": csv, "partial": true}})
	r.NoErrors(t)
	wantMetric(t, e, `laborx_import_rows_total{kind="importLaborSupply",result="created"} 1`)
	wantMetric(t, e, `laborx_import_rows_total{kind="importLaborSupply",result="rejected"} 1`)

	apitest.Subscribe(t, e.Server.URL, tok, `subscription { changes { cursor } }`, nil)
	waitUntil(t, "the subscription is counted", func() bool {
		m := metrics(t, e)
		return strings.Contains(m, "\nlaborx_subscriptions_active{kind=\"changes\"} 1\n") && strings.Contains(m, "\nlaborx_websockets_open 1\n")
	})
	for _, line := range []string{`laborx_database_up 1`, `laborx_db_pool_max_conns{pool="keys"} 3`} {
		wantMetric(t, e, line)
	}
	if !strings.Contains(metrics(t, e), `laborx_db_pool_acquired_conns{pool="primary"}`) {
		t.Error("no pool figures for the primary")
	}

	// Behind the trusted proxy the client is the right-most untrusted X-Forwarded-For entry.
	body, _ := json.Marshal(map[string]any{"query": `query Forwarded { viewer { subject } node(id: "not-an-id") { id } }`})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Forwarded-For", "198.51.100.1, 203.0.113.7")
	apitest.Send(t, req)
	line := logLine(t, logs.String(), "Forwarded")
	if codes, _ := line["error_codes"].([]any); line["client_ip"] != "203.0.113.7" || len(codes) == 0 {
		t.Errorf("request log line: %v", line)
	}

	// A refused token's line says why.
	other := e.AddCenter(t, "HPG", "31")
	revoke(t, e, other)
	e.Do(t, other.Token(t, "viewer"), `query Refused { viewer { subject } }`, nil)
	if !strings.Contains(logs.String(), `"auth_failure":"key revoked"`) {
		t.Errorf("no log line gives the refusal's reason")
	}
}

// revoke revokes the center's key as the operator.
func revoke(t *testing.T, e *apitest.Env, c *apitest.Center) {
	t.Helper()
	r := e.Do(t, e.OperatorToken(t), `mutation($in: RevokeCenterKeyInput!) { revokeCenterKey(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"kid": c.KID}})
	r.NoErrors(t)
}

func metrics(t *testing.T, e *apitest.Env) string {
	t.Helper()
	resp, err := http.Get(e.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// logLine finds the request log line of an operation.
func logLine(t *testing.T, logs, operation string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["operation"] == operation {
			return m
		}
	}
	t.Fatalf("no request log line for operation %s in:\n%s", operation, logs)
	return nil
}
