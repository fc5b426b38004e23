package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestSeedScaleAsPublished: the synthetic market SeedScale copies in is what the service
// would hold had it been published through the API: every demand and supply passes the
// publish rules, its search texts are the trigger's, its one PUBLISHED change carries
// the payload Go builds for it, numbered without gaps after what was there; the
// demand counts agree; and the indexes, foreign keys and triggers dropped for the load
// are all back with their definitions, none left pending. The first seed rebuilds them (it more than doubles the
// tables), the second does not, but first builds an index an earlier seed left pending.
func TestSeedScaleAsPublished(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	op := auth.NewContext(ctx, &exchange.Principal{Subject: "seed", Roles: []exchange.Role{exchange.RoleOperator}})
	spec := postgres.ScaleSpec{Titles: []string{"Thợ hàn kết cấu", "Công nhân đóng gói", "Kỹ sư ½ thời gian"}, Subject: "seed"}
	contexts := map[uuid.UUID]context.Context{}
	for _, c := range []exchange.RegisterCenterInput{{Code: "HPG", Name: "Trung tâm HPG", ProvinceCode: "31"},
		{Code: "HNI", Name: "Trung tâm HNI", ProvinceCode: "01"}} {
		center, err := postgres.NewCenterService(db).RegisterCenter(op, c)
		if err != nil {
			t.Fatal(err)
		}
		spec.Centers = append(spec.Centers, center.ID)
		contexts[center.ID] = auth.NewContext(ctx, &exchange.Principal{CenterID: center.ID, CenterCode: center.Code,
			Subject: "staff", Roles: []exchange.Role{exchange.RolePublisher}})
	}
	for _, o := range db.Catalog.Occupations() {
		if o.Level == 4 && len(spec.Occupations) < 40 {
			spec.Occupations = append(spec.Occupations, o.Code)
		}
	}
	for _, p := range db.Catalog.Provinces(false) {
		spec.Provinces = append(spec.Provinces, p.Code)
	}
	definitions := func() []string {
		t.Helper()
		rows, err := db.Pool.Query(ctx, `SELECT pg_get_indexdef(indexrelid) FROM pg_index
			WHERE indrelid IN ('labor_demands'::regclass, 'labor_supplies'::regclass, 'changes'::regclass)
			UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid IN ('labor_demands'::regclass, 'labor_supplies'::regclass, 'changes'::regclass)
			UNION ALL SELECT pg_get_triggerdef(oid) FROM pg_trigger
			WHERE tgrelid IN ('labor_demands'::regclass, 'labor_supplies'::regclass, 'changes'::regclass) AND NOT tgisinternal ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		var defs []string
		for rows.Next() {
			var d string
			_ = rows.Scan(&d)
			defs = append(defs, d)
		}
		return defs
	}
	before := definitions()
	for round, n := range []int{150, 40} {
		if round == 1 {
			// A seed stopped after its commit, before it built an index: the next
			// seed builds it first, although it rebuilds nothing itself.
			if _, err := db.Pool.Exec(ctx, `INSERT INTO seed_pending_indexes SELECT pg_get_indexdef('labor_supplies_center'::regclass);
				DROP INDEX labor_supplies_center`); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SeedScale(op, spec, n); err != nil {
			t.Fatal(err)
		}
		if after := definitions(); !slices.Equal(before, after) {
			t.Fatalf("round %d: indexes and constraints\n%q\nbecame\n%q", round, before, after)
		}
		var pending int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM seed_pending_indexes`).Scan(&pending); err != nil || pending != 0 {
			t.Fatalf("round %d: %d indexes left to build (%v)", round, pending, err)
		}
	}
	now := time.Now()
	var gaps, last, maxSeq, changes int64
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT last FROM change_sequence), max(sequence), count(*),
		max(sequence) - min(sequence) + 1 - count(*) FROM changes`).Scan(&last, &maxSeq, &changes, &gaps); err != nil {
		t.Fatal(err)
	}
	if changes != 2+380 || gaps != 0 || last != maxSeq {
		t.Errorf("%d changes, %d gaps, last %d, max sequence %d; want 2 centers' and 380 without gaps up to last", changes, gaps, last, maxSeq)
	}
	market := postgres.NewMarketService(db)
	payload := func(kind exchange.Kind, id uuid.UUID, want any) {
		t.Helper()
		body, _ := json.Marshal(want)
		var same bool
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*), bool_and(payload = $3::jsonb AND action = 'PUBLISHED'
			AND actor_subject = 'seed') FROM changes WHERE entity_kind = $1 AND entity_id = $2`, string(kind), id, string(body)).Scan(&n, &same); err != nil {
			t.Fatal(err)
		}
		if n != 1 || !same {
			var got string
			_ = db.Pool.QueryRow(ctx, `SELECT payload::text FROM changes WHERE entity_id = $1`, id).Scan(&got)
			t.Errorf("%s %s: %d changes, payload\n%s\nwant\n%s", kind, id, n, got, body)
		}
	}
	var demandIDs, supplyIDs []uuid.UUID
	collect := func(q string, ids *[]uuid.UUID) {
		rows, err := db.Pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, center uuid.UUID
			_ = rows.Scan(&id, &center)
			*ids = append(*ids, id, center)
		}
	}
	collect(`SELECT id, center_id FROM labor_demands`, &demandIDs)
	collect(`SELECT id, center_id FROM labor_supplies`, &supplyIDs)
	if len(demandIDs) != 2*190 || len(supplyIDs) != 2*190 {
		t.Fatalf("%d demands, %d supplies; want 190 each", len(demandIDs)/2, len(supplyIDs)/2)
	}
	var anySupply *exchange.LaborSupply
	for i := 0; i < len(demandIDs); i += 2 {
		d, err := market.LaborDemand(contexts[demandIDs[i+1]], demandIDs[i])
		if err != nil {
			t.Fatal(err)
		}
		if errs := exchange.ValidateDemand(db.Catalog, now, exchange.DraftFromDemand(d),
			exchange.DemandRules{Province: true, Expiry: true}); len(errs) > 0 || d.Status != exchange.DemandOpen {
			t.Errorf("demand %s (%s): %v", d.ID, d.Status, errs)
		}
		x, err := market.LaborSupply(contexts[supplyIDs[i+1]], supplyIDs[i])
		if err != nil {
			t.Fatal(err)
		}
		if errs := exchange.ValidateSupply(db.Catalog, now, exchange.DraftFromSupply(x), true); len(errs) > 0 || x.Status != exchange.SupplyOpen {
			t.Errorf("supply %s (%s): %v", x.ID, x.Status, errs)
		}
		dp, sp := postgres.PublishedPayloads(d, x)
		payload(exchange.KindLaborDemand, d.ID, dp)
		payload(exchange.KindLaborSupply, x.ID, sp)
		if len(x.DestinationCodes) > 0 {
			anySupply = x
		}
	}
	if anySupply == nil {
		t.Error("no seeded supply has destinations")
	}
	if n := searchTextsAsTrigger(t, db); n != 190 {
		t.Errorf("%d rows compared, want 190", n)
	}
	var disagree int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM ((SELECT center_id, visibility, sum(n) FROM labor_demand_counts
		GROUP BY 1, 2 HAVING sum(n) <> 0) EXCEPT ALL (SELECT center_id, visibility, count(*)::numeric FROM labor_demands GROUP BY 1, 2)) x`).Scan(&disagree); err != nil || disagree != 0 {
		t.Errorf("labor_demand_counts: %d pairs disagree (%v)", disagree, err)
	}
}
