package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec is pgx's uuid codec that also reads the binary form straight into a
// uuid.UUID. uuid.UUID is an sql.Scanner, which pgx otherwise prefers: every uuid
// column of every row would be formatted as text, then parsed back by uuid.Scan (two
// allocations and a parse per value; a page of 50 demands has 150 of them).
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

// registerUUIDCodec installs uuidCodec for uuid and uuid[] on a new connection.
func registerUUIDCodec(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
	return nil
}
