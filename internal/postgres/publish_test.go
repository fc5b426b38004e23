package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// TestPublishWritesWhatTheTriggerWould: a publish writes its search texts and its
// change without the row's read-back (posting_publish.go); the texts must be the
// search trigger's, and the change's payload what the stored row says, also for an
// expiry given in another zone with nanoseconds.
func TestPublishWritesWhatTheTriggerWould(t *testing.T) {
	db, market, ctx := newMarket(t)
	str := func(s string) *string { return &s }
	partners := exchange.VisibilityAgreementPartners
	hanoi := time.FixedZone("ICT", 7*3600)
	exp := time.Now().In(hanoi).AddDate(0, 1, 0).Add(123456789 * time.Nanosecond)
	for _, in := range []exchange.PublishLaborDemandInput{
		{Employer: exchange.EmployerInput{Name: "Công ty May 10"}, OccupationCode: "8153", Title: "May công nghiệp",
			Quantity: 3, WorkProvinceCode: "31", EmploymentType: exchange.EmploymentFullTime, ExpiresAt: exp,
			Description: str("  Ca ngày, ½ ca tối  "), WorkAddress: str("Số 5 Lê Lợi"), Benefits: &exchange.BenefitsInput{Note: str("Hỗ trợ nhà ở")}},
		{Employer: exchange.EmployerInput{Name: "Điện tử ½ giá"}, OccupationCode: "8212", Title: "Lắp ráp",
			Quantity: 1, WorkProvinceCode: "01", EmploymentType: exchange.EmploymentFullTime, ExpiresAt: exp,
			Description: str("   "), WorkAddress: str(""), Visibility: &partners},
	} {
		d, err := market.PublishLaborDemand(ctx, in)
		if err != nil {
			t.Fatalf("publish %q: %v", in.Title, err)
		}
		var payload []byte
		if err := db.Pool.QueryRow(ctx, `SELECT payload FROM changes WHERE entity_id = $1`, d.ID).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(payload, &got); err != nil {
			t.Fatal(err)
		}
		wantExp, _ := json.Marshal(d.ExpiresAt)
		if `"`+got["expiresAt"].(string)+`"` != string(wantExp) || got["title"] != d.Title || got["status"] != string(d.Status) ||
			got["version"] != float64(d.Version) || got["visibility"] != string(d.Visibility) || got["filledCount"] != float64(0) {
			t.Errorf("change payload %s, stored %+v", payload, d)
		}
	}
	published := searchTexts(t, db, "labor_demands")
	if _, err := db.Pool.Exec(context.Background(), `UPDATE labor_demands SET title = title`); err != nil {
		t.Fatal(err)
	}
	for id, text := range searchTexts(t, db, "labor_demands") {
		if published[id] != text {
			t.Errorf("%s: published %q, trigger %q", id, published[id], text)
		}
	}
}
