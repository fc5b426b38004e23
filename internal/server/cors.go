package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// Browsers on other origins (a dashboard on a center's own site) may call /graphql only
// when their origin is listed (`--cors-origin`, LABORX_CORS_ORIGINS). The same list is
// what the websocket upgrade accepts as Origin; with none listed both are same-origin
// only. Tokens travel in the Authorization header, never in cookies, so no credentials
// mode is offered.

// ParseOrigins checks and normalises the configured origins: scheme://host[:port], no
// path, no wildcard (a wildcard would let every site read what a signed-in user sees).
func ParseOrigins(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
				(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
				strings.ContainsAny(u.Host, "*?[]\\") {
				return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. https://dashboard.example.vn", s)
			}
			o := strings.ToLower(u.Scheme + "://" + u.Host)
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// OriginAllowed reports whether a browser page of origin may call the API from another
// origin: it is one of the configured origins (compared without case).
func OriginAllowed(origins []string, origin string) bool {
	return origin != "" && slices.Contains(origins, strings.ToLower(origin))
}

// websocketOrigins accepts upgrades from the same host and from the configured
// origins (each contains "://", so the whole scheme://host is compared).
func websocketOrigins(origins []string) transport.WebsocketImplementation {
	return coderWebsocket{opts: websocket.AcceptOptions{OriginPatterns: origins}}
}

// corsHeaders answers preflights and marks responses readable for allowed origins.
// A preflight from any other origin is refused with 403 and no CORS headers, so the
// browser blocks the request; same-origin requests carry no Origin to check or send
// one equal to the host, and pass unchanged.
func corsHeaders(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := OriginAllowed(origins, origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !allowed {
				http.Error(w, "origin not allowed: start laborx with --cors-origin "+sanitizeOrigin(origin), http.StatusForbidden)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
		}
		next.ServeHTTP(w, r)
	})
}

// sanitizeOrigin keeps an echoed Origin printable and short.
func sanitizeOrigin(o string) string {
	if len(o) > 200 || strings.ContainsFunc(o, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return "ORIGIN"
	}
	return o
}
