package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
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

// TestPublishCountsItsDemand: a publish counts its demand in labor_demand_counts in its
// own statement and the insert trigger skips it (00185), so the counts must still
// follow the demands through parallel publishes of both visibilities (several backends,
// so several slots), a replayed idempotency key (counted once) and a plain INSERT,
// which the trigger counts as before.
func TestPublishCountsItsDemand(t *testing.T) {
	db, market, ctx := newMarket(t)
	partners := exchange.VisibilityAgreementPartners
	exp := time.Now().AddDate(0, 1, 0)
	publish := func(i int, key *string) {
		in := exchange.PublishLaborDemandInput{Employer: exchange.EmployerInput{Name: "Công ty May"}, OccupationCode: "8153",
			Title: fmt.Sprintf("May %d", i), Quantity: 1, WorkProvinceCode: "31", EmploymentType: exchange.EmploymentFullTime,
			ExpiresAt: exp, IdempotencyKey: key}
		if i%3 == 0 {
			in.Visibility = &partners
		}
		if _, err := market.PublishLaborDemand(ctx, in); err != nil {
			t.Errorf("publish %d: %v", i, err)
		}
	}
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			publish(i, nil)
		}()
	}
	wg.Wait()
	key := "counted-once"
	publish(100, &key)
	publish(100, &key)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO labor_demands (center_id, employer_name, occupation_code, title, quantity,
			work_province_code, employment_type, expires_at, visibility, created_at, updated_at)
		SELECT center_id, employer_name, occupation_code, title, quantity, work_province_code, employment_type, expires_at,
			visibility, created_at, updated_at FROM labor_demands LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var demands, counted int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM labor_demands), (SELECT sum(n) FROM labor_demand_counts)`).
		Scan(&demands, &counted); err != nil {
		t.Fatal(err)
	}
	var disagree int
	if err := db.Pool.QueryRow(ctx, demandCountsDisagreeSQL).Scan(&disagree); err != nil {
		t.Fatal(err)
	}
	if demands != 26 || counted != demands || disagree != 0 {
		t.Fatalf("%d demands, %d counted, %d (center, visibility) counts disagree; want 26, 26, 0", demands, counted, disagree)
	}
}

// TestPublishAnswersWhatItStored: a demand's publish answers with the row it built
// (storedDemand) instead of reading it back, so the answer must be what a read of the
// row gives: every column, with all the optional ones given and with none, an expiry
// in another zone with nanoseconds and dates given in another zone.
func TestPublishAnswersWhatItStored(t *testing.T) {
	_, market, ctx := newMarket(t)
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	yes, wage, top := true, int64(7_000_000), int64(9_500_000)
	partners, edu, skill, pay := exchange.VisibilityAgreementPartners, exchange.EducationUpperSecondary, exchange.SkillSkilled, exchange.PayMonthly
	hanoi := time.FixedZone("ICT", 7*3600)
	exp := time.Now().In(hanoi).AddDate(0, 1, 0).Add(123456789 * time.Nanosecond)
	start := time.Date(2027, 1, 15, 0, 0, 0, 0, hanoi)
	end := time.Date(2027, 12, 31, 23, 30, 0, 0, hanoi)
	for _, in := range []exchange.PublishLaborDemandInput{
		{Employer: exchange.EmployerInput{Name: "Công ty May 10"}, OccupationCode: "8153", Title: "May công nghiệp",
			Quantity: 3, WorkProvinceCode: "31", EmploymentType: exchange.EmploymentFullTime, ExpiresAt: exp},
		{Employer: exchange.EmployerInput{Name: "Điện tử Hải Phòng", TaxCode: str("0200123456-001")}, OccupationCode: "8212",
			Title: "Lắp ráp linh kiện", Description: str("  Ca ngày  "), Quantity: 40, WageMin: &wage, WageMax: &top,
			WorkProvinceCode: "01", WorkAddress: str("KCN Tràng Duệ"), EmploymentType: exchange.EmploymentFixedTerm,
			Requirements: &exchange.RequirementsInput{EducationLevel: &edu, SkillLevel: &skill, MinAge: num(18), MaxAge: num(35),
				ExperienceYears: num(1)},
			Benefits:  &exchange.BenefitsInput{Housing: &yes, TransportSupport: &yes, Meals: &yes, Note: str("Xe đưa đón")},
			StartDate: &start, ExpiresAt: exp, Visibility: &partners,
			TermsInput: exchange.TermsInput{HoursPerWeek: num(44), Shifts: []exchange.WorkShift{exchange.ShiftDay, exchange.ShiftNight},
				ContractEndDate: &end, Overtime: &exchange.OvertimeInput{HoursPerMonth: 20, PayRatePercent: num(200)},
				PayPeriod: &pay, Deductions: []exchange.DeductionInput{{Kind: exchange.DeductMeals, Amount: 300_000}},
				ProbationDays: num(30), SocialInsurance: &yes}},
	} {
		published, err := market.PublishLaborDemand(ctx, in)
		if err != nil {
			t.Fatalf("publish %q: %v", in.Title, err)
		}
		read, err := market.LaborDemand(ctx, published.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(published, read) {
			t.Errorf("publish %q answered\n  %+v\nthe row reads\n  %+v", in.Title, *published, *read)
		}
	}
}

// BenchmarkPublishLaborDemand: one demand published through the store per op, one
// publisher at a time: allocations, and the CPU of the test process (the store's Go
// side: building, encoding, decoding; no HTTP or GraphQL) and of PostgreSQL per op,
// which the machine's load changes less than the time per op.
func BenchmarkPublishLaborDemand(b *testing.B) {
	db, market, ctx := newMarket(b)
	in := exchange.PublishLaborDemandInput{Employer: exchange.EmployerInput{Name: "Công ty Bench"}, OccupationCode: "8153",
		Title: "Công nhân may (bench)", Quantity: 5, WorkProvinceCode: "01", EmploymentType: exchange.EmploymentFullTime,
		ExpiresAt: time.Now().AddDate(0, 1, 0)}
	if _, err := market.PublishLaborDemand(ctx, in); err != nil { // the statements are prepared
		b.Fatal(err)
	}
	b.ReportAllocs()
	goBefore, pgBefore := processCPU(), serverCPU(b, db)
	for b.Loop() {
		if _, err := market.PublishLaborDemand(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-goBefore)/float64(time.Microsecond)/float64(b.N), "go-cpu-µs/op")
	b.ReportMetric(float64(serverCPU(b, db)-pgBefore)/float64(time.Microsecond)/float64(b.N), "pg-cpu-µs/op")
}
