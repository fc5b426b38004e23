package server

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/ratelimit"
)

// unauthGuard handles what arrives without a valid token: it counts and logs every
// refused token by reason, and caps per client IP how many unauthenticated requests
// and websocket connections (which authenticate only after the upgrade) it answers,
// so token guessing and connection floods get 429 instead of work.
type unauthGuard struct {
	perIP    *ratelimit.Limiter
	failures *prometheus.CounterVec
	// limited counts the requests the cap refused (laborx_rate_limited_total).
	limited prometheus.Counter
	logger  *slog.Logger
	// trusted are the proxies whose X-Forwarded-For names the client (--trusted-proxy).
	trusted []netip.Prefix
}

func newUnauthGuard(cfg Config, reg prometheus.Registerer, limited prometheus.Counter, logger *slog.Logger) *unauthGuard {
	g := &unauthGuard{
		perIP: ratelimit.New(cfg.UnauthRate, cfg.UnauthBurst),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laborx_auth_failures_total", Help: "Tokens refused as UNAUTHENTICATED, by reason.",
		}, []string{"reason"}),
		limited: limited,
		logger:  logger,
		trusted: cfg.TrustedProxies,
	}
	reg.MustRegister(g.failures)
	return g
}

// refuse answers a request whose token was refused: 401, or 429 once the client's IP
// has spent its allowance of unauthenticated requests.
func (g *unauthGuard) refuse(w http.ResponseWriter, r *http.Request, err error) {
	g.record(r.Context(), clientIP(r, g.trusted), err)
	if !g.allow(w, r) {
		return
	}
	writeError(w, http.StatusUnauthorized, exchange.ErrorCode(err), exchange.ErrorMessage(err))
}

// record counts and logs a refused token with its reason and the client's address;
// never the token.
func (g *unauthGuard) record(ctx context.Context, ip string, err error) {
	reason := authFailureReason(err)
	g.failures.WithLabelValues(reason).Inc()
	g.logger.InfoContext(ctx, "token refused", "reason", reason, "detail", exchange.ErrorMessage(err),
		"client_ip", ip, "request_id", exchange.RequestID(ctx))
}

// allow takes one unauthenticated request (or connection) from the IP's bucket, or
// answers 429 with Retry-After and returns false.
func (g *unauthGuard) allow(w http.ResponseWriter, r *http.Request) bool {
	if g.perIP.Allow(clientIP(r, g.trusted)) {
		return true
	}
	g.limited.Inc()
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(1/max(g.perIP.Limit(), 0.001)))))
	writeError(w, http.StatusTooManyRequests, exchange.CodeRateLimited,
		"too many unauthenticated requests from this address: slow down and retry")
	return false
}

type clientIPKey struct{}

// withClientIP keeps a websocket's address for its connection_init, which has no request.
func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

func clientIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// authFailureReasons map the verifier's refusals (internal/auth) to a short, fixed
// label set for the metric, by the start of their message.
var authFailureReasons = []struct{ prefix, reason string }{
	{"authentication required", "missing"},
	{"use an Authorization header", "malformed"},
	{"malformed token", "malformed"},
	{"invalid token", "malformed"},
	{"unsupported critical header", "malformed"},
	{"token has no key id", "malformed"},
	{"token has no issuer", "malformed"},
	{"token too large", "too_large"},
	{"unknown key", "unknown_key"},
	{"key does not belong", "unknown_key"},
	{"algorithm mismatch", "algorithm"},
	{"unsupported algorithm", "algorithm"},
	{"invalid signature", "bad_signature"},
	{"token expired", "expired"},
	{"token not valid yet", "not_yet_valid"},
	{"token issued in the future", "not_yet_valid"},
	{"key revoked", "key_revoked"},
	{"key expired", "key_expired"},
	{"key not usable", "key_revoked"},
	{"center suspended", "center_suspended"},
	{"center tokens", "claims"},
	{"token", "claims"}, // no expiry, subject, audience, roles; lifetime too long
}

func authFailureReason(err error) string {
	if exchange.ErrorCode(err) != exchange.CodeUnauthenticated {
		return "unavailable" // the verifier could not check (database)
	}
	msg := exchange.ErrorMessage(err)
	for _, r := range authFailureReasons {
		if strings.HasPrefix(msg, r.prefix) {
			return r.reason
		}
	}
	return "other"
}
