package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

type publicKey interface {
	Equal(crypto.PublicKey) bool
}

func TestKeyRoundTrip(t *testing.T) {
	k := testKeys(t)
	for _, tt := range []struct {
		alg    string
		signer crypto.Signer
	}{
		{"EdDSA", k.ed},
		{"ES256", k.ec},
		{"RS256", k.rsa},
	} {
		t.Run(tt.alg, func(t *testing.T) {
			alg, err := auth.AlgForKey(tt.signer)
			if err != nil || alg != tt.alg {
				t.Fatalf("AlgForKey = %q, %v; want %q", alg, err, tt.alg)
			}

			privPEM, err := auth.MarshalPrivateKeyPEM(tt.signer)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(privPEM), "-----BEGIN PRIVATE KEY-----") {
				t.Errorf("private key PEM starts %q, want PKCS#8", strings.SplitN(string(privPEM), "\n", 2)[0])
			}
			priv, err := auth.ParsePrivateKeyPEM(privPEM)
			if err != nil {
				t.Fatalf("ParsePrivateKeyPEM: %v", err)
			}
			if !priv.Public().(publicKey).Equal(tt.signer.Public()) {
				t.Error("private key changed in a PEM round trip")
			}

			pubPEM, err := auth.MarshalPublicKeyPEM(tt.signer.Public())
			if err != nil {
				t.Fatal(err)
			}
			pub, err := auth.ParsePublicKeyPEM(string(pubPEM), tt.alg)
			if err != nil {
				t.Fatalf("ParsePublicKeyPEM: %v", err)
			}
			if !pub.(publicKey).Equal(tt.signer.Public()) {
				t.Error("public key changed in a PEM round trip")
			}

			// A JWK written by PublicJWK verifies tokens minted by the private key read back.
			jwk, err := auth.PublicJWK(pub, "kid-1", tt.alg)
			if err != nil {
				t.Fatalf("PublicJWK: %v", err)
			}
			jwks, err := auth.MarshalJWKS(jwk)
			if err != nil {
				t.Fatal(err)
			}
			ks, err := auth.ParseJWKS(jwks)
			if err != nil {
				t.Fatalf("ParseJWKS(%s): %v", jwks, err)
			}
			v := auth.NewVerifier(nil, ks, "")
			v.Now = func() time.Time { return now }
			if _, err := v.Verify(context.Background(), mint(t, priv, "kid-1")); err != nil {
				t.Errorf("Verify after round trip: %v", err)
			}
		})
	}
}

// openssl writes SEC 1 and PKCS#1 private keys; laborx token mint --key must read them.
func TestParsePrivateKeyPEMLegacyBlocks(t *testing.T) {
	k := testKeys(t)
	ecDER, err := x509.MarshalECPrivateKey(k.ec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		block *pem.Block
		want  crypto.PublicKey
	}{
		{&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}, k.ec.Public()},
		{&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.rsa)}, k.rsa.Public()},
	} {
		t.Run(tt.block.Type, func(t *testing.T) {
			priv, err := auth.ParsePrivateKeyPEM(pem.EncodeToMemory(tt.block))
			if err != nil {
				t.Fatalf("ParsePrivateKeyPEM: %v", err)
			}
			if !priv.Public().(publicKey).Equal(tt.want) {
				t.Error("parsed a different key")
			}
		})
	}
	if _, err := auth.ParsePrivateKeyPEM([]byte("not a key")); err == nil {
		t.Error("ParsePrivateKeyPEM(garbage) succeeded")
	}
}

func TestParsePublicKeyPEMRefusals(t *testing.T) {
	k := testKeys(t)
	pemOf := func(pub crypto.PublicKey) string {
		b, err := auth.MarshalPublicKeyPEM(pub)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privPEM, err := auth.MarshalPrivateKeyPEM(k.ed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  string
		alg  string
		want string
	}{
		{"Ed25519KeyAsES256", pemOf(k.ed.Public()), "ES256", "ES256 needs an ECDSA P-256 key, not an Ed25519 key"},
		{"ECKeyAsRS256", pemOf(k.ec.Public()), "RS256", "RS256 needs an RSA key, not an ECDSA P-256 key"},
		{"RSAKeyAsEdDSA", pemOf(k.rsa.Public()), "EdDSA", "EdDSA needs an Ed25519 key, not an RSA key"},
		{"RSA1024", pemOf(small.Public()), "RS256", "RSA key has 1024 bits, at least 2048 are required"},
		{"P384", pemOf(p384.Public()), "ES256", "ECDSA curve P-384 is not supported, use P-256"},
		{"HMAC", pemOf(k.ed.Public()), "HS256", `algorithm "HS256" is not supported, use EdDSA, ES256 or RS256`},
		{"None", pemOf(k.ed.Public()), "none", `algorithm "none" is not supported, use EdDSA, ES256 or RS256`},
		{"Garbage", "hello", "EdDSA", "not a PEM-encoded public key"},
		{"PrivateKey", string(privPEM), "EdDSA", "this is a private key: register only its public half"},
		{"TwoKeys", pemOf(k.ed.Public()) + pemOf(k.ed.Public()), "EdDSA", "expected exactly one PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := auth.ParsePublicKeyPEM(tt.pem, tt.alg)
			var e *exchange.Error
			if !errors.As(err, &e) || e.Code != exchange.CodeInvalidKey || e.Message != tt.want {
				t.Fatalf("ParsePublicKeyPEM = %v, %v; want INVALID_KEY %q", pub, err, tt.want)
			}
		})
	}
	// Ed25519 is EdDSA under its RFC 9864 name.
	if _, err := auth.ParsePublicKeyPEM(pemOf(k.ed.Public()), "Ed25519"); err != nil {
		t.Errorf("ParsePublicKeyPEM(alg Ed25519): %v", err)
	}
}

