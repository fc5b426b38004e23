package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// now is the verifier's clock in these tests.
var now = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// keys are real operator keys, generated once: RSA generation is slow.
type keys struct {
	ed  ed25519.PrivateKey
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
	// jwks is the operator JWKS document holding their public halves.
	jwks []byte
}

var (
	keysOnce sync.Once
	keysVal  keys
	keysErr  error
)

func testKeys(t *testing.T) keys {
	t.Helper()
	keysOnce.Do(func() { keysVal, keysErr = generateKeys() })
	if keysErr != nil {
		t.Fatalf("generate keys: %v", keysErr)
	}
	return keysVal
}

func generateKeys() (keys, error) {
	var k keys
	var err error
	if k.ed, err = auth.GenerateEd25519(); err != nil {
		return k, err
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return k, err
	}
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return k, err
	}
	var jwks []map[string]any
	for _, j := range []struct {
		pub      any
		kid, alg string
	}{
		{k.ed.Public(), "op-ed", "EdDSA"},
		{k.ec.Public(), "op-ec", "ES256"},
		{k.rsa.Public(), "op-rsa", "RS256"},
	} {
		m, err := auth.PublicJWK(j.pub, j.kid, j.alg)
		if err != nil {
			return k, err
		}
		jwks = append(jwks, m)
	}
	k.jwks, err = auth.MarshalJWKS(jwks...)
	return k, err
}

// newVerifier returns a verifier that knows the operator keys from a parsed JWKS
// document and no center keys.
func newVerifier(t *testing.T) *auth.Verifier {
	t.Helper()
	ks, err := auth.ParseJWKS(testKeys(t).jwks)
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	v := auth.NewVerifier(nil, ks, "")
	v.Now = func() time.Time { return now }
	return v
}

// claims returns valid operator claims changed by edit.
func claims(edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":   "operator",
		"sub":   "ops-1",
		"aud":   []string{"laborx"},
		"iat":   now.Unix(),
		"exp":   now.Add(15 * time.Minute).Unix(),
		"roles": []string{"operator"},
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// sign builds a token by hand, so tests can make tokens Mint refuses to make.
func sign(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s token: %v", method.Alg(), err)
	}
	return s
}

// mint signs valid operator claims with Mint, as `laborx token mint --operator` would.
func mint(t *testing.T, signer crypto.Signer, kid string) string {
	t.Helper()
	tok, err := auth.Mint(signer, kid, auth.Claims{
		Issuer:   auth.OperatorIssuer,
		Subject:  "ops-1",
		Roles:    []string{"operator"},
		TTL:      15 * time.Minute,
		IssuedAt: now,
		ID:       "jti-1",
	})
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

func TestVerify(t *testing.T) {
	k := testKeys(t)
	ed, es256, rs256 := jwt.GetSigningMethod("EdDSA"), jwt.GetSigningMethod("ES256"), jwt.GetSigningMethod("RS256")
	kid := func(id string) map[string]any { return map[string]any{"kid": id} }
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	pubPEM, err := auth.MarshalPublicKeyPEM(k.ed.Public())
	if err != nil {
		t.Fatal(err)
	}
	valid := mint(t, k.ed, "op-ed")
	otherSig := sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["sub"] = "someone-else" }))
	tampered := valid[:strings.LastIndex(valid, ".")] + otherSig[strings.LastIndex(otherSig, "."):]

	tests := []struct {
		name  string
		token string
		want  string // the refusal message; empty when the token must be accepted
	}{
		{"OK EdDSA", valid, ""},
		{"OK header alg Ed25519", sign(t, jwt.GetSigningMethod("Ed25519"), k.ed, kid("op-ed"), claims(nil)), ""},
		{"OK ES256", mint(t, k.ec, "op-ec"), ""},
		{"OK RS256", mint(t, k.rsa, "op-rsa"), ""},
		{"OK aud as a string", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["aud"] = "laborx" })), ""},
		{"OK expired 10s ago", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = at(-30*time.Minute), at(-10*time.Second)
		})), ""},
		{"OK nbf 10s ahead", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["nbf"] = at(10 * time.Second) })), ""},
		{"OK lifetime exactly 1h", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["exp"] = at(time.Hour) })), ""},
		{"ErrNoToken", "", "authentication required"},
		{"ErrGarbage", "garbage", "malformed token"},
		{"ErrGarbageSegments", "a.b.c", "malformed token"},
		{"ErrAlgNone", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid("op-ed"), claims(nil)), "unsupported algorithm"},
		{"ErrHS256WithPublicKey", sign(t, jwt.SigningMethodHS256, pubPEM, kid("op-ed"), claims(nil)), "unsupported algorithm"},
		{"ErrInvalidSignature", tampered, "invalid signature"},
		{"ErrUnknownKid", sign(t, ed, k.ed, kid("nobody"), claims(nil)), "unknown key"},
		{"ErrNoKid", sign(t, ed, k.ed, nil, claims(nil)), "token has no key id (kid)"},
		{"ErrNoIssuer", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { delete(c, "iss") })), "token has no issuer (iss)"},
		{"ErrCenterIssuerWithoutKeyStore", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["iss"] = "BKN" })), "unknown key"},
		{"ErrExpired60s", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = at(-30*time.Minute), at(-60*time.Second)
		})), "token expired"},
		{"ErrNoExp", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { delete(c, "exp") })), "token has no expiry (exp)"},
		{"ErrLifetimeOver1h", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["exp"] = at(time.Hour + time.Second) })), "token lifetime exceeds 1 hour"},
		{"ErrLifetimeOver1hWithoutIat", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) {
			delete(c, "iat")
			c["exp"] = at(2 * time.Hour)
		})), "token lifetime exceeds 1 hour"},
		{"ErrWrongAudience", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["aud"] = []string{"other"} })), "token is not for this audience (aud)"},
		{"ErrNoAudience", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { delete(c, "aud") })), "token has no audience (aud)"},
		{"ErrNotBeforeAhead", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["nbf"] = at(60 * time.Second) })), "token not valid yet (nbf)"},
		{"ErrIssuedInFuture", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = at(2*time.Minute), at(10*time.Minute)
		})), "token issued in the future (iat)"},
		{"ErrNoSubject", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { delete(c, "sub") })), "token has no subject (sub)"},
		{"ErrAlgMismatchRS256OnES256Key", sign(t, rs256, k.rsa, kid("op-ec"), claims(nil)), "algorithm mismatch"},
		{"ErrAlgMismatchEdDSAOnES256Key", sign(t, ed, k.ed, kid("op-ec"), claims(nil)), "algorithm mismatch"},
		{"ErrAlgMismatchES256OnEdDSAKey", sign(t, es256, k.ec, kid("op-ed"), claims(nil)), "algorithm mismatch"},
		{"ErrCriticalHeader", sign(t, ed, k.ed, map[string]any{"kid": "op-ed", "crit": []string{"exp"}}, claims(nil)), "unsupported critical header"},
		{"ErrRolesNotArray", sign(t, ed, k.ed, kid("op-ed"), claims(func(c jwt.MapClaims) { c["roles"] = map[string]any{"a": 1} })), "malformed token"},
	}
	v := newVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), tt.token)
			if tt.want != "" {
				assertRefused(t, p, err, tt.want)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Subject != "ops-1" || p.CenterID != uuid.Nil || p.CenterCode != "" ||
				!slices.Equal(p.Roles, []exchange.Role{exchange.RoleOperator}) || !p.IsOperator() {
				t.Errorf("principal = %+v, want operator ops-1", p)
			}
			if p.KeyID == "" {
				t.Error("principal has no KeyID")
			}
		})
	}
}

