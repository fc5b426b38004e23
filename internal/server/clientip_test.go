package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"no proxy configured: the peer, whatever the header says", "192.0.2.9:5000", "203.0.113.7", nil, "192.0.2.9"},
		{"an untrusted peer cannot name another client", "192.0.2.9:5000", "203.0.113.7", proxies, "192.0.2.9"},
		{"behind the proxy: the right-most untrusted entry", "10.1.2.3:5000", "198.51.100.1, 203.0.113.7, 10.9.9.9", proxies, "203.0.113.7"},
		{"behind the proxy without the header: the proxy", "10.1.2.3:5000", "", proxies, "10.1.2.3"},
		{"garbage stops the walk", "10.1.2.3:5000", "203.0.113.7, bogus", proxies, "10.1.2.3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if got := clientIP(r, c.trusted); got != c.want {
				t.Errorf("clientIP = %s, want %s", got, c.want)
			}
		})
	}
}
