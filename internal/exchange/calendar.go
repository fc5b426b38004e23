package exchange

import "time"

// The working-day calendar of Vietnam's public administration, for deadlines counted in
// working days (Decree 374/2025 Art. 20: the paying center acts "within 3 working days").
//
// A working day is Monday to Friday, unless the day is a public holiday or a day off
// swapped for one, plus the Saturdays the government makes working days in exchange.
// The table covers 2025–2027 (Labour Code 2019, Art. 112: 1/1, five days of Tết
// Nguyên đán, Giỗ Tổ Hùng Vương 10/3 âm lịch, 30/4, 1/5, 2/9 and one adjacent day; a
// holiday on a weekend is made up on the next working day). Only the weekdays that are
// off are listed: weekends are off anyway.
//
//   - 2025 and 2026: the dates the Ministry of Home Affairs announced for civil servants
//     (Tết 2025: 27–31/1; Giỗ Tổ 7/4; 30/4, 1/5 and 2/5 swapped for Saturday 26/4; 2/9
//     with 1/9. 2026: 1/1 and 2/1 swapped for Saturday 10/1; Tết 16–20/2; Giỗ Tổ on
//     Sunday 26/4, made up on 27/4; 30/4, 1/5; 2/9 with 1/9).
//   - 2027 is PROVISIONAL, computed by the Labour Code's rules from the lunar calendar
//     (Tết Đinh Mùi on Saturday 6/2/2027: 5/2 and 8–11/2; Giỗ Tổ on Friday 16/4; 1/5 on
//     a Saturday, made up on 3/5; 2/9 with 3/9): replace it with the announced dates
//     once published, as the government may swap days.
//
// Outside the table only weekends are skipped. Days the government adds later (a
// one-off holiday) must be added here; nothing is fetched at run time.
var publicHolidays = dateSet(
	// 2025
	"2025-01-01",
	"2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
	"2025-04-07",
	"2025-04-30", "2025-05-01", "2025-05-02",
	"2025-09-01", "2025-09-02",
	// 2026
	"2026-01-01", "2026-01-02",
	"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
	"2026-04-27",
	"2026-04-30", "2026-05-01",
	"2026-09-01", "2026-09-02",
	// 2027 (provisional, computed)
	"2027-01-01",
	"2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
	"2027-04-16",
	"2027-04-30", "2027-05-03",
	"2027-09-02", "2027-09-03",
)

// swappedWorkdays are Saturdays worked in exchange for a weekday off.
var swappedWorkdays = dateSet("2025-04-26", "2026-01-10")

// CalendarFirstYear and CalendarLastYear bound the holiday table.
const (
	CalendarFirstYear = 2025
	CalendarLastYear  = 2027
)

// VietnamTime is Indochina Time (UTC+7, no daylight saving): the day a center's
// deadline falls on is the day in Vietnam. A fixed zone needs no tzdata on the host.
var VietnamTime = time.FixedZone("ICT", 7*60*60)

func dateSet(days ...string) map[string]bool {
	m := make(map[string]bool, len(days))
	for _, d := range days {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			panic("calendar: bad date " + d)
		}
		m[d] = true
	}
	return m
}

// IsWorkingDay reports whether the date (its year, month and day; the time is ignored)
// is a working day.
func IsWorkingDay(d time.Time) bool {
	key := d.Format(time.DateOnly)
	if swappedWorkdays[key] {
		return true
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !publicHolidays[key]
}

// AddWorkingDays returns the n-th working day after the date d (a date at midnight
// UTC, as Date scalars are): the day itself does not count, whatever it is.
func AddWorkingDays(d time.Time, n int) time.Time {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if IsWorkingDay(day) {
			n--
		}
	}
	return day
}

// WorkingDaysBetween counts the working days after from up to and including to (0
// when to is not after from): the working days a step took.
func WorkingDaysBetween(from, to time.Time) int {
	a := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	n := 0
	for a.Before(b) {
		a = a.AddDate(0, 0, 1)
		if IsWorkingDay(a) {
			n++
		}
	}
	return n
}

// DateInVietnam is the calendar date of t in Vietnam, as a Date (midnight UTC).
func DateInVietnam(t time.Time) time.Time {
	v := t.In(VietnamTime)
	return time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)
}
