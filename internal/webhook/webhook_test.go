package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/webhook"
)

// TestSignStandardWebhooksVector: the signature of the Standard Webhooks
// specification's example (secret, id, timestamp and payload of its README).
func TestSignStandardWebhooksVector(t *testing.T) {
	t.Parallel()
	key, err := exchange.WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// listen serves h on a loopback address (127.0.0.2 is loopback too on Linux, and
// outside an allow list of 127.0.0.1/32) and counts the requests it gets.
func listen(t *testing.T, addr string, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

func post(c *http.Client, url string) (*http.Response, error) {
	resp, err := c.Post(url, "application/json", bytes.NewReader([]byte(`{}`)))
	if err == nil {
		_ = resp.Body.Close()
	}
	return resp, err
}

// TestGuardRefusesAddressesOutsideTheAllowList: the delivery client connects only to
// allowed addresses, checked on the address dialled, and follows no redirect, so a
// receiver on an allowed address cannot send a delivery elsewhere.
func TestGuardRefusesAddressesOutsideTheAllowList(t *testing.T) {
	t.Parallel()
	outside, outsideHits := listen(t, "127.0.0.2:0", func(w http.ResponseWriter, _ *http.Request) {})
	redirect, _ := listen(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, outside.URL+"/hook", http.StatusTemporaryRedirect)
	})
	g := webhook.NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	c := g.Client(5 * time.Second)

	if _, err := post(c, outside.URL+"/hook"); err == nil {
		t.Error("a request to 127.0.0.2 went through an allow list of 127.0.0.1/32")
	}
	resp, err := post(c, redirect.URL+"/hook")
	if err != nil {
		t.Fatalf("request to the allowed receiver: %v", err)
	}
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status = %d, want the 307 itself (redirects are not followed)", resp.StatusCode)
	}
	if n := outsideHits.Load(); n != 0 {
		t.Errorf("the address outside the allow list was called %d times", n)
	}

	// At creation: an address outside, a host that does not resolve, an empty list.
	ctx := context.Background()
	for _, tc := range []struct {
		g   *webhook.Guard
		url string
	}{
		{g, outside.URL},
		{g, "http://no-such-host.invalid/hook"},
		{webhook.NewGuard(nil), redirect.URL},
	} {
		u := mustURL(t, tc.url)
		if err := tc.g.CheckURL(ctx, u); exchange.ErrorCode(err) != exchange.CodeAddressNotAllowed {
			t.Errorf("CheckURL(%s) = %v, want ADDRESS_NOT_ALLOWED", tc.url, err)
		}
	}
	if err := g.CheckURL(ctx, mustURL(t, redirect.URL)); err != nil {
		t.Errorf("CheckURL(allowed %s) = %v", redirect.URL, err)
	}
	var e *exchange.Error
	if err := g.CheckURL(ctx, mustURL(t, outside.URL)); !errors.As(err, &e) || len(e.Field) != 1 || e.Field[0] != "url" {
		t.Errorf("refusal %v does not name the url field", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
