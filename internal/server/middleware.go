package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/ratelimit"
)

// requestContext gives each request an id (the client's X-Request-Id if sane), logs it
// as one JSON line with its caller's center, client address, operation and error codes,
// and records its metrics.
func requestContext(logger *slog.Logger, m *metrics, trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		info := &requestInfo{}
		ctx := exchange.WithRequestID(r.Context(), id)
		ctx = withRequestInfo(ctx, info)
		next.ServeHTTP(rec, r.WithContext(ctx))

		elapsed := time.Since(start)
		route := routeOf(r.URL.Path)
		m.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		if route == "other" || route == "/metrics" || route == "/healthz" {
			return
		}
		attrs := append([]any{"request_id", id, "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration_ms", float64(elapsed.Microseconds()) / 1000,
			"center", info.center, "subject", info.subject, "client_ip", clientIP(r, trusted)}, info.logAttrs()...)
		logger.InfoContext(ctx, "request", attrs...)
	})
}

func routeOf(path string) string {
	switch path {
	case "/graphql", "/healthz", "/readyz", "/metrics", "/":
		return path
	}
	return "other"
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status for logs and metrics; it passes Hijack through
// so websocket upgrades still work.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// authenticate verifies the bearer token of every GraphQL request before any resolver
// runs; a refused request gets 401 with a GraphQL error body and no data. Websocket
// upgrades carry their token in connection_init instead and are verified there.
func authenticate(cfg Config, d Deps, limiter *ratelimit.Limiter, g *unauthGuard, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			if g.allow(w, r) { // not authenticated until connection_init
				next.ServeHTTP(w, r.WithContext(withClientIP(r.Context(), clientIP(r, cfg.TrustedProxies))))
			}
			return
		}
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET, POST")
			writeError(w, http.StatusMethodNotAllowed, exchange.CodeBadUserInput, "GraphQL is served over POST, GET (queries) and websocket")
			return
		}
		p, err := verify(r.Context(), cfg, d, r.Header.Get("Authorization"))
		if err != nil {
			refuseUnverified(w, r, d, g, err)
			return
		}
		if info := requestInfoFrom(r.Context()); info != nil {
			info.center, info.subject = p.CenterCode, p.Subject
			if p.IsOperator() {
				info.center = "operator"
			}
		}
		if !limiter.Allow(p.CenterCode + "/" + p.Subject) {
			m.rateLimited.Inc()
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, exchange.CodeRateLimited, "too many requests: slow down and retry")
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), p)))
	})
}

func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// writeError answers with a GraphQL-shaped error body, so clients parse every refusal
// the same way.
func writeError(w http.ResponseWriter, status int, code exchange.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}

// limitBody refuses a body over limit bytes: at once with 413 when Content-Length
// says so, and by cutting the read short for a chunked body (gqlgen then reports
// BAD_USER_INPUT).
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeError(w, http.StatusRequestEntityTooLarge, exchange.CodeBadUserInput,
				fmt.Sprintf("request body is larger than %d bytes", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}
