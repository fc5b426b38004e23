package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestSeedAgreements: the demo has a signed TNG–HPG agreement, one under negotiation
// between HNI and HYN, the history's TNG–HYN (signed) and BNH–TNG (terminated), and
// seeding twice changes nothing.
func TestSeedAgreements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dir := seededDB(t)
	if err := demo.Seed(ctx, db, dir); err != nil { // the second seed
		t.Fatal(err)
	}
	page, err := postgres.NewAgreementService(db).Agreements(demo.OperatorContext(ctx, "test"), exchange.AgreementFilter{},
		exchange.PageArgs{First: 10, WithTotal: true})
	if err != nil {
		t.Fatal(err)
	}
	// Today's two, and the history's: one still in force, one terminated.
	if page.TotalCount != 4 {
		t.Fatalf("%d demo agreements, want 4", page.TotalCount)
	}
	got := map[exchange.AgreementStatus][]int{}
	for _, a := range page.Items {
		got[a.Status] = append(got[a.Status], a.CurrentRevisionNumber)
	}
	if len(got[exchange.AgreementSigned]) != 2 || len(got[exchange.AgreementTerminated]) != 1 ||
		len(got[exchange.AgreementNegotiating]) != 1 || got[exchange.AgreementNegotiating][0] != 2 {
		t.Fatalf("demo agreements (status → revisions): %v", got)
	}
	var partners bool
	if err := db.Pool.QueryRow(ctx, `SELECT are_partners(t.id, h.id, '2026-06-01')
		FROM centers t, centers h WHERE t.code = 'TNG' AND h.code = 'HPG'`).Scan(&partners); err != nil || !partners {
		t.Fatalf("TNG and HPG are not partners in June 2026 (%v)", err)
	}
}

// TestSeedHistory: the demo's past gives every monthly series a shape and the funnel a
// median time to hire of days.
func TestSeedHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := seededDB(t)
	stats := postgres.NewStatsService(db, nil)
	opCtx := demo.OperatorContext(ctx, "test")
	to := exchange.Day(time.Now())
	from := time.Date(to.Year(), to.Month()-17, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []exchange.StatsMetric{exchange.MetricReferrals, exchange.MetricHires, exchange.MetricDemandPositionsPublished,
		exchange.MetricSupplyWorkersPublished, exchange.MetricEmploymentsConfirmed} {
		series, err := stats.Monthly(opCtx, exchange.MonthlyArgs{Metric: m, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		nonZero := 0
		for _, v := range series {
			if v.Value > 0 {
				nonZero++
			}
		}
		if len(series) != 18 || nonZero < 12 {
			t.Errorf("%s: %d months, %d of them non-zero; want 18 and at least 12", m, len(series), nonZero)
		}
	}
	f, err := stats.ReferralFunnel(opCtx, exchange.ReferralFunnelArgs{From: &from, To: &to})
	if err != nil {
		t.Fatal(err)
	}
	if f.MedianDaysToHire == nil || *f.MedianDaysToHire < 3 || *f.MedianDaysToHire > 40 {
		t.Errorf("median days to hire %v, want days", f.MedianDaysToHire)
	}
	if f.Referred < 150 || f.Hired < 50 || f.Employed < 30 {
		t.Errorf("funnel %+v: want a history of hundreds of referrals", f)
	}
}
