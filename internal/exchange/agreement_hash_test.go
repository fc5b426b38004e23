package exchange_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/laborx/laborx/internal/exchange"
)

// jcsOf canonicalises v with an independent RFC 8785 implementation (gowebpki/jcs,
// a port of the RFC authors' reference code) after encoding/json wrote it in its own
// way (map keys sorted, <>& and U+2028 escaped, no NFC).
func jcsOf(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestCanonicalJSONIsJCS checks both hash versions' documents byte for byte against the
// independent canonicaliser, on text that exercises every escaping rule.
func TestCanonicalJSONIsJCS(t *testing.T) {
	tricky := "quote \" backslash \\ slash / tab \t newline \n cr \r bell \x07 unit \x1f <b>&amp; \u2028 \u2029 ✓ 🇻🇳 Hưng Yên"
	terms := exchange.AgreementTerms{
		ValidFrom:  date("2026-01-01"),
		ValidUntil: date("2026-12-31"),
		Quotas: []exchange.QuotaLine{
			{OccupationCode: "8211", Workers: 5, FromCenterCode: "hpg", ToCenterCode: "TNG"},
			{OccupationCode: "7212", Workers: 120, FromCenterCode: "TNG", ToCenterCode: "HPG"},
		},
		Responsibilities: []exchange.Responsibility{
			{CenterCode: "TNG", Text: "  " + tricky + "  "},
			{CenterCode: "HPG", Text: "Nhà ở"},
		},
		SupportPolicy: "\bform feed \f end",
		Notes:         "Ghi chú",
	}
	wantTerms := map[string]any{
		"validFrom": "2026-01-01", "validUntil": "2026-12-31",
		"quotas": []any{
			map[string]any{"occupationCode": "8211", "workers": 5, "fromCenterCode": "HPG", "toCenterCode": "TNG"},
			map[string]any{"occupationCode": "7212", "workers": 120, "fromCenterCode": "TNG", "toCenterCode": "HPG"},
		},
		"responsibilities": []any{
			map[string]any{"centerCode": "HPG", "text": "Nhà ở"},
			map[string]any{"centerCode": "TNG", "text": tricky},
		},
		"supportPolicy": "\bform feed \f end",
		"notes":         "Ghi chú",
	}
	if got, want := string(terms.CanonicalJSON()), jcsOf(t, wantTerms); got != want {
		t.Errorf("version 1 is not JCS:\n got %s\nwant %s", got, want)
	}

	doc := exchange.RevisionDocument{AgreementID: "QWdyZWVtZW50OjEyMw", Revision: 3, Title: " Hợp tác " + tricky,
		PartyCodes: []string{"tng", "HPG", "TNG"}, Terms: terms}
	want := jcsOf(t, map[string]any{"agreement": "QWdyZWVtZW50OjEyMw", "parties": []string{"HPG", "TNG"}, "revision": 3,
		"terms": wantTerms, "title": "Hợp tác " + tricky, "version": 2})
	if got := string(doc.CanonicalJSON()); got != want {
		t.Errorf("version 2 is not JCS:\n got %s\nwant %s", got, want)
	}
}

// TestRevisionHashNFC: version 2 hashes the same words alike however they were typed
// (precomposed or with combining marks) and changes with anything it covers; version 1
// stays what it always was, so stored hashes keep comparing.
func TestRevisionHashNFC(t *testing.T) {
	base := func() exchange.RevisionDocument {
		return exchange.RevisionDocument{AgreementID: "A", Revision: 1, Title: "Hợp tác lao động", PartyCodes: []string{"TNG", "HPG"},
			Terms: exchange.AgreementTerms{ValidFrom: date("2026-01-01"), ValidUntil: date("2026-12-31"),
				Quotas:           []exchange.QuotaLine{{OccupationCode: "8211", Workers: 5, FromCenterCode: "TNG", ToCenterCode: "HPG"}},
				Responsibilities: []exchange.Responsibility{{CenterCode: "HPG", Text: "Nhà ở"}}}}
	}
	decomposed := base()
	decomposed.Title = "Ho\u031b\u0323p ta\u0301c lao đô\u0323ng"
	decomposed.Terms.Responsibilities[0].Text = "Nha\u0300 o\u031b\u0309"
	decomposed.PartyCodes = []string{"hpg", "tng"}
	if base().Hash() != decomposed.Hash() {
		t.Errorf("NFC-equal documents hash differently:\n%s\n%s", base().CanonicalJSON(), decomposed.CanonicalJSON())
	}
	if base().Terms.Hash() == decomposed.Terms.Hash() {
		t.Error("version 1 normalises now: stored version-1 hashes would no longer match")
	}
	for name, change := range map[string]func(*exchange.RevisionDocument){
		"agreement": func(d *exchange.RevisionDocument) { d.AgreementID = "B" },
		"revision":  func(d *exchange.RevisionDocument) { d.Revision = 2 },
		"title":     func(d *exchange.RevisionDocument) { d.Title += "!" },
		"parties":   func(d *exchange.RevisionDocument) { d.PartyCodes = append(d.PartyCodes, "BNH") },
		"terms":     func(d *exchange.RevisionDocument) { d.Terms.Quotas[0].Workers = 6 },
	} {
		d := base()
		change(&d)
		if d.Hash() == base().Hash() {
			t.Errorf("changing the %s leaves the hash unchanged", name)
		}
	}
	for v, want := range map[int]string{1: base().Terms.Hash(), 2: base().Hash()} {
		if got, err := exchange.RevisionHash(v, base()); err != nil || got != want {
			t.Errorf("RevisionHash(%d) = %s, %v", v, got, err)
		}
	}
	if _, err := exchange.RevisionHash(3, base()); err == nil {
		t.Error("hash version 3 accepted")
	}
}

// TestTerminationRules: the effective day of a termination, what is stored, the status
// seen and the last day in force, on each boundary.
func TestTerminationRules(t *testing.T) {
	today := date("2026-06-15")
	until := date("2026-12-31")
	day := func(s string) *time.Time { d := date(s); return &d }
	for _, c := range []struct {
		name        string
		effectiveOn *time.Time
		wantDay     string
		wantCode    exchange.Code
		stored      exchange.AgreementStatus
	}{
		{"default today", nil, "2026-06-15", "", exchange.AgreementTerminated},
		{"today", day("2026-06-15"), "2026-06-15", "", exchange.AgreementTerminated},
		{"tomorrow", day("2026-06-16"), "2026-06-16", "", exchange.AgreementSigned},
		{"on validUntil", day("2026-12-31"), "2026-12-31", "", exchange.AgreementSigned},
		{"after validUntil", day("2027-01-01"), "", exchange.CodeOutOfRange, ""},
		{"yesterday", day("2026-06-14"), "", exchange.CodeOutOfRange, ""},
	} {
		got, err := exchange.TerminationDay(c.effectiveOn, until, today)
		if c.wantCode != "" {
			if exchange.ErrorCode(err) != c.wantCode {
				t.Errorf("%s: err %v, want %s", c.name, err, c.wantCode)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != c.wantDay {
			t.Errorf("%s: day %s, %v", c.name, got.Format(time.DateOnly), err)
			continue
		}
		if s := exchange.TerminatedStatus(got, today); s != c.stored {
			t.Errorf("%s: stored %s, want %s", c.name, s, c.stored)
		}
	}

	from := date("2026-01-01")
	for _, c := range []struct {
		name         string
		stored       exchange.AgreementStatus
		terminatesOn *time.Time
		on           string
		status       exchange.AgreementStatus
		active       bool
	}{
		{"signed", exchange.AgreementSigned, nil, "2026-06-15", exchange.AgreementSigned, true},
		{"before the termination", exchange.AgreementSigned, day("2026-07-01"), "2026-06-30", exchange.AgreementSigned, true},
		{"the day it takes effect", exchange.AgreementSigned, day("2026-07-01"), "2026-07-01", exchange.AgreementTerminated, false},
		{"after it", exchange.AgreementSigned, day("2026-07-01"), "2026-08-01", exchange.AgreementTerminated, false},
		{"terminated at once", exchange.AgreementTerminated, day("2026-06-15"), "2026-06-15", exchange.AgreementTerminated, false},
		{"termination after validUntil", exchange.AgreementSigned, day("2027-01-01"), "2026-12-31", exchange.AgreementSigned, true},
		{"expired", exchange.AgreementSigned, nil, "2027-01-01", exchange.AgreementSigned, false},
	} {
		on := date(c.on)
		if s := exchange.AgreementStatusAt(c.stored, c.terminatesOn, on); s != c.status {
			t.Errorf("%s: status %s, want %s", c.name, s, c.status)
		}
		if a := exchange.IsActive(c.stored, from, exchange.InForceUntil(until, c.terminatesOn), on); a != c.active {
			t.Errorf("%s: active %v, want %v", c.name, a, c.active)
		}
	}

	// A second termination while one is scheduled is refused.
	s := exchange.AgreementState{Status: exchange.AgreementSigned, CurrentRevision: 1, PartyCodes: []string{"TNG", "HPG"},
		TerminatesOn: day("2026-07-01")}
	coordinator := &exchange.Principal{CenterCode: "TNG", Roles: []exchange.Role{exchange.RoleCoordinator}}
	if _, err := exchange.DecideAgreement(s, coordinator, exchange.AgreementTerminate, 0); exchange.ErrorCode(err) != exchange.CodeInvalidTransition {
		t.Errorf("second termination: %v", err)
	}
	s.TerminatesOn = nil
	if next, err := exchange.DecideAgreement(s, coordinator, exchange.AgreementTerminate, 0); err != nil || next != exchange.AgreementTerminated {
		t.Errorf("termination: %s %v", next, err)
	}
}
