// Package apitest runs laborx end to end for tests: a fresh database per test, the real
// HTTP handler behind a loopback server, centers with real Ed25519 keys, and signed
// tokens. Tests assert on the JSON a client would receive.
package apitest

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/app"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
	"github.com/laborx/laborx/internal/server"
	"github.com/laborx/laborx/internal/webhook"
)

// Env is one exchange under test: a fresh database and one or more servers on it.
type Env struct {
	// DSN is what the servers connect with: the service's role (pgtest.AppDSN), which
	// row-level security binds. OwnerDSN is the tables' owner, for a test's own direct
	// SQL checks and migrations; the same as DSN when Options.DSN was given.
	DSN      string
	OwnerDSN string
	// PIIKey is the random key this env's instances protect national IDs with.
	PIIKey   []byte
	App      *app.App
	Server   *httptest.Server
	operator crypto.Signer
	keys     *auth.KeySet
}

// Options tune an Env.
type Options struct {
	// Server overrides the HTTP settings; zero means server.DefaultConfig with rate
	// limiting off.
	Server *server.Config
	// Logger receives the instance's logs; nil discards them.
	Logger *slog.Logger
	// QueryTracer sees every SQL statement of the instance's main pool (to count them).
	QueryTracer pgx.QueryTracer
	// KeyQueryTracer sees the key-lookup pool's statements (cache misses, probes).
	KeyQueryTracer pgx.QueryTracer
	// ReadDatabaseURL is the instance's read replica for statistics (empty: none).
	ReadDatabaseURL string
	// ReadMaxLag is how far the replica may lag before statistics read the primary.
	ReadMaxLag time.Duration
	// Pool bounds the instance's database pool (zero: pgx's defaults).
	Pool postgres.PoolOptions
	// DSN is a migrated database to use instead of a fresh one (fault tests bring
	// their own PostgreSQL to stop and start). For NewInstance it is what that
	// instance connects with (a pooler, a multi-host URL); empty: the env's DSN.
	DSN string
	// ListenDatabaseURL is the instance's direct URL for LISTEN (empty: its DSN).
	ListenDatabaseURL string
	// SubscriptionRetry shortens how long subscriptions retry during an outage.
	SubscriptionRetry time.Duration
	// Webhooks configures the instance's webhooks (allow list, backoff); zero: none.
	Webhooks webhook.Config
}

// New starts an exchange on a fresh database.
func New(t testing.TB) *Env { return NewWith(t, Options{}) }

// NewWith starts an exchange with options.
func NewWith(t testing.TB, o Options) *Env {
	t.Helper()
	op, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := auth.PublicJWK(op.Public(), "test-operator", exchange.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := auth.MarshalJWKS(jwk)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.ParseJWKS(jwks)
	if err != nil {
		t.Fatal(err)
	}
	piiKey := make([]byte, pii.KeySize)
	if _, err := rand.Read(piiKey); err != nil {
		t.Fatal(err)
	}
	dsn, owner := o.DSN, o.DSN
	if dsn == "" {
		owner = pgtest.NewDSN(t, pgtest.Laborx)
		dsn = pgtest.AppDSN(owner)
	}
	e := &Env{DSN: dsn, OwnerDSN: owner, operator: op, keys: keys, PIIKey: piiKey}
	e.App, e.Server = e.NewInstance(t, o)
	return e
}

// NewInstance starts another server on the same database, as a second `laborx serve`
// behind a load balancer would be.
func (e *Env) NewInstance(t testing.TB, o Options) (*app.App, *httptest.Server) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.UnauthRate = 0, 0
	if o.Server != nil {
		cfg = *o.Server
	}
	a, err := app.New(context.Background(), app.Config{DatabaseURL: cmp.Or(o.DSN, e.DSN), ListenDatabaseURL: o.ListenDatabaseURL, OperatorKeys: e.keys, Server: cfg,
		Logger: o.Logger, PIIKey: e.PIIKey, QueryTracer: o.QueryTracer, KeyQueryTracer: o.KeyQueryTracer,
		ReadDatabaseURL: o.ReadDatabaseURL, ReadMaxLag: o.ReadMaxLag, Pool: o.Pool, SubscriptionRetry: o.SubscriptionRetry,
		Webhooks: o.Webhooks})
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Config = server.NewHTTPServer(cfg, a.Handler, slog.New(slog.DiscardHandler))
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return a, srv
}

