package exchange_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestMedianWorkingDays(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Requested on Friday 24 April 2026: 27/4 (Giỗ Tổ made up), 30/4 and 1/5 are off.
	span := func(reached string, n int) exchange.TransferSpan {
		return exchange.TransferSpan{RequestedOn: day("2026-04-24"), ReachedOn: day(reached), N: n}
	}
	for _, c := range []struct {
		name  string
		spans []exchange.TransferSpan
		want  string
	}{
		{"none", nil, "<nil>"},
		{"only empty groups", []exchange.TransferSpan{span("2026-04-29", 0)}, "<nil>"},
		{"one", []exchange.TransferSpan{span("2026-04-29", 1)}, "2"},
		{"the same day", []exchange.TransferSpan{span("2026-04-24", 1)}, "0"},
		{"across the holidays", []exchange.TransferSpan{span("2026-05-04", 1)}, "3"},
		{"odd count, unsorted", []exchange.TransferSpan{span("2026-05-06", 1), span("2026-04-28", 1), span("2026-05-04", 1)}, "3"},
		{"even count interpolates", []exchange.TransferSpan{span("2026-04-29", 1), span("2026-05-04", 1)}, "2.5"},
		{"weights", []exchange.TransferSpan{span("2026-04-28", 3), span("2026-05-06", 2)}, "1"},
		{"weights, even", []exchange.TransferSpan{span("2026-04-28", 2), span("2026-05-06", 2)}, "3"},
	} {
		got := "<nil>"
		if m := exchange.MedianWorkingDays(c.spans); m != nil {
			got = fmt.Sprint(*m)
		}
		if got != c.want {
			t.Errorf("%s: median = %s, want %s", c.name, got, c.want)
		}
	}
}
