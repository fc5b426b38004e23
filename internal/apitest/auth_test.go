package apitest_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/server"
)

const viewerQuery = `{ viewer { center { code } subject roles } }`

// rawToken signs arbitrary header and claims, so tests can build the malformed and
// hostile tokens that auth.Mint refuses to make.
func rawToken(t *testing.T, header, claims map[string]any, sign func(signingInput []byte) []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

func ed25519Signer(k crypto.Signer) func([]byte) []byte {
	return func(in []byte) []byte { return ed25519.Sign(k.(ed25519.PrivateKey), in) }
}

// claimsFor returns valid claims for a center, to be spoiled one at a time.
func claimsFor(c *apitest.Center, now time.Time) map[string]any {
	return map[string]any{
		"iss": c.Code, "sub": "staff", "aud": "laborx", "roles": []string{"publisher"},
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
	}
}

func TestAuthenticationRefusals(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	hpg := e.AddCenter(t, "HPG", "31")
	now := time.Now()
	header := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": tng.KID}
	spoil := func(edit func(h, c map[string]any)) string {
		h, c := map[string]any{}, claimsFor(tng, now)
		for k, v := range header {
			h[k] = v
		}
		edit(h, c)
		return rawToken(t, h, c, ed25519Signer(tng.Key))
	}
	pubPEM, err := auth.MarshalPublicKeyPEM(tng.Key.Public())
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		token  string
		reason string
	}{
		{"no token", "", "authentication required"},
		{"garbage", "not.a.token", "malformed token"},
		{"alg none", rawToken(t, map[string]any{"alg": "none", "kid": tng.KID}, claimsFor(tng, now),
			func([]byte) []byte { return nil }), "unsupported algorithm"},
		{"HS256 signed with the center's public key", rawToken(t, map[string]any{"alg": "HS256", "kid": tng.KID}, claimsFor(tng, now),
			func(in []byte) []byte { m := hmac.New(sha256.New, pubPEM); m.Write(in); return m.Sum(nil) }), "unsupported algorithm"},
		{"key of center A with iss B", spoil(func(h, c map[string]any) { c["iss"] = hpg.Code }), "does not belong to the issuer"},
		{"unknown kid", spoil(func(h, c map[string]any) { h["kid"] = "nobody-1" }), "unknown key"},
		{"expired beyond leeway", spoil(func(h, c map[string]any) {
			c["iat"], c["exp"] = now.Add(-20*time.Minute).Unix(), now.Add(-time.Minute).Unix()
		}), "token expired"},
		{"no exp", spoil(func(h, c map[string]any) { delete(c, "exp") }), "no expiry"},
		{"lifetime over 1 hour", spoil(func(h, c map[string]any) { c["exp"] = now.Add(61 * time.Minute).Unix() }), "lifetime exceeds 1 hour"},
		{"wrong aud", spoil(func(h, c map[string]any) { c["aud"] = "someone-else" }), "not for this audience"},
		{"missing aud", spoil(func(h, c map[string]any) { delete(c, "aud") }), "no audience"},
		{"not valid yet", spoil(func(h, c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }), "not valid yet"},
		{"signature of another key", rawToken(t, header, claimsFor(tng, now), ed25519Signer(hpg.Key)), "invalid signature"},
		{"center token claiming operator", spoil(func(h, c map[string]any) { c["roles"] = []string{"operator"} }), "operator role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, tc.token, viewerQuery, nil)
			assertUnauthenticated(t, r)
			if len(r.Errors) == 1 && !strings.Contains(r.Errors[0].Message, tc.reason) {
				t.Errorf("refused with %q, want a message containing %q", r.Errors[0].Message, tc.reason)
			}
		})
	}

	t.Run("expired 10s ago is accepted (leeway)", func(t *testing.T) {
		tok := spoil(func(h, c map[string]any) {
			c["iat"], c["exp"] = now.Add(-10*time.Minute).Unix(), now.Add(-10*time.Second).Unix()
		})
		r := e.Do(t, tok, viewerQuery, nil)
		r.NoErrors(t)
		if got := r.String(t, "viewer.center.code"); got != "TNG" {
			t.Fatalf("viewer.center.code = %q", got)
		}
	})
	t.Run("Ed25519 alg name (RFC 9864) is accepted for an EdDSA key", func(t *testing.T) {
		tok := spoil(func(h, c map[string]any) { h["alg"] = "Ed25519" })
		e.Do(t, tok, viewerQuery, nil).NoErrors(t)
	})
}

func assertUnauthenticated(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", r.Status)
	}
	if r.Data != nil {
		t.Errorf("data = %v, want none", r.Data)
	}
	if codes := r.ErrorCodes(); len(codes) != 1 || codes[0] != "UNAUTHENTICATED" {
		t.Errorf("error codes = %v, want [UNAUTHENTICATED]: %s", codes, r.Raw)
	}
}

func TestHugeAuthorizationHeaderIsRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	huge := "Bearer " + strings.Repeat("a", 1<<20)
	// The limit is on the token, checked before any parsing: a few concurrent 1 MB
	// headers are refused without decoding them.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { subject } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", huge)
			r := apitest.Send(t, req)
			assertUnauthenticated(t, r)
		}()
	}
	wg.Wait()
}

