package demo_test

import (
	"context"
	"testing"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestSeedAgreements: the demo has a signed TNG–HPG agreement and one under negotiation
// between HNI and HYN, and seeding twice changes nothing.
func TestSeedAgreements(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	dir := t.TempDir()
	for range 2 {
		if err := demo.Seed(ctx, db, dir); err != nil {
			t.Fatal(err)
		}
	}
	page, err := postgres.NewAgreementService(db).Agreements(demo.OperatorContext(ctx, "test"), exchange.AgreementFilter{},
		exchange.PageArgs{First: 10, WithTotal: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != 2 {
		t.Fatalf("%d demo agreements, want 2", page.TotalCount)
	}
	got := map[exchange.AgreementStatus]int{}
	for _, a := range page.Items {
		got[a.Status] = a.CurrentRevisionNumber
	}
	if got[exchange.AgreementSigned] != 1 || got[exchange.AgreementNegotiating] != 2 {
		t.Fatalf("demo agreements (status → revision): %v", got)
	}
	var partners bool
	if err := db.Pool.QueryRow(ctx, `SELECT are_partners(t.id, h.id, '2026-06-01')
		FROM centers t, centers h WHERE t.code = 'TNG' AND h.code = 'HPG'`).Scan(&partners); err != nil || !partners {
		t.Fatalf("TNG and HPG are not partners in June 2026 (%v)", err)
	}
}
