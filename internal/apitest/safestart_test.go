package apitest_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/app"
	"github.com/laborx/laborx/internal/pii"
	"github.com/laborx/laborx/internal/postgres"
)

// TestOtherPIIKeyRefusedAtStart: the first instance on a database records its PII key's
// check value; an instance started with another key refuses to start (it would create
// a second worker for the same national ID), one with the same key starts.
func TestOtherPIIKeyRefusedAtStart(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	ctx := context.Background()
	other := make([]byte, pii.KeySize)
	if _, err := rand.Read(other); err != nil {
		t.Fatal(err)
	}
	if a, err := app.New(ctx, app.Config{DatabaseURL: e.DSN, PIIKey: other}); !errors.Is(err, postgres.ErrPIIKeyMismatch) {
		if err == nil {
			a.Close()
		}
		t.Fatalf("start with another PII key: %v, want %v", err, postgres.ErrPIIKeyMismatch)
	}
	a, err := app.New(ctx, app.Config{DatabaseURL: e.DSN, PIIKey: e.PIIKey})
	if err != nil {
		t.Fatalf("start with the same PII key: %v", err)
	}
	a.Close()
}
