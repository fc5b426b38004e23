package postgres

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

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

// TestEncodeUUIDs: with encodeUUIDs a uuid.UUID, a pointer to one (also nil) and a slice
// of them encode to the bytes pgx's driver.Valuer path gives, in both formats.
func TestEncodeUUIDs(t *testing.T) {
	fast, slow := pgtype.NewMap(), pgtype.NewMap()
	encodeUUIDs(fast)
	id := uuid.New()
	var none *uuid.UUID
	for _, c := range []struct {
		oid uint32
		v   any
	}{
		{pgtype.UUIDOID, id}, {pgtype.UUIDOID, &id}, {pgtype.UUIDOID, none}, {pgtype.UUIDOID, uuid.Nil},
		{pgtype.UUIDArrayOID, []uuid.UUID{id, uuid.New()}}, {pgtype.UUIDArrayOID, []uuid.UUID{}},
	} {
		for _, format := range []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode} {
			want, err := slow.Encode(c.oid, format, c.v, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := fast.Encode(c.oid, format, c.v, nil)
			if err != nil || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%T %v format %d: %x, %v; want %x", c.v, c.v, format, got, err, want)
			}
		}
	}
}

// BenchmarkEncodeUUID: one uuid.UUID argument in binary, as pgx encodes it by default
// (driver.Valuer) and with encodeUUIDs.
func BenchmarkEncodeUUID(b *testing.B) {
	id := uuid.New()
	for _, fast := range []bool{false, true} {
		m := pgtype.NewMap()
		name := "valuer"
		if fast {
			encodeUUIDs(m)
			name = "encodeUUIDs"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				if _, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
