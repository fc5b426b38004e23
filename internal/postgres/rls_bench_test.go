package postgres_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// BenchmarkReferralListRLS measures what row-level security costs the referral list: the
// same page (50 of TNG's referrals with their workers' erasure flag, and the total),
// read through the same service code, as the service's role (the policies apply) and
// as the tables' owner (they do not), alternately in one loop on one database:
//
//	go test -run '^$' -bench BenchmarkReferralListRLS -benchtime 1s -count 5 ./internal/postgres/
func BenchmarkReferralListRLS(b *testing.B) {
	f := newRLSFixture(b)
	svc := postgres.NewReferralService(f.db)
	purpose := "giới thiệu việc làm"
	// 300 more referrals among the three centers: TNG sends 200 and receives 50.
	for i := range 300 {
		from, to := f.tng, "HPG"
		switch {
		case i%6 == 1:
			to = "HNI"
		case i%6 == 2:
			from, to = f.hpg, "TNG"
		case i%6 == 3:
			from, to = f.hni, "HPG"
		}
		if _, err := svc.ReferWorker(from, exchange.ReferWorkerInput{
			Worker: exchange.WorkerInput{FullName: "Người lao động", DateOfBirth: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC),
				NationalID: fmt.Sprintf("0010900%05d", i), OccupationCode: "8153",
				Consent: exchange.ConsentInput{Given: true, Purpose: &purpose}},
			DestinationCenterCode: to,
		}); err != nil {
			b.Fatal(err)
		}
	}
	rls, owner := postgres.NewReferralService(f.db), postgres.NewReferralService(f.owner)
	page := func(svc *postgres.ReferralService) time.Duration {
		start := time.Now()
		pg, err := svc.Referrals(f.tng, exchange.ReferralFilter{}, exchange.PageArgs{First: 50, WithTotal: true})
		if err != nil || len(pg.Items) != 50 || pg.TotalCount != 251 {
			b.Fatalf("%v: %d referrals of %d", err, len(pg.Items), pg.TotalCount)
		}
		return time.Since(start)
	}
	// Each iteration reads the page both ways, in turns first, so that both see the
	// same load on a shared machine; the figures are medians, the cost the median of
	// the pairs' ratios, which a burst of load elsewhere moves least.
	var withRLS, withoutRLS, ratios []float64
	for b.Loop() {
		var r, o time.Duration
		if len(ratios)%2 == 0 {
			r, o = page(rls), page(owner)
		} else {
			o, r = page(owner), page(rls)
		}
		withRLS, withoutRLS = append(withRLS, float64(r)), append(withoutRLS, float64(o))
		ratios = append(ratios, float64(r)/float64(o))
	}
	b.ReportMetric(median(withRLS), "rls-ns/page")
	b.ReportMetric(median(withoutRLS), "owner-ns/page")
	b.ReportMetric(100*(median(ratios)-1), "rls-cost-%")
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	if n := len(xs); n%2 == 1 {
		return xs[n/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
