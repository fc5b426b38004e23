package exchange_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

func TestParseTermsJSON_RoundTrip(t *testing.T) {
	in := exchange.AgreementTerms{
		ValidFrom: date("2026-01-01"), ValidUntil: date("2026-12-31"),
		Quotas: []exchange.QuotaLine{
			{OccupationCode: "8212", Workers: 20, FromCenterCode: "tng", ToCenterCode: "HPG"},
			{OccupationCode: "8153", Workers: 50, FromCenterCode: "TNG", ToCenterCode: "HPG"},
		},
		Responsibilities: []exchange.Responsibility{{CenterCode: "HPG", Text: " Bố trí chỗ ở \"miễn phí\"\n"}},
		SupportPolicy:    "Hỗ trợ đi lại <500.000đ>",
	}
	got, err := exchange.ParseTermsJSON(in.CanonicalJSON())
	if err != nil {
		t.Fatal(err)
	}
	if want := in.Canonical(); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Hash() != in.Hash() {
		t.Fatal("the parsed terms hash differently")
	}
	if _, err := exchange.ParseTermsJSON([]byte(`{"validFrom":"2026-13-01","validUntil":"2026-12-31"}`)); err == nil {
		t.Fatal("a bad date parsed")
	}
}

func TestToday(t *testing.T) {
	// 05:30 in Hà Nội on 1 March is still 28 February in UTC, the store's day.
	hanoi := time.FixedZone("ICT", 7*3600)
	if got := exchange.Today(time.Date(2026, 3, 1, 5, 30, 0, 0, hanoi)); !got.Equal(date("2026-02-28")) {
		t.Fatalf("Today = %s", got)
	}
}
