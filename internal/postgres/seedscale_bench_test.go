package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
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

// processCPU is the user+system CPU time of the test process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statFields are the fields of /proc/PID/stat after the command's name.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
}

// parentPID is the parent of a PostgreSQL backend: the cluster's postmaster.
func parentPID(pid uint32) int {
	f := statFields(int(pid))
	if f == nil {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// clusterCPU is the CPU time of a PostgreSQL cluster: its postmaster's, its running
// processes' and that of the processes that have exited (parallel workers), in ticks
// of 10 ms.
func clusterCPU(postmaster int) time.Duration {
	ticks := func(f []string, n int) (t int64) {
		for _, v := range f[11 : 11+n] {
			x, _ := strconv.ParseInt(v, 10, 64)
			t += x
		}
		return t
	}
	f := statFields(postmaster)
	if f == nil {
		return 0
	}
	total := ticks(f, 4)
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", postmaster, postmaster))
	for _, c := range strings.Fields(string(children)) {
		pid, _ := strconv.Atoi(c)
		if f := statFields(pid); f != nil {
			total += ticks(f, 2)
		}
	}
	return time.Duration(total) * 10 * time.Millisecond
}
