package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/graph"
)

// TestReadyzRedactsPasswords: a readiness failure that quotes the database URL shows
// neither in the /readyz body nor in the log with its password.
func TestReadyzRedactsPasswords(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	h := New(DefaultConfig(), Deps{
		Drain:    NewDrain(reg),
		Resolver: &graph.Resolver{},
		Ready: func(context.Context) error {
			return errors.New("database unreachable: dial postgres://laborx:Pw-5ecret@db:5432/laborx: refused")
		},
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Registry: reg,
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "db:5432") {
		t.Errorf("/readyz: %d %s, want 503 naming no host", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "postgres://laborx:xxxxx@db") {
		t.Errorf("the log does not carry the masked cause:\n%s", logs.String())
	}
	if strings.Contains(rec.Body.String()+logs.String(), "Pw-5ecret") {
		t.Errorf("the password leaks:\n%s\n%s", rec.Body, logs.String())
	}
}
