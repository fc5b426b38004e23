package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// newMarket opens a fresh database with one center and returns the store and a
// publisher's context of that center.
func newMarket(tb testing.TB) (*postgres.DB, *postgres.MarketService, context.Context) {
	tb.Helper()
	db, err := postgres.New(context.Background(), pgtest.NewPool(tb, pgtest.Laborx))
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := registerHPG(db)
	if err != nil {
		tb.Fatal(err)
	}
	return db, postgres.NewMarketService(db), pub
}

// registerHPG registers the center HPG and returns the context of a publisher of it.
func registerHPG(db *postgres.DB) (context.Context, error) {
	ctx := context.Background()
	op := auth.NewContext(ctx, &exchange.Principal{Subject: "test", Roles: []exchange.Role{exchange.RoleOperator}})
	c, err := postgres.NewCenterService(db).RegisterCenter(op, exchange.RegisterCenterInput{Code: "HPG", Name: "Trung tâm HPG", ProvinceCode: "31"})
	if err != nil {
		return nil, err
	}
	return auth.NewContext(ctx, &exchange.Principal{CenterID: c.ID, CenterCode: c.Code, Subject: "staff",
		Roles: []exchange.Role{exchange.RolePublisher}}), nil
}

func TestFillDemandPositionParallel(t *testing.T) {
	db, market, ctx := newMarket(t)
	d, err := market.PublishLaborDemand(ctx, exchange.PublishLaborDemandInput{
		Employer: exchange.EmployerInput{Name: "Công ty May"}, OccupationCode: "8153", Title: "Công nhân may",
		Quantity: 10, WorkProvinceCode: "31", EmploymentType: exchange.EmploymentFullTime,
		ExpiresAt: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ok, filled atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.FillDemandPosition(ctx, d.ID)
			switch {
			case err == nil:
				ok.Add(1)
			case exchange.ErrorCode(err) == exchange.CodeDemandFilled:
				filled.Add(1)
			default:
				t.Errorf("fill: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || filled.Load() != 190 {
		t.Errorf("%d fills succeeded and %d were DEMAND_FILLED; want 10 and 190", ok.Load(), filled.Load())
	}
	got, err := market.LaborDemand(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FilledCount != 10 || got.Status != exchange.DemandFilled || got.Version != 11 || got.OpenPositions() != 0 {
		t.Errorf("after the fills: filled %d, status %s, version %d", got.FilledCount, got.Status, got.Version)
	}
	var changes int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM changes WHERE entity_id = $1 AND action = 'UPDATED'`, d.ID).Scan(&changes); err != nil || changes != 10 {
		t.Errorf("%d UPDATED changes, want 10 (%v)", changes, err)
	}
	if _, err := db.FillDemandPosition(ctx, uuid.New()); exchange.ErrorCode(err) != exchange.CodeNotFound {
		t.Errorf("unknown demand: %v", err)
	}
	// A closed demand has no open position either.
	d2, err := market.PublishLaborDemand(ctx, exchange.PublishLaborDemandInput{
		Employer: exchange.EmployerInput{Name: "Công ty May"}, OccupationCode: "8153", Title: "Công nhân may",
		Quantity: 10, WorkProvinceCode: "31", EmploymentType: exchange.EmploymentFullTime,
		ExpiresAt: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := market.CloseLaborDemand(ctx, exchange.CloseLaborDemandInput{LaborDemandID: exchange.GlobalID(exchange.KindLaborDemand, d2.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FillDemandPosition(ctx, d2.ID); exchange.ErrorCode(err) != exchange.CodeDemandFilled {
		t.Errorf("closed demand: %v", err)
	}
}