func assertRefused(t *testing.T, p *exchange.Principal, err error, want string) {
	t.Helper()
	var e *exchange.Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify = %+v, %v; want UNAUTHENTICATED %q", p, err, want)
	}
	if e.Code != exchange.CodeUnauthenticated || e.Message != want {
		t.Errorf("error = %s %q, want UNAUTHENTICATED %q", e.Code, e.Message, want)
	}
	if p != nil {
		t.Errorf("principal = %+v alongside a refusal", p)
	}
}

func TestVerifyAudienceIsConfigurable(t *testing.T) {
	v := newVerifier(t)
	v.Audience = "laborx-staging"
	p, err := v.Verify(context.Background(), mint(t, testKeys(t).ed, "op-ed"))
	assertRefused(t, p, err, "token is not for this audience (aud)")
}

func TestVerifyHeader(t *testing.T) {
	v := newVerifier(t)
	token := mint(t, testKeys(t).ed, "op-ed")
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"OK", "Bearer " + token, ""},
		{"OKSchemeCaseInsensitive", "bearer  " + token + " ", ""},
		{"ErrEmpty", "", "authentication required"},
		{"ErrBearerWithoutToken", "Bearer ", "authentication required"},
		{"ErrBasic", "Basic dXNlcjpwYXNz", `use an Authorization header of the form "Bearer <token>"`},
		{"ErrTokenWithoutScheme", token, `use an Authorization header of the form "Bearer <token>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.VerifyHeader(context.Background(), tt.header)
			if tt.want != "" {
				assertRefused(t, p, err, tt.want)
				return
			}
			if err != nil || !p.IsOperator() {
				t.Fatalf("VerifyHeader = %+v, %v; want the operator", p, err)
			}
		})
	}
}

// A huge token (3 MB) must be refused before any of it is decoded: quickly and without
// allocating in proportion to its size.
func TestVerifyRefusesHugeTokenCheaply(t *testing.T) {
	v := newVerifier(t)
	seg := strings.Repeat("A", 1<<20)
	huge := seg + "." + seg + "." + seg
	header := "Bearer " + huge
	const calls = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range calls {
		p, err := v.Verify(context.Background(), huge)
		assertRefused(t, p, err, "token too large")
		p, err = v.VerifyHeader(context.Background(), header)
		assertRefused(t, p, err, "token too large")
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if perCall := (after.TotalAlloc - before.TotalAlloc) / (2 * calls); perCall > 4<<10 {
		t.Errorf("refusing a 3 MB token allocated %d bytes per call", perCall)
	}
	if elapsed > time.Second {
		t.Errorf("refusing %d huge tokens took %s", 2*calls, elapsed)
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if p := auth.FromContext(ctx); p != nil {
		t.Errorf("FromContext(empty) = %+v, want nil", p)
	}
	want := &exchange.Principal{CenterCode: "BKN", Subject: "u1", Roles: []exchange.Role{exchange.RolePublisher}}
	if got := auth.FromContext(auth.NewContext(ctx, want)); got != want {
		t.Errorf("FromContext = %+v, want %+v", got, want)
	}
}