// OperatorToken returns a valid operator token.
func (e *Env) OperatorToken(t testing.TB) string {
	t.Helper()
	tok, err := auth.Mint(e.operator, "test-operator", auth.Claims{Issuer: auth.OperatorIssuer, Subject: "test-operator", TTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Center is a registered center with a registered signing key.
type Center struct {
	ID   string // global ID
	Code string
	Key  crypto.Signer
	KID  string
}

// Token mints a token of the center with the given roles ("publisher", ...).
func (c *Center) Token(t testing.TB, roles ...string) string {
	t.Helper()
	return c.TokenWith(t, auth.Claims{Roles: roles})
}

// TokenWith mints a token with claims defaulted from the center (iss, sub, ttl).
func (c *Center) TokenWith(t testing.TB, cl auth.Claims) string {
	t.Helper()
	if cl.Issuer == "" {
		cl.Issuer = c.Code
	}
	if cl.Subject == "" {
		cl.Subject = "staff@" + strings.ToLower(c.Code)
	}
	if cl.TTL == 0 {
		cl.TTL = 10 * time.Minute
	}
	tok, err := auth.Mint(c.Key, c.KID, cl)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// AddCenter registers a center in a current province, with an Ed25519 key, through the
// API as the operator.
func (e *Env) AddCenter(t testing.TB, code, provinceCode string) *Center {
	t.Helper()
	op := e.OperatorToken(t)
	r := e.Do(t, op, `mutation($in: RegisterCenterInput!) { registerCenter(input: $in) { center { id code } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"code": code, "name": "Trung tâm " + code, "provinceCode": provinceCode}})
	r.NoErrors(t)
	id := r.String(t, "registerCenter.center.id")
	priv, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := auth.MarshalPublicKeyPEM(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	kid := code + "-test"
	r = e.Do(t, op, `mutation($in: AddCenterKeyInput!) { addCenterKey(input: $in) { centerKey { kid } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"centerCode": code, "kid": kid, "alg": "EdDSA", "publicKeyPem": string(pub)}})
	r.NoErrors(t)
	return &Center{ID: id, Code: code, Key: priv, KID: kid}
}

// Response is a GraphQL response as a client sees it.
type Response struct {
	Status int
	Header http.Header
	Data   map[string]any
	Errors []Error
	Raw    []byte
}

// Error is an entry of errors[].
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e Error) Code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// Do posts a query to the env's first server.
func (e *Env) Do(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	return Post(t, e.Server.URL, token, query, vars)
}

// Post sends a GraphQL request with a bearer token ("" for none) to a server.
func Post(t testing.TB, baseURL, token, query string, vars map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return Send(t, req)
}

// Send sends a prepared request and decodes the GraphQL response.
func Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []Error        `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	r.Data, r.Errors = out.Data, out.Errors
	return r
}

// NoErrors fails the test when the response has top-level errors or any userErrors.
func (r *Response) NoErrors(t testing.TB) {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK || bytes.Contains(r.Raw, []byte(`"userErrors":[{`)) {
		t.Fatalf("unexpected errors (status %d): %s", r.Status, r.Raw)
	}
}

// ErrorCodes lists the extensions.code of every top-level error.
func (r *Response) ErrorCodes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Get returns the value at a dotted path into data ("a.b.0.c"), or nil.
func (r *Response) Get(path string) any {
	var cur any = r.Data
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// String returns the string at path and fails the test if there is none.
func (r *Response) String(t testing.TB, path string) string {
	t.Helper()
	s, ok := r.Get(path).(string)
	if !ok {
		t.Fatalf("no string at %s in %s", path, r.Raw)
	}
	return s
}

// Int returns the number at path as an int and fails the test if there is none.
func (r *Response) Int(t testing.TB, path string) int {
	t.Helper()
	f, ok := r.Get(path).(float64)
	if !ok {
		t.Fatalf("no number at %s in %s", path, r.Raw)
	}
	return int(f)
}

// Len returns the length of the list at path (-1 if not a list).
func (r *Response) Len(path string) int {
	l, ok := r.Get(path).([]any)
	if !ok {
		return -1
	}
	return len(l)
}

// UserErrorCodes returns the codes of the userErrors of the mutation field.
func (r *Response) UserErrorCodes(field string) []string {
	list, _ := r.Get(field + ".userErrors").([]any)
	var out []string
	for _, ue := range list {
		if m, ok := ue.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["code"]))
		}
	}
	return out
}
