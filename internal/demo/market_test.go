package demo_test

import (
	"context"
	"os"
	"testing"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestSeedMarketTwice(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(ctx, db, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedMarket(ctx, db); err != nil {
		t.Fatal(err)
	}
	var demands, supplies int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM labor_demands), (SELECT count(*) FROM labor_supplies)`).
		Scan(&demands, &supplies); err != nil {
		t.Fatal(err)
	}
	if demands != 6 || supplies != 4 {
		t.Errorf("after two seeds: %d demands and %d supplies, want 6 and 4", demands, supplies)
	}
}
