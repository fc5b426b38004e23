package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
)

// TestSeedBenefitTransfers: the demo has a transfer in every status, at least one of
// them overdue, and a second seed (also on a later day) adds or moves nothing.
func TestSeedBenefitTransfers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, dir := seededDB(t) // seeded once
	counts := func() map[string]int {
		t.Helper()
		// Overdue as BenefitTransfer.overdue: not sent and past dueBy in Vietnam.
		rows, err := db.Pool.Query(ctx, `SELECT status, count(*),
				count(*) FILTER (WHERE status IN ('REQUESTED', 'NOTIFIED') AND due_by < $1::date), sum(version)
			FROM benefit_transfers GROUP BY status`, exchange.DateInVietnam(db.Now()))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]int{}
		for rows.Next() {
			var status string
			var n, overdue, versions int
			if err := rows.Scan(&status, &n, &overdue, &versions); err != nil {
				t.Fatal(err)
			}
			m[status], m["overdue"], m["versions"] = n, m["overdue"]+overdue, m["versions"]+versions
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := counts()
	for _, s := range []exchange.BenefitTransferStatus{exchange.TransferRequested, exchange.TransferNotified,
		exchange.TransferSent, exchange.TransferReceived, exchange.TransferAccepted, exchange.TransferReturned,
		exchange.TransferCancelled} {
		if first[string(s)] == 0 {
			t.Errorf("no demo transfer is %s: %v", s, first)
		}
	}
	if first["overdue"] == 0 {
		t.Errorf("no demo transfer is overdue: %v", first)
	}
	// Each transfer has its own synthetic worker, not one of the history's.
	var own int
	if err := db.Pool.QueryRow(ctx, `SELECT count(DISTINCT w.id) FROM benefit_transfers t JOIN workers w ON w.id = t.worker_id
		WHERE w.full_name LIKE 'Lê Văn Chuyển %'`).Scan(&own); err != nil {
		t.Fatal(err)
	}
	if total := first["REQUESTED"] + first["NOTIFIED"] + first["SENT"] + first["RECEIVED"] + first["ACCEPTED"] +
		first["RETURNED"] + first["CANCELLED"]; own != total {
		t.Errorf("%d of %d demo transfers have their own demo worker", own, total)
	}
	// A second seed, the next day: the requests' dates moved, the transfers did not.
	now := db.Now()
	db.Now = func() time.Time { return now.AddDate(0, 0, 1) }
	if err := demo.Seed(ctx, db, dir); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return now }
	if again := counts(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("a second seed changed the transfers: %v, then %v", first, again)
	}
}
