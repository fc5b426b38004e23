package postgres

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// BenchmarkPublishSQL: building a demand's publish statement and its 57 arguments, the
// Go work of a publish before the round trip.
func BenchmarkPublishSQL(b *testing.B) {
	now := time.Now()
	center := uuid.New()
	tx := &Tx{now: now, caller: &exchange.Principal{CenterID: center, CenterCode: "TNG", Subject: "bench",
		Roles: []exchange.Role{exchange.RolePublisher}}}
	draft := &exchange.DemandDraft{Employer: exchange.EmployerInput{Name: "Công ty Bench"}, OccupationCode: "8153",
		Title: "Công nhân may", Quantity: 5, WorkProvinceCode: "01", EmploymentType: exchange.EmploymentFullTime,
		ExpiresAt: now.AddDate(0, 1, 0), Visibility: exchange.VisibilityAllPartners}
	change := make([]any, len(outboxColumns)-1)
	b.ReportAllocs()
	for b.Loop() {
		id := uuid.New()
		cols, vals := recordOf(newDemandRecord(id, center, draft, now))
		d := postingDraft{cols: cols, vals: vals, searchGiven: true, own: "công nhân may", names: "thợ may hà nội"}
		if sql, args := demandTable.publishSQL(tx, nil, id, d, change, "laborDemand.published", "r1"); sql == "" || len(args) != 57 {
			b.Fatalf("%d arguments", len(args))
		}
	}
}
