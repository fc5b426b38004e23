package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestMarketBalanceMatchesRecount: marketBalance equals a plain recount of the open
// demands and the available supplies, row by row, at every occupation level, for the
// country and for a province, one of them a dissolved province's successor (06 Bắc Kạn
// counts in 19 Thái Nguyên), with closed, filled and expired demands and withdrawn,
// used-up and no longer available supplies left out.
func TestMarketBalanceMatchesRecount(t *testing.T) {
	ctx := context.Background()
	db, market, pub := newMarket(t)
	if _, err := seedMarket(db, market, pub, 600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES ('BKN', 'Trung tâm BKN', '06', now(), now())`,
		`UPDATE labor_demands SET work_province_code = '06' WHERE md5(id::text) < '3'`,
		`UPDATE labor_demands SET closed_at = now(), close_reason = 'FILLED' WHERE md5(id::text) LIKE '%a'`,
		`UPDATE labor_demands SET filled_count = quantity WHERE md5(id::text) LIKE '%b'`,
		`UPDATE labor_demands SET expires_at = now() - interval '1 day' WHERE md5(id::text) LIKE '%c'`,
		`UPDATE labor_supplies SET center_id = (SELECT id FROM centers WHERE code = 'BKN') WHERE md5(id::text) < '4'`,
		`UPDATE labor_supplies SET withdrawn_at = now() WHERE md5(id::text) LIKE '%a'`,
		`UPDATE labor_supplies SET quantity = 0 WHERE md5(id::text) LIKE '%b'`,
		`UPDATE labor_supplies SET available_from = current_date - 30, available_until = current_date - 3 WHERE md5(id::text) LIKE '%c'`,
	} {
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	stats := postgres.NewStatsService(db, nil)
	viewer := auth.NewContext(ctx, &exchange.Principal{Subject: "dashboard", Roles: []exchange.Role{exchange.RoleOperator}})
	code := func(s string) *string { return &s }
	for _, province := range []*string{nil, code("19"), code("06"), code("01")} {
		for level := 1; level <= 4; level++ {
			name := fmt.Sprintf("level %d, province %v", level, province)
			if province != nil {
				name = fmt.Sprintf("level %d, province %s", level, *province)
			}
			got, err := stats.MarketBalance(viewer, exchange.MarketBalanceArgs{OccupationLevel: level, ProvinceCode: province})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rows, _ := db.Pool.Query(ctx, `
				WITH pn AS (SELECT code, CASE WHEN is_current THEN code ELSE coalesce(successor_code, code) END AS now_code
					FROM provinces),
				open AS (
					SELECT pn.now_code AS p, left(d.occupation_code, $1) AS o, d.quantity - d.filled_count AS positions,
						1 AS postings, 0 AS workers, 0 AS supplies
					FROM labor_demands d JOIN pn ON pn.code = d.work_province_code
					WHERE d.closed_at IS NULL AND d.filled_count < d.quantity AND d.expires_at > now()
					UNION ALL
					SELECT pn.now_code, left(s.occupation_code, $1), 0, 0, s.quantity, 1
					FROM labor_supplies s JOIN centers c ON c.id = s.center_id JOIN pn ON pn.code = c.province_code
					WHERE s.withdrawn_at IS NULL AND s.quantity > 0
						AND (s.available_until IS NULL OR s.available_until >= (now() AT TIME ZONE 'UTC')::date))
				SELECT p, o, sum(positions), sum(postings), sum(workers), sum(supplies), sum(positions) - sum(workers)
				FROM open
				WHERE $2::text IS NULL OR p = (SELECT now_code FROM pn WHERE code = $2)
				GROUP BY p, o ORDER BY p, o`, level, province)
			want, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*exchange.MarketBalance, error) {
				var m exchange.MarketBalance
				err := row.Scan(&m.ProvinceCode, &m.OccupationCode, &m.DemandPositions, &m.DemandPostings,
					&m.SupplyWorkers, &m.SupplyPostings, &m.Shortage)
				return &m, err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%s: the recount is empty: the fixture tests nothing", name)
			}
			if !slices.EqualFunc(got, want, func(a, b *exchange.MarketBalance) bool { return *a == *b }) {
				t.Errorf("%s: %d rows, want %d; first %v, want %v", name, len(got), len(want), *got[0], *want[0])
			}
		}
	}
}
