package postgres_test

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// slowTracer logs the statements that took over 20 ms.
type slowTracer struct {
	tb testing.TB
}

type startKey struct{}
type startVal struct {
	t   time.Time
	sql string
	cpu time.Duration
}

func (s slowTracer) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, startKey{}, startVal{time.Now(), d.SQL, backendCPU(c.PgConn().PID())})
}
func (s slowTracer) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	v := ctx.Value(startKey{}).(startVal)
	if el := time.Since(v.t); el > 20*time.Millisecond {
		s.tb.Logf("%8s wall %8s PG CPU %.90q", el.Round(time.Millisecond), backendCPU(c.PgConn().PID())-v.cpu, strings.Join(strings.Fields(v.sql), " "))
	}
}
func (s slowTracer) TraceCopyFromStart(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromStartData) context.Context {
	return context.WithValue(ctx, startKey{}, startVal{time.Now(), "COPY " + d.TableName.Sanitize(), backendCPU(c.PgConn().PID())})
}
func (s slowTracer) TraceCopyFromEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceCopyFromEndData) {
	v := ctx.Value(startKey{}).(startVal)
	s.tb.Logf("%8s wall %8s PG CPU %s", time.Since(v.t).Round(time.Millisecond), backendCPU(c.PgConn().PID())-v.cpu, v.sql)
}

// BenchmarkImportSupply100kProfile is BenchmarkImportSupply100k with the split of its
// time: the wall time and the PostgreSQL backend's CPU time of every statement over
// 20 ms (and of each COPY), when the rows were checked, and the test process's CPU:
//
//	go test -run '^$' -bench ImportSupply100kProfile -benchtime 1x -v ./internal/postgres/
//
// The backend's CPU is read from /proc (Linux; the cluster runs on this machine).
func BenchmarkImportSupply100kProfile(b *testing.B) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(b, pgtest.Laborx))
	if err != nil {
		b.Fatal(err)
	}
	traced, err := postgres.OpenTraced(ctx, db.Pool.Config().ConnString(), slowTracer{b})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(traced.Pool.Close)
	op := auth.NewContext(ctx, &exchange.Principal{Subject: "test", Roles: []exchange.Role{exchange.RoleOperator}})
	c, err := postgres.NewCenterService(traced).RegisterCenter(op, exchange.RegisterCenterInput{Code: "HPG", Name: "Trung tâm HPG", ProvinceCode: "31"})
	if err != nil {
		b.Fatal(err)
	}
	pub := auth.NewContext(ctx, &exchange.Principal{CenterID: c.ID, CenterCode: c.Code, Subject: "staff",
		Roles: []exchange.Role{exchange.RolePublisher}})
	market := postgres.NewMarketService(traced)
	csv := marketCSV(traced, "supply", 100000, 1)
	for b.Loop() {
		start := time.Now()
		var ru0 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		res, err := market.ImportSupplyCSV(pub, strings.NewReader(csv), false, func(stage string, done, total int) {
			if done == 100000 || (stage == "written" && done == 5000) {
				b.Logf("%8s %s %d", time.Since(start).Round(time.Millisecond), stage, done)
			}
		})
		if err != nil || res.CreatedCount != 100000 {
			b.Fatalf("import: %v", err)
		}
		var ru1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		b.Logf("%8s total, Go CPU %s", time.Since(start).Round(time.Millisecond),
			time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()))
	}
}
