package server

import (
	"log/slog"
	"net/http"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// centerJWKS serves GET /.well-known/centers/{code}/jwks.json: the center's public keys
// usable now, as a JWKS document (RFC 7517), so that anyone can verify the center's
// tokens and signatures without an account. Unknown centers are 404.
func centerJWKS(d Deps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		keys, err := d.CenterKeys(r.Context(), r.PathValue("code"))
		if exchange.ErrorCode(err) == exchange.CodeNotFound {
			http.Error(w, "no center has this code", http.StatusNotFound)
			return
		}
		if err != nil {
			d.Logger.ErrorContext(r.Context(), "center JWKS", slog.Any("error", err))
			http.Error(w, "keys are unavailable", http.StatusServiceUnavailable)
			return
		}
		jwks := make([]map[string]any, 0, len(keys))
		for _, k := range keys {
			pub, err := auth.ParsePublicKeyPEM(k.PublicKeyPEM, k.Alg)
			if err == nil {
				var jwk map[string]any
				if jwk, err = auth.PublicJWK(pub, k.KID, k.Alg); err == nil {
					jwks = append(jwks, jwk)
				}
			}
			if err != nil {
				d.Logger.ErrorContext(r.Context(), "center JWKS: stored key unreadable", slog.String("kid", k.KID))
			}
		}
		body, err := auth.MarshalJWKS(jwks...)
		if err != nil {
			http.Error(w, "keys are unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		// Short: a revoked key should drop out of caches soon.
		w.Header().Set("Cache-Control", "public, max-age=60")
		w.Write(body)
	}
}
