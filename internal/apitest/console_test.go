package apitest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/server"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The console and GraphiQL come from the binary: every script, style and font the
// pages load is a path on this server.
func TestConsolePages(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	cfg.Dev = true
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	external := regexp.MustCompile(`(?i)(src|href)=["']?(https?:)?//`)

	for _, path := range []string{"/console", "/console/market", "/console/agreements/x"} {
		res, body := get(t, e.Server.URL+path, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<div id="app">`) {
			t.Fatalf("GET %s: %d %q", path, res.StatusCode, body)
		}
		if external.MatchString(body) {
			t.Errorf("GET %s loads from another site: %s", path, body)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	res, body := get(t, e.Server.URL+"/console/assets/app.js", nil)
	if res.StatusCode != http.StatusOK || len(body) < 10_000 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("app.js: %d, %d bytes, %s", res.StatusCode, len(body), res.Header.Get("Content-Type"))
	}
	res, _ = get(t, e.Server.URL+"/console/assets/app.js", map[string]string{"If-None-Match": res.Header.Get("ETag")})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("app.js revalidation: %d, want 304", res.StatusCode)
	}
	res, _ = get(t, e.Server.URL+"/dashboard", nil)
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/console" {
		t.Errorf("/dashboard: %d to %q, want a redirect to /console", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = get(t, e.Server.URL+"/", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "/graphiql/graphiql.js") || external.MatchString(body) {
		t.Fatalf("GraphiQL: %d %q", res.StatusCode, body)
	}
	res, body = get(t, e.Server.URL+"/graphiql/graphiql.js", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "laborx.token") {
		t.Errorf("graphiql.js: %d, %d bytes", res.StatusCode, len(body))
	}
	// Without --demo there is no demo sign-in.
	if res, _ := get(t, e.Server.URL+"/console/demo", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("/console/demo without --demo: %d", res.StatusCode)
	}
	res, err := http.Post(e.Server.URL+"/console/demo-token", "application/json", strings.NewReader(`{"center":"TNG"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/console/demo-token without --demo: %d", res.StatusCode)
	}
}

// Without --dev, / is not GraphiQL.
func TestGraphiQLOnlyWithDev(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	if res, _ := get(t, e.Server.URL+"/", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET / without --dev: %d", res.StatusCode)
	}
	if res, _ := get(t, e.Server.URL+"/console", nil); res.StatusCode != http.StatusOK {
		t.Errorf("GET /console without --dev: %d", res.StatusCode)
	}
}

func TestDemoSignIn(t *testing.T) {
	t.Parallel()
	cfg := server.DefaultConfig()
	minted := ""
	cfg.DemoSignIn = &server.DemoSignIn{Centers: []server.DemoCenter{{Code: "TNG", Name: "Thái Nguyên"}},
		Mint: func(code string) (string, error) { minted = code; return "token-of-" + code, nil }}
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	res, body := get(t, e.Server.URL+"/console/demo", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"code":"TNG"`) {
		t.Fatalf("/console/demo: %d %s", res.StatusCode, body)
	}
	post := func(contentType, body string) (int, map[string]string) {
		res, err := http.Post(e.Server.URL+"/console/demo-token", contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]string
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if status, out := post("application/json", `{"center":"TNG"}`); status != http.StatusOK || out["token"] != "token-of-TNG" || minted != "TNG" {
		t.Errorf("demo token: %d %v", status, out)
	}
	if status, _ := post("application/json", `{"center":"XYZ"}`); status != http.StatusBadRequest {
		t.Errorf("demo token of an unknown center: %d", status)
	}
	// A form on another site cannot post JSON without a preflight.
	if status, _ := post("application/x-www-form-urlencoded", `center=TNG`); status != http.StatusUnsupportedMediaType {
		t.Errorf("demo token from a form: %d", status)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	origins, err := server.ParseOrigins([]string{"https://dash.example.vn", "http://localhost:5173,HTTPS://Other.example.vn"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.RateLimit = 0
	cfg.CORSOrigins = origins
	e := apitest.NewWith(t, apitest.Options{Server: &cfg})
	tok := e.AddCenter(t, "TNG", "19").Token(t, "publisher")

	preflight := func(origin string) *http.Response { return preflight(t, e.Server.URL, origin) }
	t.Run("PreflightAllowed", func(t *testing.T) {
		res := preflight("https://dash.example.vn")
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != "https://dash.example.vn" ||
			!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
		}
		if res := preflight("https://other.example.vn"); res.StatusCode != http.StatusNoContent {
			t.Errorf("preflight of a listed origin in other case: %d", res.StatusCode)
		}
	})
	t.Run("PreflightRefused", func(t *testing.T) {
		res := preflight("https://evil.example")
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight of an unlisted origin: %d %v", res.StatusCode, res.Header)
		}
	})
	post := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { subject } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	t.Run("Headers", func(t *testing.T) {
		if res := post("http://localhost:5173"); res.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
			!strings.Contains(res.Header.Get("Vary"), "Origin") {
			t.Errorf("allowed origin: %v", res.Header)
		}
		if res := post("https://evil.example"); res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("unlisted origin got %q", res.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	dial := func(origin string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql", &websocket.DialOptions{
			Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil {
			c.CloseNow()
		}
		return err
	}
	t.Run("Websocket", func(t *testing.T) {
		if err := dial("https://dash.example.vn"); err != nil {
			t.Errorf("websocket from a listed origin: %v", err)
		}
		if err := dial(e.Server.URL); err != nil {
			t.Errorf("websocket from the same origin: %v", err)
		}
		if err := dial("https://evil.example"); err == nil {
			t.Error("websocket from an unlisted origin was accepted")
		}
	})
}

// With no origin configured, another origin's preflight is refused: same origin only.
func TestCORSDefaultSameOrigin(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	res := preflight(t, e.Server.URL, "https://dash.example.vn")
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("default preflight: %d %v", res.StatusCode, res.Header)
	}
}

// preflight sends the OPTIONS request a browser sends before a cross-origin POST.
func preflight(t *testing.T, baseURL, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, baseURL+"/graphql", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"*", "dash.example.vn", "https://dash.example.vn/path", "ftp://x", "https://*.example.vn", "https://u@x.vn"} {
		if _, err := server.ParseOrigins([]string{bad}); err == nil {
			t.Errorf("ParseOrigins(%q) accepted", bad)
		}
	}
	got, err := server.ParseOrigins([]string{" https://A.example.vn/ ", "https://a.example.vn,http://b.vn:8080"})
	if err != nil || strings.Join(got, " ") != "https://a.example.vn http://b.vn:8080" {
		t.Errorf("ParseOrigins: %v %v", got, err)
	}
}
