package exchange_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// The consent rules as decision tables: the worker's consent history, the day and the
// destination's province in, the refusal out. No database.

// 2026-05-10 09:00 in Vietnam; 2026-05-10 is "today".
var consentNow = time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC)

func day(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

// consent builds a record: provinces "" is any; until "" is open-ended; withdrawn marks it.
func consent(provinces, until string, withdrawn bool) *exchange.Consent {
	c := &exchange.Consent{GivenAt: consentNow.AddDate(0, -1, 0), DestinationProvinceCodes: []string{}}
	if provinces != "" {
		c.DestinationProvinceCodes = strings.Split(provinces, ",")
	}
	if until != "" {
		c.ValidUntil = day(until)
	}
	if withdrawn {
		at := consentNow.AddDate(0, 0, -1)
		c.WithdrawnAt = &at
	}
	return c
}

func TestConsentStatus(t *testing.T) {
	for _, c := range []struct {
		name    string
		consent *exchange.Consent
		now     time.Time
		want    exchange.ConsentStatus
	}{
		{"open-ended", consent("", "", false), consentNow, exchange.ConsentInForce},
		{"last day is today", consent("", "2026-05-10", false), consentNow, exchange.ConsentInForce},
		{"last day was yesterday", consent("", "2026-05-09", false), consentNow, exchange.ConsentExpired},
		// 2026-05-10 17:30 UTC is already 2026-05-11 in Vietnam.
		{"past midnight in Vietnam", consent("", "2026-05-10", false), time.Date(2026, 5, 10, 17, 30, 0, 0, time.UTC), exchange.ConsentExpired},
		{"withdrawn", consent("", "", true), consentNow, exchange.ConsentWithdrawn},
		{"withdrawn wins over expired", consent("", "2026-01-01", true), consentNow, exchange.ConsentWithdrawn},
	} {
		c.consent.SetStatus(c.now)
		if c.consent.Status != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.consent.Status, c.want)
		}
	}
}

func TestDecideReferralConsent(t *testing.T) {
	for _, c := range []struct {
		name     string
		consents []*exchange.Consent
		province string
		want     string
	}{
		{"no consent at all", nil, "31", "worker.consent CONSENT_REQUIRED"},
		{"any province, open-ended", []*exchange.Consent{consent("", "", false)}, "31", ""},
		{"the province named", []*exchange.Consent{consent("24,31", "2026-12-31", false)}, "31", ""},
		{"withdrawn", []*exchange.Consent{consent("", "", true)}, "31", "worker.consent CONSENT_REQUIRED"},
		{"withdrawn, then given again", []*exchange.Consent{consent("", "", true), consent("", "", false)}, "31", ""},
		{"expired", []*exchange.Consent{consent("", "2026-05-09", false)}, "31", "worker.consent CONSENT_EXPIRED"},
		{"expired, then given again", []*exchange.Consent{consent("", "2026-05-09", false), consent("31", "", false)}, "31", ""},
		{"another province only", []*exchange.Consent{consent("24", "", false)}, "31", "worker.consent CONSENT_OUT_OF_SCOPE"},
		{"expired for this province beats in force for another",
			[]*exchange.Consent{consent("24", "", false), consent("31", "2026-05-01", false)}, "31", "worker.consent CONSENT_EXPIRED"},
		{"in force for another beats expired for another",
			[]*exchange.Consent{consent("24", "2026-05-01", false), consent("33", "", false)}, "31", "worker.consent CONSENT_OUT_OF_SCOPE"},
		{"expired for another province", []*exchange.Consent{consent("24", "2026-05-01", false)}, "31", "worker.consent CONSENT_EXPIRED"},
		{"withdrawn for this province, in force for another",
			[]*exchange.Consent{consent("31", "", true), consent("24", "", false)}, "31", "worker.consent CONSENT_OUT_OF_SCOPE"},
	} {
		check(t, c.name, exchange.DecideReferralConsent(c.consents, c.province, consentNow), c.want)
	}
}

func TestDecideTransferConsent(t *testing.T) {
	check(t, "in force for another province", exchange.DecideTransferConsent([]*exchange.Consent{consent("24", "", false)}, consentNow), "")
	check(t, "expired", exchange.DecideTransferConsent([]*exchange.Consent{consent("", "2026-05-09", false)}, consentNow),
		"workerId CONSENT_REQUIRED")
	check(t, "withdrawn", exchange.DecideTransferConsent([]*exchange.Consent{consent("", "", true)}, consentNow), "workerId CONSENT_REQUIRED")
}

func TestNormalizeConsent(t *testing.T) {
	cat := testCatalog()
	long := strings.Repeat("a", exchange.MaxConsentPurpose+1)
	for _, c := range []struct {
		name string
		in   exchange.ConsentDraft
		want string
	}{
		{"nothing but consent", exchange.ConsentDraft{}, ""},
		{"provinces and a day", exchange.ConsentDraft{DestinationProvinceCodes: []string{"31", " 19 ", "31"}, ValidUntil: day("2026-05-10")}, ""},
		{"unknown province", exchange.ConsentDraft{DestinationProvinceCodes: []string{"99"}}, "consent.destinationProvinceCodes UNKNOWN_PROVINCE"},
		{"dissolved province", exchange.ConsentDraft{DestinationProvinceCodes: []string{"06"}}, "consent.destinationProvinceCodes PROVINCE_DISSOLVED"},
		{"valid until yesterday", exchange.ConsentDraft{ValidUntil: day("2026-05-09")}, "consent.validUntil OUT_OF_RANGE"},
		{"purpose too long", exchange.ConsentDraft{Purpose: &long}, "consent.purpose TOO_LONG"},
	} {
		_, err := exchange.NormalizeConsent([]string{"consent"}, c.in, consentNow, cat)
		check(t, c.name, err, c.want)
	}
	blank := "  "
	d, err := exchange.NormalizeConsent(nil, exchange.ConsentDraft{Purpose: &blank,
		DestinationProvinceCodes: []string{"31", " 19 ", "31"}}, consentNow, cat)
	if err != nil || d.Purpose != nil || !slices.Equal(d.DestinationProvinceCodes, []string{"19", "31"}) {
		t.Errorf("canonical form: %+v, %v", d, err)
	}
}

func TestSeesConsents(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *exchange.Principal
		want bool
	}{
		{"registering center's publisher", pubA, true},
		{"registering center's coordinator", coordA, true},
		{"registering center's viewer", viewerA, false},
		{"another center (a destination)", staff(centerB, "BBB", exchange.RolePublisher), false},
		{"operator", op, false},
	} {
		if got := exchange.SeesConsents(c.p, centerA); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
