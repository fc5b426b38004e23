package postgres_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
)

// demandCountsDisagree is how many (center, visibility) pairs labor_demand_counts
// (summed over its slots, zero sums left out) and a fresh count of labor_demands do not
// share.
func demandCountsDisagree(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(demandCountsDisagreeSQL).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const demandCountsDisagreeSQL = `SELECT count(*) FROM ((` + keptDemandCounts + ` EXCEPT ALL ` + freshDemandCounts +
	`) UNION ALL (` + freshDemandCounts + ` EXCEPT ALL ` + keptDemandCounts + `)) x`

const (
	keptDemandCounts  = `SELECT center_id, visibility, sum(n) FROM labor_demand_counts GROUP BY 1, 2 HAVING sum(n) <> 0`
	freshDemandCounts = `SELECT center_id, visibility, count(*)::numeric FROM labor_demands GROUP BY 1, 2`
)

// TestLaborDemandCountsFollowDemands: migration 00130 counts the demands made before
// it, and its triggers keep the counts equal to the demands through single and bulk
// inserts from parallel connections, visibility changes, deletions, a rollback and a
// truncate; Down removes them.
func TestLaborDemandCountsFollowDemands(t *testing.T) {
	ctx := context.Background()
	db, m := migratedTo(t, 104)
	insert := func(q interface {
		Exec(string, ...any) (sql.Result, error)
	}, n int, visibility string) {
		t.Helper()
		if _, err := q.Exec(`WITH c AS (SELECT array_agg(id ORDER BY code) AS ids FROM centers)
			INSERT INTO labor_demands (center_id, employer_name, occupation_code, title, quantity, work_province_code,
				employment_type, expires_at, visibility, created_at, updated_at)
			SELECT ids[1 + i % 3], 'Công ty', '8153', 'Tuyển ' || i, 1 + i % 7, '19', 'FULL_TIME', now() + interval '30 days',
				$2, now(), now()
			FROM c, generate_series(1, $1) i`, n, visibility); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO centers (code, name, province_code, created_at, updated_at) VALUES
		('TNG', 'Trung tâm TNG', '19', now(), now()), ('HPG', 'Trung tâm HPG', '31', now(), now()),
		('BNH', 'Trung tâm BNH', '24', now(), now())`); err != nil {
		t.Fatal(err)
	}
	insert(db, 100, "ALL_PARTNERS")
	insert(db, 40, "AGREEMENT_PARTNERS")
	if _, err := m.UpTo(ctx, 130); err != nil {
		t.Fatal(err)
	}
	if n := demandCountsDisagree(t, db); n != 0 {
		t.Fatalf("after the migration: %d counts disagree with the demands", n)
	}

	// Publishes one row at a time from parallel connections, and bulk inserts.
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				vis := "ALL_PARTNERS"
				if (w+i)%3 == 0 {
					vis = "AGREEMENT_PARTNERS"
				}
				insert(db, 1, vis)
			}
		}()
	}
	wg.Wait()
	insert(db, 500, "ALL_PARTNERS")
	for _, q := range []string{
		`UPDATE labor_demands SET visibility = 'AGREEMENT_PARTNERS' WHERE quantity = 3`,
		`UPDATE labor_demands SET filled_count = 1 WHERE quantity > 4`, // no counted column changes
		`UPDATE labor_demands SET center_id = (SELECT id FROM centers WHERE code = 'TNG') WHERE quantity = 5`,
		`DELETE FROM labor_demands WHERE quantity = 2`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insert(tx, 50, "ALL_PARTNERS")
	if _, err := tx.Exec(`DELETE FROM labor_demands WHERE quantity = 1`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := demandCountsDisagree(t, db); n != 0 {
		t.Fatalf("after inserts, changes and deletions: %d counts disagree with the demands", n)
	}

	if _, err := db.Exec(`TRUNCATE labor_demands CASCADE`); err != nil {
		t.Fatal(err)
	}
	insert(db, 10, "AGREEMENT_PARTNERS")
	if n := demandCountsDisagree(t, db); n != 0 {
		t.Fatalf("after a truncate: %d counts disagree with the demands", n)
	}

	if _, err := m.DownTo(ctx, 104); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('labor_demand_counts') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Error("Down left labor_demand_counts")
	}
	insert(db, 5, "ALL_PARTNERS") // no trigger left behind
}
