//go:build audit

package apitest_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/server"
)

// TestGraphQLHTTPAudit runs the graphql-http audit (npm graphql-http, auditServer)
// against a real server with a viewer token and wants every audit ok. It needs node
// and the npm package, so it is built only with -tags audit; .ci/run installs the
// package into a temporary folder and runs it.
// The server runs as in production (no --dev): the audits that query __type get null.
func TestGraphQLHTTPAudit(t *testing.T) {
	dir := os.Getenv("LABORX_GRAPHQL_HTTP")
	if dir == "" {
		t.Fatal("LABORX_GRAPHQL_HTTP is not set: run `d=$(mktemp -d) && npm install --prefix $d graphql-http graphql && " +
			"LABORX_GRAPHQL_HTTP=$d go test -tags audit -run TestGraphQLHTTPAudit ./internal/apitest/` (.ci/run does)")
	}
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.UnauthRate = 0, 0
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	tok := e.AddCenter(t, "TNG", "19").Token(t, "viewer")
	script, err := filepath.Abs("testdata/graphql-http-audit.cjs")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, e.Server.URL+"/graphql", tok)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node audit: %v\n%s", err, out)
	}
	var res struct {
		Counts   map[string]int    `json:"counts"`
		Problems []json.RawMessage `json:"problems"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("audit output: %v\n%s", err, out)
	}
	t.Logf("graphql-http audit: %d ok, %d notice, %d warn, %d error",
		res.Counts["ok"], res.Counts["notice"], res.Counts["warn"], res.Counts["error"])
	if res.Counts["ok"] != 61 || len(res.Problems) != 0 {
		for _, p := range res.Problems {
			t.Errorf("audit: %s", p)
		}
		t.Errorf("counts %v, want 61 ok and nothing else", res.Counts)
	}
}