func TestRevokedKeyAndSuspendedCenterAreRefusedOnEveryInstance(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	hpg := e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	tngTok, hpgTok := tng.Token(t, "publisher"), hpg.Token(t, "publisher")

	// Both tokens work on both instances first.
	for _, url := range []string{e.Server.URL, second.URL} {
		apitest.Post(t, url, tngTok, viewerQuery, nil).NoErrors(t)
		apitest.Post(t, url, hpgTok, viewerQuery, nil).NoErrors(t)
	}

	// Revoke TNG's key through the first instance: it refuses at the next request, the
	// second within a second (its verified-key cache hears of it from the database).
	r := e.Do(t, e.OperatorToken(t), `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) { centerKey { revokedAt } userErrors { code } } }`,
		map[string]any{"kid": tng.KID})
	r.NoErrors(t)
	revoked := time.Now()
	assertUnauthenticated(t, e.Do(t, tngTok, viewerQuery, nil))
	refusedWithin(t, second.URL, tngTok, revoked, time.Second)

	// Suspend HPG through the second instance: the first refuses its tokens.
	r = apitest.Post(t, second.URL, e.OperatorToken(t), `mutation { suspendCenter(input: {centerCode: "HPG", reason: "audit"}) { center { status } userErrors { code } } }`, nil)
	r.NoErrors(t)
	if got := r.String(t, "suspendCenter.center.status"); got != "SUSPENDED" {
		t.Fatalf("status = %q", got)
	}
	suspended := time.Now()
	assertUnauthenticated(t, apitest.Post(t, second.URL, hpgTok, viewerQuery, nil))
	refusedWithin(t, e.Server.URL, hpgTok, suspended, time.Second)

	// Reinstated, its tokens work again.
	apitest.Post(t, second.URL, e.OperatorToken(t), `mutation { reinstateCenter(input: {centerCode: "HPG"}) { center { status } userErrors { code } } }`, nil).NoErrors(t)
	e.Do(t, hpgTok, viewerQuery, nil).NoErrors(t)
}

func TestOperatorToken(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	r := e.Do(t, e.OperatorToken(t), viewerQuery, nil)
	r.NoErrors(t)
	if r.Get("viewer.center") != nil {
		t.Errorf("operator viewer.center = %v, want null", r.Get("viewer.center"))
	}
	if roles := r.Get("viewer.roles").([]any); len(roles) != 1 || roles[0] != "OPERATOR" {
		t.Errorf("operator roles = %v", roles)
	}
}

func TestRateLimitPerCaller(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.Burst = 0.001, 4 // buckets of 4 that refill too slowly to matter
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	tng := e.AddCenter(t, "TNG", "19") // the operator spends 2 of its own bucket on each
	hpg := e.AddCenter(t, "HPG", "31")
	tok := tng.Token(t, "viewer")
	for i := range 4 {
		r := e.Do(t, tok, viewerQuery, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i+1, r.Status)
		}
	}
	r := e.Do(t, tok, viewerQuery, nil)
	if r.Status != http.StatusTooManyRequests || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "RATE_LIMITED" || r.Data != nil {
		t.Errorf("5th request: status %d %s, want 429 RATE_LIMITED", r.Status, r.Raw)
	}
	// Another center has its own bucket.
	e.Do(t, hpg.Token(t, "viewer"), viewerQuery, nil).NoErrors(t)
}

func TestOversizedBodyIsRefused(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.MaxBodyBytes = 0, 64<<10
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	tng := e.AddCenter(t, "TNG", "19")
	big := `{"query":"{ viewer { subject } }","variables":{"pad":"` + strings.Repeat("x", 128<<10) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tng.Token(t, "viewer"))
	r := apitest.Send(t, req)
	if r.Status != http.StatusRequestEntityTooLarge || r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "BAD_USER_INPUT" {
		t.Fatalf("a 128 KiB body against a 64 KiB limit: status %d %s, want 413 BAD_USER_INPUT", r.Status, r.Raw)
	}
}

func TestQueryTooComplex(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng := e.AddCenter(t, "TNG", "19")
	var q strings.Builder
	q.WriteString("{")
	for i := range 30 {
		fmt.Fprintf(&q, ` d%d: laborDemands(first: 100) { edges { node { id title quantity filledCount center { code name province { name } } } } }`, i)
	}
	q.WriteString("}")
	r := e.Do(t, tng.Token(t, "viewer"), q.String(), nil)
	if r.Data != nil || len(r.ErrorCodes()) != 1 || r.ErrorCodes()[0] != "QUERY_TOO_COMPLEX" {
		t.Errorf("30 × 100 demands with nested fields: %.300s, want QUERY_TOO_COMPLEX and no data", r.Raw)
	}
	// The same shape once is fine.
	r = e.Do(t, tng.Token(t, "viewer"), `{ laborDemands(first: 100) { edges { node { id title center { code } } } } }`, nil)
	r.NoErrors(t)
}
