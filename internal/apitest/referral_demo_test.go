package apitest_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/demo"
)

func TestDemoReferrals(t *testing.T) {
	e := apitest.New(t)
	dir := t.TempDir()
	for range 2 { // idempotent
		if err := demo.Seed(context.Background(), e.App.DB, dir); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := dbPool(t, e).Query(context.Background(), `SELECT status, count(*) FROM referrals GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		counts[s] = n
	}
	if len(counts) != 8 {
		t.Errorf("demo referrals by status: %v, want all 8 statuses", counts)
	}
	for s, n := range counts {
		if n != 5 {
			t.Errorf("%d demo referrals are %s, want 5", n, s)
		}
	}
	tok, err := demo.Token(dir, "HPG", "demo-staff", []string{"publisher"}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do(t, tok, `{ referrals(first: 100) { totalCount edges { node { worker { fullName nationalIdMasked } } } } }`, nil)
	r.NoErrors(t)
	if r.Int(t, "referrals.totalCount") == 0 {
		t.Errorf("HPG has no demo referrals: %s", r.Raw)
	}
}
