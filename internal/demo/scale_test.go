package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
)

// TestSeedScale: `laborx seed --scale N` adds N demands and N supplies over the five
// demo centers, on top of the demo data.
func TestSeedScale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := seededDB(t)
	count := func() (d, s, centers int) {
		if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM labor_demands), (SELECT count(*) FROM labor_supplies),
			(SELECT count(DISTINCT center_id) FROM labor_demands)`).Scan(&d, &s, &centers); err != nil {
			t.Fatal(err)
		}
		return
	}
	d0, s0, _ := count()
	if err := demo.SeedScale(ctx, db, 27, nil); err != nil {
		t.Fatal(err)
	}
	d1, s1, centers := count()
	if d1-d0 != 27 || s1-s0 != 27 || centers != len(demo.Centers) {
		t.Errorf("after --scale 27: %d more demands, %d more supplies over %d centers; want 27, 27 over %d",
			d1-d0, s1-s0, centers, len(demo.Centers))
	}
}
