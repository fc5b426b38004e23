package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/demo"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// Benchmarks over a realistically sized market, loaded through the import path:
//
//	go test -run '^$' -bench . -benchtime 200x ./internal/postgres/

// marketCSV generates n demand or supply rows in the import format.
func marketCSV(db *postgres.DB, kind string, n int, seed uint64) string {
	return demo.ScaleCSV(db.Catalog, kind, n, seed)
}

// loadMarket fills a fresh database with 5 centers and n demands and n supplies.
func loadMarket(b *testing.B, n int) (*postgres.DB, *postgres.MarketService, []context.Context) {
	db, market, ctx0 := newMarket(b)
	start := time.Now()
	ctxs, err := seedMarket(db, market, ctx0, n)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d demands and %d supplies in %s", n, n, time.Since(start).Round(time.Millisecond))
	return db, market, ctxs
}

// benchCenters are the four centers a market has besides newMarket's HPG.
var benchCenters = []struct{ code, prov string }{{"TNG", "19"}, {"BNH", "24"}, {"HYN", "33"}, {"HNI", "01"}}

// seedMarket registers benchCenters and imports n demands and n supplies, spread over
// them and the center of ctx0; it returns ctx0 and a publisher's context per center.
func seedMarket(db *postgres.DB, market *postgres.MarketService, ctx0 context.Context, n int) ([]context.Context, error) {
	ctxs := []context.Context{ctx0}
	op := auth.NewContext(context.Background(), &exchange.Principal{Subject: "bench", Roles: []exchange.Role{exchange.RoleOperator}})
	for _, c := range benchCenters {
		cc, err := postgres.NewCenterService(db).RegisterCenter(op, exchange.RegisterCenterInput{Code: c.code, Name: "Trung tâm " + c.code, ProvinceCode: c.prov})
		if err != nil {
			return nil, err
		}
		ctxs = append(ctxs, auth.NewContext(context.Background(), &exchange.Principal{CenterID: cc.ID, CenterCode: cc.Code,
			Subject: "bench", Roles: []exchange.Role{exchange.RolePublisher}}))
	}
	for i, ctx := range ctxs {
		for _, kind := range []string{"demand", "supply"} {
			csv := marketCSV(db, kind, n/len(ctxs), uint64(i))
			imp := market.ImportSupplyCSV
			if kind == "demand" {
				imp = market.ImportDemandCSV
			}
			res, err := imp(ctx, strings.NewReader(csv), false, nil)
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", kind, err)
			}
			if len(res.Errors) > 0 {
				return nil, fmt.Errorf("load %s: %v", kind, res.Errors[:min(3, len(res.Errors))])
			}
		}
	}
	if _, err := db.Pool.Exec(context.Background(), `ANALYZE labor_demands; ANALYZE labor_supplies`); err != nil {
		return nil, err
	}
	return ctxs, nil
}

func BenchmarkMarket(b *testing.B) {
	const n = 20000
	db, market, ctxs := loadMarket(b, n)
	ctx := ctxs[1] // TNG
	first := func(k int) exchange.PageArgs { return exchange.PageArgs{First: k} }
	s := func(v string) *string { return &v }
	wage := int64(8_000_000)
	for _, c := range []struct {
		name  string
		f     exchange.LaborDemandFilter
		order exchange.LaborDemandOrder
		total bool
	}{
		{"laborDemands/newest", exchange.LaborDemandFilter{}, "", false},
		{"laborDemands/newest+totalCount", exchange.LaborDemandFilter{}, "", true},
		{"laborDemands/filtered", exchange.LaborDemandFilter{OccupationCode: s("81"), ProvinceCodes: []string{"31", "06"},
			Statuses: []exchange.DemandStatus{exchange.DemandOpen}, WageAtLeast: &wage}, "", true},
		{"laborDemands/wage", exchange.LaborDemandFilter{Statuses: []exchange.DemandStatus{exchange.DemandOpen}}, exchange.DemandOrderWageDesc, false},
		{"laborDemands/text", exchange.LaborDemandFilter{Text: s("may cong nghiep")}, "", false},
		{"laborDemands/text+totalCount", exchange.LaborDemandFilter{Text: s("cong ty 42")}, "", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			page := first(20)
			page.WithTotal = c.total
			for b.Loop() {
				if _, err := market.LaborDemands(ctx, c.f, c.order, page); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var demandIDs, supplyIDs []uuid.UUID
	rows, _ := db.Pool.Query(context.Background(), `SELECT id FROM labor_demands WHERE visibility = 'ALL_PARTNERS' ORDER BY id LIMIT 200`)
	for rows.Next() {
		var id uuid.UUID
		_ = rows.Scan(&id)
		demandIDs = append(demandIDs, id)
	}
	rows, _ = db.Pool.Query(context.Background(), `SELECT id FROM labor_supplies ORDER BY id LIMIT 200`)
	for rows.Next() {
		var id uuid.UUID
		_ = rows.Scan(&id)
		supplyIDs = append(supplyIDs, id)
	}
	b.Run("matchesForDemand", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := market.MatchesForDemand(ctx, demandIDs[i%len(demandIDs)], 20); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("matchesForSupply", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := market.MatchesForSupply(ctx, supplyIDs[i%len(supplyIDs)], 20); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkImportSupply100k imports a 100,000-row supply file per iteration:
//
//	go test -run '^$' -bench ImportSupply100k -benchtime 1x ./internal/postgres/
func BenchmarkImportSupply100k(b *testing.B) {
	db, market, ctx := newMarket(b)
	csv := marketCSV(db, "supply", 100000, 1)
	b.SetBytes(int64(len(csv)))
	for b.Loop() {
		res, err := market.ImportSupplyCSV(ctx, strings.NewReader(csv), false, nil)
		if err != nil || res.CreatedCount != 100000 {
			b.Fatalf("import: %v, %d created", err, res.CreatedCount)
		}
	}
}
