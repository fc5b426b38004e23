package postgres

import (
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
