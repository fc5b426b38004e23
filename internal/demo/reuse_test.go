package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/postgres"
)

// TestSecondDataDirReusesDemoData seeds one database from two data dirs, as two
// `serve --demo` instances on one LABORX_DATABASE_URL do: the second reuses the demo
// data instead of failing, and the tokens of both data dirs are accepted.
func TestSecondDataDirReusesDemoData(t *testing.T) {
	t.Parallel()
	db, first := seededDB(t) // seeded from the first data dir
	ctx := context.Background()
	second := t.TempDir()
	if err := demo.Seed(ctx, db, second); err != nil {
		t.Fatalf("second data dir on a seeded database: %v", err)
	}
	if err := demo.Seed(ctx, db, second); err != nil {
		t.Fatalf("second data dir seeded again: %v", err)
	}
	v := auth.NewVerifier(postgres.NewCenterService(db), nil, "")
	for _, dir := range []string{first, second} {
		tok, err := demo.Token(dir, "TNG", "demo-staff", []string{"publisher"}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Errorf("token of %s: %v", dir, err)
		}
	}
}
