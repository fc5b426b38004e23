package postgres_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestPoolReadsUUIDs: the pool's uuid codec reads what pgx's sql.Scanner path reads,
// in both formats, for values, NULLs, pointers and arrays.
func TestPoolReadsUUIDs(t *testing.T) {
	ctx := context.Background()
	pool, err := postgres.OpenPool(ctx, pgtest.NewDSN(t, pgtest.Laborx), postgres.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dt, _ := conn.Conn().TypeMap().TypeForOID(pgtype.UUIDOID); dt == nil || dt.Codec == (pgtype.UUIDCodec{}) {
		t.Errorf("the pool's connections read uuid with %+v, not the binary uuid.UUID codec", dt)
	}
	conn.Release()
	a, b := uuid.New(), uuid.New()
	const q = `SELECT $1::uuid, NULL::uuid, NULL::uuid, $2::uuid, ARRAY[$1, $2]::uuid[]`
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		var got, null uuid.UUID
		var nullPtr, ptr *uuid.UUID
		var list []uuid.UUID
		kept := uuid.New()
		null = kept
		if err := pool.QueryRow(ctx, q, mode, a, b).Scan(&got, &null, &nullPtr, &ptr, &list); err != nil {
			t.Fatalf("mode %v: %v", mode, err)
		}
		if got != a || null != kept || nullPtr != nil || ptr == nil || *ptr != b || len(list) != 2 || list[0] != a || list[1] != b {
			t.Errorf("mode %v: got %v, NULL into a value %v (want it kept: %v), NULL into a pointer %v, %v, %v; want %v, %v",
				mode, got, null, kept, nullPtr, ptr, list, a, b)
		}
	}
}
