package postgres_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// BenchmarkSeedScale seeds LABORX_SEED_ROWS (default 100,000) demands and as many
// supplies into a fresh database and logs each phase's time, the test process's CPU
// and the database backends' CPU (Linux /proc):
//
//	LABORX_SEED_ROWS=1000000 go test -count=1 -run '^$' -bench '^BenchmarkSeedScale$' -benchtime 1x -v -timeout 20m ./internal/postgres/
func BenchmarkSeedScale(b *testing.B) {
	n := 100000
	if v := os.Getenv("LABORX_SEED_ROWS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("LABORX_SEED_ROWS=%q: %v", v, err)
		}
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		db, err := postgres.New(ctx, pgtest.NewPool(b, pgtest.Laborx))
		if err != nil {
			b.Fatal(err)
		}
		op := auth.NewContext(ctx, &exchange.Principal{Subject: "seed", Roles: []exchange.Role{exchange.RoleOperator}})
		spec := postgres.ScaleSpec{Titles: []string{"Thợ hàn kết cấu", "Công nhân đóng gói"}, Subject: "seed", Seed: 1}
		for _, c := range []exchange.RegisterCenterInput{{Code: "HPG", Name: "Trung tâm HPG", ProvinceCode: "31"},
			{Code: "HNI", Name: "Trung tâm HNI", ProvinceCode: "01"}} {
			center, err := postgres.NewCenterService(db).RegisterCenter(op, c)
			if err != nil {
				b.Fatal(err)
			}
			spec.Centers = append(spec.Centers, center.ID)
		}
		for _, o := range db.Catalog.Occupations() {
			if o.Level == 4 {
				spec.Occupations = append(spec.Occupations, o.Code)
			}
		}
		for _, p := range db.Catalog.Provinces(false) {
			spec.Provinces = append(spec.Provinces, p.Code)
		}
		var backend uint32
		if err := db.Pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
			b.Fatal(err)
		}
		postmaster := parentPID(backend)
		goCPU, pgCPU := processCPU(), clusterCPU(postmaster)
		spec.Phase = func(phase string, took time.Duration) {
			g, p := processCPU(), clusterCPU(postmaster)
			b.Logf("%9s wall  Go CPU %9s  PG CPU %9s  %s", took.Round(time.Millisecond), (g - goCPU).Round(time.Millisecond),
				p-pgCPU, phase)
			goCPU, pgCPU = g, p
		}
		b.StartTimer()
		if err := db.SeedScale(op, spec, n); err != nil {
			b.Fatal(err)
		}
	}
}