func TestPublicJWKShape(t *testing.T) {
	k := testKeys(t)
	tests := []struct {
		pub  crypto.PublicKey
		alg  string
		want map[string]int // member → length of its base64url text
	}{
		{k.ed.Public(), "EdDSA", map[string]int{"x": 43}},
		{k.ec.Public(), "ES256", map[string]int{"x": 43, "y": 43}},
		{k.rsa.Public(), "RS256", map[string]int{"n": 342, "e": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			j, err := auth.PublicJWK(tt.pub, "k1", tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			if j["kid"] != "k1" || j["alg"] != tt.alg || j["use"] != "sig" {
				t.Errorf("JWK = %v, want kid k1, alg %s, use sig", j, tt.alg)
			}
			for member, n := range tt.want {
				if s, _ := j[member].(string); len(s) != n {
					t.Errorf("member %s = %q, want %d characters", member, s, n)
				}
			}
		})
	}
	if _, err := auth.PublicJWK(k.ed.Public(), "k1", "RS256"); err == nil {
		t.Error("PublicJWK accepted an Ed25519 key as RS256")
	}
}

func TestParseJWKSRefusals(t *testing.T) {
	k := testKeys(t)
	edJWK, err := auth.PublicJWK(k.ed.Public(), "op-ed", "EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	doc := func(keys ...map[string]any) string {
		b, err := auth.MarshalJWKS(keys...)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	with := func(edit func(map[string]any)) string {
		j := map[string]any{}
		for m, v := range edJWK {
			j[m] = v
		}
		edit(j)
		return doc(j)
	}
	tests := []struct {
		name string
		jwks string
		want string
	}{
		{"NotJSON", "{", "parse JWKS"},
		{"NoKeys", doc(), "no keys"},
		{"DuplicateKid", doc(edJWK, edJWK), `kid "op-ed" appears twice`},
		{"NoKid", with(func(j map[string]any) { delete(j, "kid") }), "kid is required"},
		{"PrivateMember", with(func(j map[string]any) { j["d"] = "AAAA" }), "private key material"},
		{"AlgDoesNotFit", with(func(j map[string]any) { j["alg"] = "ES256" }), `alg "ES256" does not fit`},
		{"HMACKey", with(func(j map[string]any) { j["kty"] = "oct" }), `kty "oct"`},
		{"ShortX", with(func(j map[string]any) { j["x"] = "AAAA" }), "member x has 3 bytes, want 32"},
		{"EncryptionKey", with(func(j map[string]any) { j["use"] = "enc" }), `use "enc" is not sig`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := auth.ParseJWKS([]byte(tt.jwks))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseJWKS(%s) = %v, %v; want an error containing %q", tt.jwks, ks, err, tt.want)
			}
		})
	}
	// alg may be absent (it is optional in RFC 7517) or use the RFC 9864 name.
	for _, alg := range []any{nil, "Ed25519"} {
		jwks := with(func(j map[string]any) { j["alg"] = alg })
		if _, err := auth.ParseJWKS([]byte(jwks)); err != nil {
			t.Errorf("ParseJWKS(%s): %v", jwks, err)
		}
	}
}

func TestLoadJWKS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "operators.jwks")
	if err := os.WriteFile(path, testKeys(t).jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := auth.LoadJWKS(path)
	if err != nil {
		t.Fatalf("LoadJWKS: %v", err)
	}
	v := auth.NewVerifier(nil, ks, "")
	v.Now = func() time.Time { return now }
	if _, err := v.Verify(context.Background(), mint(t, testKeys(t).rsa, "op-rsa")); err != nil {
		t.Errorf("Verify with loaded keys: %v", err)
	}
	if _, err := auth.LoadJWKS(filepath.Join(t.TempDir(), "missing.jwks")); err == nil {
		t.Error("LoadJWKS(missing file) succeeded")
	}
}

func TestMintRefusals(t *testing.T) {
	k := testKeys(t)
	ok := auth.Claims{Issuer: "BKN", Subject: "u1", Roles: []string{"publisher"}, TTL: time.Hour}
	tests := []struct {
		name string
		kid  string
		edit func(*auth.Claims)
		want string
	}{
		{"NoKid", "", func(*auth.Claims) {}, "kid is required"},
		{"NoSubject", "k1", func(c *auth.Claims) { c.Subject = "" }, "issuer and subject are required"},
		{"TTLOver1h", "k1", func(c *auth.Claims) { c.TTL = time.Hour + time.Second }, "ttl 1h0m1s is not between"},
		{"NoTTL", "k1", func(c *auth.Claims) { c.TTL = 0 }, "ttl 0s is not between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			tok, err := auth.Mint(k.ed, tt.kid, c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Mint = %q, %v; want an error containing %q", tok, err, tt.want)
			}
		})
	}
}
