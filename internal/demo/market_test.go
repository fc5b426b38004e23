package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
)

func TestSeedMarketTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := seededDB(t) // seeded once
	if err := demo.SeedMarket(ctx, db); err != nil {
		t.Fatal(err)
	}
	var demands, supplies int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM labor_demands WHERE created_at > now() - interval '1 day'),
		(SELECT count(*) FROM labor_supplies WHERE created_at > now() - interval '1 day')`).
		Scan(&demands, &supplies); err != nil {
		t.Fatal(err)
	}
	if demands != 7 || supplies != 4 {
		t.Errorf("after two seeds: %d demands and %d supplies of today, want 7 and 4", demands, supplies)
	}
}
