package postgres_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// BenchmarkTextSearch is the first page (21 rows, newest first) of text searches of
// demands by TNG, alone and with provinceCodes, and of lists with their totalCount, on the database that
// LABORX_BENCH_SEARCH_URL names (a superuser's URL of a database seeded with
// `laborx seed --demo --scale N`, then VACUUM ANALYZE), or else on a fresh market of
// 20,000 demands:
//
//	LABORX_BENCH_SEARCH_URL=postgres://postgres@127.0.0.1:PORT/DB go test -run '^$' -bench TextSearch -benchtime 10x ./internal/postgres/
//
// Besides the time it reports the PostgreSQL buffers each search touched (shared hits
// and reads of its statements, from auto_explain's plans sent to the connection as
// notices) and the CPU of the backend: on a shared machine those do not depend on the
// load (on the fresh market, whose owner may not load auto_explain, the CPU only).
func BenchmarkTextSearch(b *testing.B) {
	var buffers struct {
		sync.Mutex
		n int64
	}
	ctx := context.Background()
	var db *postgres.DB
	url := os.Getenv("LABORX_BENCH_SEARCH_URL")
	explained := url != "" // auto_explain needs a superuser's LOAD
	if explained {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			b.Fatal(err)
		}
		cfg.MaxConns = 1
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
		cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
			var plan []struct {
				Plan struct {
					Hit  int64 `json:"Shared Hit Blocks"`
					Read int64 `json:"Shared Read Blocks"`
				} `json:"Plan"`
			}
			if i := strings.IndexByte(n.Message, '{'); i >= 0 && json.Unmarshal([]byte("["+n.Message[i:]+"]"), &plan) == nil {
				buffers.Lock()
				buffers.n += plan[0].Plan.Hit + plan[0].Plan.Read
				buffers.Unlock()
			}
		}
		cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
				SET auto_explain.log_buffers = on; SET auto_explain.log_timing = off; SET auto_explain.log_format = json;
				SET auto_explain.log_level = notice`)
			return err
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		if db, err = postgres.New(ctx, pool); err != nil {
			b.Fatal(err)
		}
	} else {
		db, _, _ = loadMarket(b, 20000)
	}
	market := postgres.NewMarketService(db)
	var tng exchange.Principal
	if err := db.Pool.QueryRow(ctx, `SELECT id, code FROM centers WHERE code = 'TNG'`).Scan(&tng.CenterID, &tng.CenterCode); err != nil {
		b.Fatal(err)
	}
	tng.Subject, tng.Roles = "bench", []exchange.Role{exchange.RolePublisher}
	caller := auth.NewContext(ctx, &tng)
	open := []exchange.DemandStatus{exchange.DemandOpen}
	for _, c := range []struct {
		name  string
		f     exchange.LaborDemandFilter
		total bool
	}{
		{"may_cong_nghiep", exchange.LaborDemandFilter{}, false},
		{"tho_han", exchange.LaborDemandFilter{}, false},
		{"ha_noi", exchange.LaborDemandFilter{}, false},
		{"cong_ty_42", exchange.LaborDemandFilter{}, false},
		{"dot_123", exchange.LaborDemandFilter{}, false},
		{"dot_12345", exchange.LaborDemandFilter{}, false},
		{"Bắc_Kạn", exchange.LaborDemandFilter{}, false},
		{"xyz_khong_co", exchange.LaborDemandFilter{}, false},
		{"tho_han_nghe_an", exchange.LaborDemandFilter{}, false},
		{"may_cong_nghiep/provinces_01", exchange.LaborDemandFilter{ProvinceCodes: []string{"01"}}, false},
		{"may_cong_nghiep/provinces_01/OPEN", exchange.LaborDemandFilter{ProvinceCodes: []string{"01"}, Statuses: open}, false},
		{"cong_ty_42/provinces_19", exchange.LaborDemandFilter{ProvinceCodes: []string{"19"}}, false},
		{"tho_han_nghe_an/provinces_40/OPEN", exchange.LaborDemandFilter{ProvinceCodes: []string{"40"}, Statuses: open}, false},
		{"xyz_khong_co/provinces_01_31", exchange.LaborDemandFilter{ProvinceCodes: []string{"01", "31"}}, false},
		// totalCount: unfiltered (labor_demand_counts), by province, with a text.
		{"/totalCount", exchange.LaborDemandFilter{}, true},
		{"/provinces_01/totalCount", exchange.LaborDemandFilter{ProvinceCodes: []string{"01"}}, true},
		{"/provinces_01/OPEN/totalCount", exchange.LaborDemandFilter{ProvinceCodes: []string{"01"}, Statuses: open}, true},
		{"cong_ty_42/totalCount", exchange.LaborDemandFilter{}, true},
		{"tho_han_nghe_an/totalCount", exchange.LaborDemandFilter{}, true},
		{"ha_noi/totalCount", exchange.LaborDemandFilter{}, true},
		{"may_cong_nghiep/totalCount", exchange.LaborDemandFilter{}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			text := strings.ReplaceAll(strings.SplitN(c.name, "/", 2)[0], "_", " ")
			f := c.f
			if text != "" {
				f.Text = &text
			}
			before := serverCPU(b, db)
			buffers.Lock()
			buffers.n = 0
			buffers.Unlock()
			for b.Loop() {
				if _, err := market.LaborDemands(caller, f, "", exchange.PageArgs{First: 20, WithTotal: c.total}); err != nil {
					b.Fatal(err)
				}
			}
			if explained {
				buffers.Lock()
				b.ReportMetric(float64(buffers.n)/float64(b.N), "buffers/op")
				buffers.Unlock()
			}
			b.ReportMetric(float64(serverCPU(b, db)-before)/float64(time.Millisecond)/float64(b.N), "pg-cpu-ms/op")
		})
	}
}
