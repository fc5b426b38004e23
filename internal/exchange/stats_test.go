package exchange_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestCheckMonthlyArgs(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		metric   exchange.StatsMetric
		from, to string
		want     exchange.Code
	}{
		{exchange.MetricHires, "2026-01-31", "2026-01-31", ""},
		{exchange.MetricReferrals, "2016-02-01", "2026-01-31", ""}, // exactly 120 months
		{exchange.MetricReferrals, "2016-01-31", "2026-01-01", exchange.CodeBadUserInput},
		{exchange.MetricAgreementsSigned, "2026-02-01", "2026-01-31", exchange.CodeBadUserInput},
		{"PEOPLE", "2026-01-01", "2026-01-31", exchange.CodeBadUserInput},
	} {
		err := exchange.CheckMonthlyArgs(exchange.MonthlyArgs{Metric: c.metric, From: day(c.from), To: day(c.to)})
		if got := exchange.Code(""); err != nil {
			got = exchange.ErrorCode(err)
			if got != c.want {
				t.Errorf("%s %s..%s: %v, want %q", c.metric, c.from, c.to, err, c.want)
			}
		} else if c.want != "" {
			t.Errorf("%s %s..%s: accepted, want %s", c.metric, c.from, c.to, c.want)
		}
	}
}

func TestCheckOccupationLevel(t *testing.T) {
	for level := -1; level <= 5; level++ {
		if err := exchange.CheckOccupationLevel(level); (err == nil) != (level >= 1 && level <= 4) {
			t.Errorf("level %d: %v", level, err)
		}
	}
}
