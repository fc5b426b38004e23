package postgres

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// encodeUUIDs makes m encode a uuid.UUID argument as pgx's own pgtype.UUID, in binary:
// uuid.UUID is a driver.Valuer, which pgx otherwise encodes by calling Value (a 36-byte
// string) and parsing the text back for a binary parameter, about half of the argument
// encoding of a publish's 57 arguments (BENCHMARKS.md, "publishLaborDemand: where the CPU
// goes"). Pointers, nil and slices keep working: pgx's own wrappers
// dereference and iterate before they reach this one.
func encodeUUIDs(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID}, m.TryWrapEncodePlanFuncs...)
}

func tryWrapUUID(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	if v, ok := value.(uuid.UUID); ok {
		return &wrapUUIDEncodePlan{}, pgtype.UUID{Bytes: v, Valid: true}, true
	}
	return nil, nil, false
}

type wrapUUIDEncodePlan struct{ next pgtype.EncodePlan }

func (p *wrapUUIDEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *wrapUUIDEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.UUID{Bytes: value.(uuid.UUID), Valid: true}, buf)
}

// scanUUIDs makes m read a binary uuid column straight into a uuid.UUID. uuid.UUID is
// also an sql.Scanner, which pgx prefers to its own codec: every uuid column of every
// row would be formatted as text, then parsed back by uuid.Scan (two allocations and a
// parse per value; a page of 50 demands has 150 of them). Other targets, and the text
// format, keep pgx's codec.
func scanUUIDs(m *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

// uuidCodec is pgx's uuid codec with a direct plan for *uuid.UUID in binary.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return scanBinaryUUID{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

// scanBinaryUUID copies the 16 bytes of a binary uuid. NULL leaves the target as it
// is, as uuid.UUID's Scan does.
type scanBinaryUUID struct{}

func (scanBinaryUUID) Scan(src []byte, target any) error {
	if src == nil {
		return nil
	}
	if len(src) != len(uuid.UUID{}) {
		return fmt.Errorf("invalid length for uuid: %d", len(src))
	}
	copy(target.(*uuid.UUID)[:], src)
	return nil
}
