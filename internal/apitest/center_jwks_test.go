package apitest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
)

// TestCenterJWKS: a center's JWKS document is public, lists the keys usable now,
// drops a revoked key at once, and is 404 for an unknown center.
func TestCenterJWKS(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	e.AddCenter(t, "HPG", "31")
	get := func(code string) (int, []map[string]any) {
		t.Helper()
		resp, err := http.Get(e.Server.URL + "/.well-known/centers/" + code + "/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Keys []map[string]any `json:"keys"`
		}
		if resp.StatusCode == http.StatusOK {
			if ct := resp.Header.Get("Content-Type"); ct != "application/jwk-set+json" {
				t.Errorf("Content-Type %q", ct)
			}
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, doc.Keys
	}
	status, keys := get("TNG")
	if status != http.StatusOK || len(keys) != 1 || keys[0]["kid"] != tng.KID || keys[0]["kty"] != "OKP" ||
		keys[0]["crv"] != "Ed25519" || keys[0]["x"] == nil || keys[0]["d"] != nil {
		t.Fatalf("TNG JWKS: %d %v", status, keys)
	}
	if status, _ := get("XYZ"); status != http.StatusNotFound {
		t.Fatalf("unknown center: %d", status)
	}
	r := e.Do(t, e.OperatorToken(t), `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) { userErrors { code } } }`,
		map[string]any{"kid": tng.KID})
	r.NoErrors(t)
	if status, keys := get("tng"); status != http.StatusOK || len(keys) != 0 {
		t.Fatalf("TNG JWKS after revocation: %d %v", status, keys)
	}
}
