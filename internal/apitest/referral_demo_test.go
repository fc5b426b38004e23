package apitest_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/demo"
)

func TestDemoReferrals(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	// The demo agreement is for 2026: seed on a day it is in force, whenever the test runs.
	e.App.DB.Now = func() time.Time { return time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC) }
	dir := t.TempDir()
	for range 2 { // idempotent
		if err := demo.Seed(context.Background(), e.App.DB, dir); err != nil {
			t.Fatal(err)
		}
	}
	// Today's referrals; the demo's history is older.
	rows, err := dbPool(t, e).Query(context.Background(), `SELECT status, count(*) FROM referrals
		WHERE created_at > $1::timestamptz - interval '1 day' GROUP BY status`, e.App.DB.Now())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		counts[s] = n
	}
	if len(counts) != 8 {
		t.Errorf("demo referrals by status: %v, want all 8 statuses", counts)
	}
	// Five in each status, plus eight sewing workers for HPG's garment demand under the
	// TNG–HPG agreement: three hired, two employed, one at interview, two referred.
	want := map[string]int{"REFERRED": 7, "ACKNOWLEDGED": 5, "INTERVIEW_SCHEDULED": 6, "HIRED": 8,
		"NOT_HIRED": 5, "WITHDRAWN": 5, "EMPLOYED": 7, "LEFT_JOB": 5}
	for s, n := range want {
		if counts[s] != n {
			t.Errorf("%d demo referrals are %s, want %d", counts[s], s, n)
		}
	}
	// The five hires under the agreement fill the demand and the quota line.
	var filled, hired int
	if err := dbPool(t, e).QueryRow(context.Background(), `SELECT
			(SELECT filled_count FROM labor_demands WHERE title = 'Công nhân may công nghiệp' AND occupation_code = '8153'
				AND center_id = (SELECT id FROM centers WHERE code = 'HPG')),
			(SELECT coalesce(sum(hired_count), 0) FROM agreement_quota_lines WHERE occupation_code = '8153'
				AND agreement_id = (SELECT id FROM agreements WHERE title LIKE '%Thái Nguyên – Hải Phòng 2026'))`).
		Scan(&filled, &hired); err != nil {
		t.Fatal(err)
	}
	if filled != 5 || hired != 5 {
		t.Errorf("HPG's sewing demand has %d filled, the TNG–HPG 8153 quota %d hired; want 5 and 5", filled, hired)
	}
	tok, err := demo.Token(dir, "HPG", "demo-staff", []string{"publisher"}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r := e.Do(t, tok, `{ referrals(first: 100) { totalCount edges { node { worker { fullName nationalIdMasked } } } } }`, nil)
	r.NoErrors(t)
	if r.Int(t, "referrals.totalCount") == 0 {
		t.Errorf("HPG has no demo referrals: %s", r.Raw)
	}
}
