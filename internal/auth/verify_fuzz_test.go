package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// FuzzVerify: whatever a client sends as a token, the verifier answers a principal or
// UNAUTHENTICATED, and nothing panics. The corpus starts from a valid operator token,
// so the fuzzer mutates headers, claims and signatures of a real one.
func FuzzVerify(f *testing.F) {
	key, err := auth.GenerateEd25519()
	if err != nil {
		f.Fatal(err)
	}
	jwk, err := auth.PublicJWK(key.Public(), "op-ed", "EdDSA")
	if err != nil {
		f.Fatal(err)
	}
	doc, err := auth.MarshalJWKS(jwk)
	if err != nil {
		f.Fatal(err)
	}
	ks, err := auth.ParseJWKS(doc)
	if err != nil {
		f.Fatal(err)
	}
	v := auth.NewVerifier(nil, ks, "")
	v.Now = func() time.Time { return now }
	valid, err := auth.Mint(key, "op-ed", auth.Claims{Issuer: auth.OperatorIssuer, Subject: "ops-1",
		Roles: []string{"operator"}, TTL: 15 * time.Minute, IssuedAt: now})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(context.Background(), token)
		switch {
		case err != nil && exchange.ErrorCode(err) != exchange.CodeUnauthenticated:
			t.Fatalf("Verify: %v, want UNAUTHENTICATED", err)
		case err == nil && (p == nil || p.Subject == ""):
			t.Fatalf("Verify accepted %q as %+v", token, p)
		}
	})
}
