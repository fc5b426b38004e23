package server

import (
	"context"
	"errors"
	"github.com/laborx/laborx/internal/redact"
	"net/http"
	"time"
)

// NotReady is a readiness failure: Reason is what /readyz shows anyone who asks, so it
// names no user, host or port; Err, the cause, is only logged.
type NotReady struct {
	Reason string
	Err    error
}

func (e *NotReady) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

func (e *NotReady) Unwrap() error { return e.Err }

// readiness answers /readyz: 503 from the start of a drain, or when d.Ready fails.
func readiness(d Deps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d.Drain.Draining() {
			http.Error(w, "not ready: shutting down", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.Ready(ctx); err != nil {
			reason := "not ready"
			var nr *NotReady
			if errors.As(err, &nr) {
				reason = nr.Reason
			}
			d.Logger.WarnContext(ctx, "not ready", "reason", reason, "err", redact.String(err.Error())) // a connection error may quote the database URL
			http.Error(w, "not ready: "+reason, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	}
}
