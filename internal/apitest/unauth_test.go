package apitest_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/server"
)

// TestAuthFailuresCountedByReason: every refused token is counted in
// laborx_auth_failures_total by reason and logged with the reason and the client's
// address, never with the token.
func TestAuthFailuresCountedByReason(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := apitest.NewWith(t, apitest.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	forged := rawToken(t, map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": tng.KID}, claimsFor(tng, time.Now()), ed25519Signer(hpg.Key))
	for _, tok := range []string{"", "not.a.token", forged, forged} {
		assertUnauthenticated(t, e.Do(t, tok, viewerQuery, nil))
	}
	metrics := getText(t, e.Server.URL+"/metrics")
	for _, want := range []string{
		`laborx_auth_failures_total{reason="missing"} 1`,
		`laborx_auth_failures_total{reason="malformed"} 1`,
		`laborx_auth_failures_total{reason="bad_signature"} 2`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"reason":"bad_signature"`) || !strings.Contains(out, `"client_ip":"127.0.0.1"`) {
		t.Errorf("no log line with the reason and client IP:\n%s", out)
	}
	if strings.Contains(out, forged) || strings.Contains(out, strings.Split(forged, ".")[2]) {
		t.Errorf("the log carries the token:\n%s", out)
	}
}

// TestUnauthenticatedCapPerIP: an address that keeps sending bad tokens, or keeps
// opening websockets, gets 429 with Retry-After; a valid token still passes.
func TestUnauthenticatedCapPerIP(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.UnauthRate, cfg.UnauthBurst = 0, 0.001, 3 // a bucket of 3 that does not refill
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	tok := e.AddCenter(t, "TNG", "19").Token(t, "viewer")
	for range 3 {
		assertUnauthenticated(t, e.Do(t, "bad.token.here", viewerQuery, nil))
	}
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "RATE_LIMITED") {
		t.Errorf("4th unauthenticated request: %d Retry-After=%q %s, want 429 RATE_LIMITED with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	e.Do(t, tok, viewerQuery, nil).NoErrors(t)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, resp, err = websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("websocket from a capped address: %v %v, want 429", resp, err)
	}
}

// TestAbuse_IdleWebsocket: a websocket that never sends connection_init is closed
// after the init timeout (10 s by default; shortened here).
func TestAbuse_IdleWebsocket(t *testing.T) {
	// Not parallel: the prompt client must send connection_init within the 100 ms
	// timeout, which a starved CPU can miss.
	cfg := server.DefaultConfig()
	cfg.RateLimit, cfg.UnauthRate, cfg.WebsocketInitTimeout = 0, 0, 100*time.Millisecond
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	_, _, err = conn.Read(ctx) // blocks until the server closes the connection
	if ctx.Err() != nil || !strings.Contains(err.Error(), "initialisation timeout") {
		t.Errorf("idle websocket: %v, want it closed for the initialisation timeout", err)
	}
	// A client that sends connection_init in time is served.
	if _, err := apitest.Dial(t, e.Server.URL, e.AddCenter(t, "TNG", "19").Token(t, "viewer")); err != nil {
		t.Errorf("a prompt client: %v", err)
	}
}

// TestAbuse_ForeignWebsocketOrigin: a browser page of another site cannot open a
// websocket on a user's behalf (403).
func TestAbuse_ForeignWebsocketOrigin(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"},
			HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("websocket with a foreign Origin: %v %v, want 403", resp, err)
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
