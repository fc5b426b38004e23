package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// errNotAllowed is a connection the guard refused: the address is outside the allow list.
var errNotAllowed = errors.New("address outside --webhook-allow")

// Guard keeps webhooks to the addresses the operator allows (--webhook-allow): it vets
// a URL when a webhook is created, and it is the dialer of every delivery, so the
// address actually connected to is checked, whatever DNS answers by then and wherever
// the host moved.
type Guard struct {
	allow    []netip.Prefix
	resolver *net.Resolver
}

// NewGuard returns a guard for the allowed prefixes; none allows nothing.
func NewGuard(allow []netip.Prefix) *Guard {
	return &Guard{allow: allow, resolver: net.DefaultResolver}
}

// CheckURL resolves a webhook URL's host and refuses it (ADDRESS_NOT_ALLOWED) unless
// every address it has is allowed.
func (g *Guard) CheckURL(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return exchange.CheckWebhookAddresses(g.allow, host, []netip.Addr{a})
	}
	if len(g.allow) == 0 {
		// Nothing is allowed: no need to ask DNS to learn that.
		return exchange.CheckWebhookAddresses(g.allow, host, nil)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		addrs = nil // reported as "does not resolve"
	}
	return exchange.CheckWebhookAddresses(g.allow, host, addrs)
}

// control is the dialer's last word before each connection: the resolved address
// about to be connected must be allowed.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !exchange.AddressAllowed(g.allow, ap.Addr()) {
		return errNotAllowed
	}
	return nil
}

// maxResponseBody bounds what is read of a receiver's answer (only its status counts).
const maxResponseBody = 64 << 10

// Client is the HTTP client of deliveries: every connection through the guard, no
// proxy from the environment (it would connect for us, to anywhere), bounded
// timeouts, and no redirects followed: a 3xx is a failed attempt, as Standard
// Webhooks receivers answer 2xx.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 5*time.Second), Control: g.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
