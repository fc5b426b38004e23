package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/proof"
)

// TestAgreementSignAndVerify runs `laborx agreement sign` and `laborx agreement verify`
// as a center and a third party would, on a file in the documented format: the JWS the
// first prints verifies; a changed quota or a foreign JWKS does not (exit status 1).
func TestAgreementSignAndVerify(t *testing.T) {
	dir := t.TempDir()
	priv, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := auth.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "TNG-2026.pem")
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(priv.Public(), "TNG-2026", exchange.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := auth.MarshalJWKS(jwk)
	if err != nil {
		t.Fatal(err)
	}

	terms := map[string]any{"validFrom": "2026-01-01", "validUntil": "2026-12-31",
		"quotas":           []any{map[string]any{"occupationCode": "8211", "workers": 50, "fromCenterCode": "TNG", "toCenterCode": "HPG"}},
		"responsibilities": []any{}, "supportPolicy": "", "notes": "Nhà ở miễn phí"}
	rawTerms, _ := json.Marshal(terms)
	parsed, err := exchange.ParseTermsJSON(rawTerms)
	if err != nil {
		t.Fatal(err)
	}
	const id = "QWdyZWVtZW50OjEyMw"
	hash := exchange.RevisionDocument{AgreementID: id, Revision: 1, Title: "Hợp tác", PartyCodes: []string{"TNG", "HPG"},
		Terms: parsed}.Hash()

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"agreement", "sign", "--key", keyPath, "--hash", hash}, &out, &errOut); err != nil {
		t.Fatalf("agreement sign: %v %s", err, errOut.String())
	}
	jws := strings.TrimSpace(out.String())

	write := func(mutate func(a map[string]any, keys map[string]json.RawMessage)) string {
		a := map[string]any{"id": id, "title": "Hợp tác", "parties": []any{map[string]any{"code": "TNG"}, map[string]any{"code": "HPG"}},
			"revisions": []any{map[string]any{"number": 1, "hashVersion": 2, "termsHash": hash, "terms": terms}},
			"signatures": []any{map[string]any{"center": map[string]any{"code": "TNG"}, "revision": 1, "termsHash": hash,
				"kid": "TNG-2026", "alg": "EdDSA", "jws": jws}}}
		keys := map[string]json.RawMessage{"TNG": jwks}
		if mutate != nil {
			mutate(a, keys)
		}
		b, err := json.Marshal(map[string]any{"agreement": a, "jwks": keys})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "agreement.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	verify := func(path string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"agreement", "verify", path}, &out, &out)
		return out.String(), err
	}
	if got, err := verify(write(nil)); err != nil || !strings.Contains(got, "1 of 1 signatures proven") {
		t.Fatalf("verify: %v\n%s", err, got)
	}
	other, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	otherJWK, _ := auth.PublicJWK(other.Public(), "TNG-2026", exchange.AlgEdDSA)
	otherJWKS, _ := auth.MarshalJWKS(otherJWK)
	for name, mutate := range map[string]func(map[string]any, map[string]json.RawMessage){
		"quota changed": func(a map[string]any, _ map[string]json.RawMessage) {
			terms := a["revisions"].([]any)[0].(map[string]any)["terms"].(map[string]any)
			terms["quotas"] = []any{map[string]any{"occupationCode": "8211", "workers": 500, "fromCenterCode": "TNG", "toCenterCode": "HPG"}}
		},
		"another key under the same kid": func(_ map[string]any, keys map[string]json.RawMessage) { keys["TNG"] = otherJWKS },
	} {
		if got, err := verify(write(mutate)); !errors.Is(err, proof.ErrUnproven) || !strings.Contains(got, "FAILED") {
			t.Errorf("%s: %v\n%s", name, err, got)
		}
	}
}

// TestTokenProof: `laborx token proof` makes what addCenterKey accepts as proof.
func TestTokenProof(t *testing.T) {
	dir := t.TempDir()
	priv, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := auth.MarshalPrivateKeyPEM(priv)
	path := filepath.Join(dir, "TNG-2027.pem")
	if err := os.WriteFile(path, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"token", "proof", "--center", "tng", "--key", path}, &out, &errOut); err != nil {
		t.Fatalf("token proof: %v %s", err, errOut.String())
	}
	if err := auth.VerifyKeyPossession(strings.TrimSpace(out.String()), priv.Public(), exchange.AlgEdDSA, "TNG-2027", "TNG", time.Now()); err != nil {
		t.Fatal(err)
	}
}
