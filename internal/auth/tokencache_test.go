package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
)

// A token verified once is accepted again from the verified-token cache only while
// what can change still holds: a cached token is refused once it expires, and once
// its kid names another key than the one whose signature was checked.
func TestVerifyAgain(t *testing.T) {
	k := testKeys(t)
	token := mint(t, k.ed, "op-ed") // 15 minutes from now
	clock := now
	v := newVerifier(t)
	v.Now = func() time.Time { return clock }
	accepted := func(t *testing.T) {
		t.Helper()
		for range 2 {
			if p, err := v.Verify(context.Background(), token); err != nil || p.Subject != "ops-1" {
				t.Fatalf("Verify = %+v, %v", p, err)
			}
		}
	}

	t.Run("ErrExpired", func(t *testing.T) {
		accepted(t)
		clock = now.Add(20 * time.Minute)
		defer func() { clock = now }()
		p, err := v.Verify(context.Background(), token)
		assertRefused(t, p, err, "token expired")
	})

	t.Run("ErrKidNowAnotherKey", func(t *testing.T) {
		accepted(t)
		other, err := auth.GenerateEd25519()
		if err != nil {
			t.Fatal(err)
		}
		jwk, err := auth.PublicJWK(other.Public(), "op-ed", "EdDSA")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := auth.MarshalJWKS(jwk)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := auth.ParseJWKS(doc)
		if err != nil {
			t.Fatal(err)
		}
		before := v.Operators
		v.Operators = keys
		defer func() { v.Operators = before }()
		p, err := v.Verify(context.Background(), token)
		assertRefused(t, p, err, "invalid signature")
	})

	accepted(t)
}
