package exchange_test

import (
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestAddWorkingDays_SkipsWeekendsAndHolidays(t *testing.T) {
	tests := []struct {
		name, from, want string
	}{
		{"plain week", "2026-03-09", "2026-03-12"},
		{"over a weekend", "2026-03-12", "2026-03-17"},
		{"from a Saturday", "2026-03-14", "2026-03-18"},
		// Giỗ Tổ 2026 falls on Sunday 26/4 and is made up on Monday 27/4; 30/4 and 1/5
		// follow: Friday 24/4 + 3 = 28/4, 29/4, 4/5.
		{"weekend, made-up Giỗ Tổ, 30/4 and 1/5", "2026-04-24", "2026-05-04"},
		{"Tết Bính Ngọ 2026", "2026-02-12", "2026-02-24"},
		{"National Day with 1/9 (2026)", "2026-08-28", "2026-09-04"},
		{"swapped Saturday 10/1/2026 is worked", "2026-01-08", "2026-01-12"},
		{"New Year 2025", "2024-12-31", "2025-01-06"},
		{"Tết Ất Tỵ 2025", "2025-01-24", "2025-02-05"},
		{"30/4, 1/5, 2/5 2025", "2025-04-29", "2025-05-07"},
		{"provisional Tết 2027", "2027-02-04", "2027-02-16"},
		{"beyond the table: weekends only", "2028-01-06", "2028-01-11"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exchange.AddWorkingDays(date(tt.from), 3).Format(time.DateOnly)
			if got != tt.want {
				t.Errorf("3 working days after %s = %s, want %s", tt.from, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	from := date("2026-04-24")
	if got := exchange.WorkingDaysBetween(from, exchange.AddWorkingDays(from, 3)); got != 3 {
		t.Errorf("WorkingDaysBetween = %d, want 3", got)
	}
	if got := exchange.WorkingDaysBetween(from, from.AddDate(0, 0, -2)); got != 0 {
		t.Errorf("backwards = %d, want 0", got)
	}
}

func TestDateInVietnam(t *testing.T) {
	// 18:30 UTC on 1 May is already 2 May in Vietnam.
	got := exchange.DateInVietnam(time.Date(2026, 5, 1, 18, 30, 0, 0, time.UTC))
	if got.Format(time.DateOnly) != "2026-05-02" {
		t.Errorf("DateInVietnam = %s", got)
	}
}
