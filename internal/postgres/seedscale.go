package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/laborx/laborx/internal/exchange"
)

// A synthetic market for load tests (`laborx seed --scale N`) is not read from a CSV
// file through the import's checks: its rows are drawn in Go and copied straight into
// the tables, so that a million demands and a million supplies cost seconds, not
// minutes. What is written is what an import of the same values would write: the
// columns the import writes (the others take their defaults, which are the values the
// import writes for empty cells), the search texts the triggers would give (folded
// from the catalog's names, folded once in SQL: fold works letter by letter), one
// PUBLISHED change per row with the payload demandChange/supplyChange build, numbered
// after what was there, one audit entry per kind, and labor_demand_counts added to as its
// trigger would. TestSeedScaleAsPublished checks the rows against the publish rules, the texts against
// the triggers and the payloads against Go's.
//
// A seed that at least doubles a table drops the table's secondary indexes and
// foreign keys first and makes them again from their own definitions afterwards:
// PostgreSQL builds an index over a million rows with one sort and checks a foreign key
// with one join, many times cheaper than a million index insertions and key lookups
// (PostgreSQL's "Populating a Database"). The foreign keys are made again in the
// seed's transaction. The secondary indexes are built after it commits, on two
// connections at once (buildPendingIndexes): one transaction is one backend, and the
// trigram index of demands alone kept a core busy for a sixth of the seed while the
// other had nothing to do. Until then, the statements that build them are in
// seed_pending_indexes, committed with the rows, each deleted by the transaction that
// builds its index: a seed stopped or failed after its commit leaves the table saying
// what is missing (the error says so too), and the next scale seed builds it first. The
// tables are locked meanwhile: against everyone until the commit, against writers
// while their indexes are built.
//
// A seed that rebuilds a table also drops its insert triggers (seedTriggers) for the
// COPY and makes them again before it commits: a BEFORE ROW trigger, even one its WHEN
// skips, makes COPY insert row by row instead of a page at a time, and the counts'
// statement trigger has every copied row kept in its transition table; the seed gives
// the search texts and adds the counts itself (countSeeded). PostgreSQL's CPU for the
// COPYs of demands and supplies falls by about a fifth (BENCHMARKS.md, "Scale seed and
// import (session 7, branch bulk2)"). Dropping a trigger locks its table against
// readers until the commit, as dropping its indexes already does, so a seed that
// rebuilds nothing keeps the triggers and lets the tables be read while it runs.

// ScaleSpec is what a synthetic market is drawn from.
type ScaleSpec struct {
	// Centers publish the rows in turn.
	Centers []uuid.UUID
	// Occupations, Provinces and Titles are the codes and demand titles every row picks
	// one of (a supply up to three destinations); they must be valid for a publish.
	Occupations, Provinces, Titles []string
	// Subject is the actor of the changes and audit entries.
	Subject string
	// Seed makes the draw: the same seed gives the same values.
	Seed uint64
	// Phase, if set, is told how long each phase of the seed took (where the time goes).
	Phase func(phase string, took time.Duration)
}

// seedTables are the tables a seed fills.
var seedTables = []string{"labor_demands", "labor_supplies", "changes"}

// seedDemandColumns and seedSupplyColumns are the columns a seed writes.
var (
	seedDemandColumns = []string{"id", "center_id", "employer_name", "occupation_code", "title", "description", "quantity",
		"wage_min", "wage_max", "work_province_code", "employment_type", "expires_at", "visibility", "created_at",
		"updated_at", "search_own", "search_text"}
	seedSupplyColumns = []string{"id", "center_id", "occupation_code", "quantity", "available_from", "available_until",
		"destination_codes", "expected_wage_min", "notes", "created_at", "updated_at", "search_own", "search_text"}
)

// SeedScale adds n synthetic demands and n synthetic supplies, the rows taking
// spec.Centers in turn, all published now. The caller in ctx is the audit's actor.
func (db *DB) SeedScale(ctx context.Context, spec ScaleSpec, n int) error {
	if n <= 0 || len(spec.Centers) == 0 || len(spec.Occupations) == 0 || len(spec.Provinces) == 0 || len(spec.Titles) == 0 {
		return fmt.Errorf("scale seed: nothing to draw from")
	}
	now := db.now()
	mark := time.Now()
	phase := func(name string) {
		if spec.Phase != nil {
			spec.Phase(name, time.Since(mark))
		}
		mark = time.Now()
	}
	// What an earlier seed left unbuilt comes first: the indexes it dropped would
	// otherwise be missing from the indexes this one drops and makes again.
	if err := db.buildPendingIndexes(ctx, phase); err != nil {
		return err
	}
	_, err := withTxAt(ctx, db, now, txReadWrite, func(tx *Tx) (struct{}, error) {
		g, err := tx.newSeedDraw(ctx, spec, now)
		if err != nil {
			return struct{}{}, err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', '1GB', true),
			set_config('laborx.search_text', 'given', true)`); err != nil {
			return struct{}{}, fmt.Errorf("scale seed: settings: %w", err)
		}
		var rebuild []string
		for _, t := range seedTables {
			// Locked first, so that the count that decides stays true.
			var existing int64
			if _, err := tx.Exec(ctx, `LOCK TABLE `+t+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return struct{}{}, fmt.Errorf("scale seed: lock %s: %w", t, err)
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&existing); err != nil {
				return struct{}{}, fmt.Errorf("scale seed: count %s: %w", t, err)
			}
			if existing <= int64(n) {
				rebuild = append(rebuild, t)
			}
		}
		indexes, restore, err := tx.dropSecondary(ctx, rebuild)
		if err != nil {
			return struct{}{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO seed_pending_indexes (statement) SELECT unnest($1::text[])`, indexes); err != nil {
			return struct{}{}, fmt.Errorf("scale seed: pending indexes: %w", err)
		}
		triggers, err := tx.dropInsertTriggers(ctx, rebuild)
		if err != nil {
			return struct{}{}, err
		}
		restore = append(triggers, restore...)
		phase("lock, count, drop indexes")
		var last int64
		if err := tx.QueryRow(ctx, `UPDATE change_sequence SET last = last + $1 RETURNING last`, 2*n).Scan(&last); err != nil {
			return struct{}{}, fmt.Errorf("scale seed: sequence: %w", err)
		}
		g.sequence = last - int64(2*n)
		for _, c := range []struct {
			table   string
			columns []string
			src     pgx.CopyFromSource
		}{
			{"labor_demands", seedDemandColumns, g.rows(n, g.demandRows(n))},
			{"labor_supplies", seedSupplyColumns, g.rows(n, g.supplyRows(n))},
			// The changes draw the same rows again (same seed), rather than holding a
			// million payloads until the rows are in.
			{"changes", outboxColumns, g.rows(2*n, g.changeRows(n))},
		} {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.columns, c.src); err != nil {
				return struct{}{}, fmt.Errorf("scale seed: copy %s: %w", c.table, err)
			}
			phase("copy " + c.table)
		}
		// A table whose triggers stay counts its rows itself.
		if slices.Contains(rebuild, "labor_demands") {
			if err := tx.countSeeded(ctx, g.counts); err != nil {
				return struct{}{}, err
			}
		}
		for _, stmt := range restore {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return struct{}{}, fmt.Errorf("scale seed: %s: %w", stmt, err)
			}
			name, _, _ := strings.Cut(strings.Join(strings.Fields(stmt)[:6], " "), " ON ")
			phase(name)
		}
		for _, k := range []struct {
			op   string
			kind exchange.Kind
		}{{"laborDemand.import", exchange.KindLaborDemand}, {"laborSupply.import", exchange.KindLaborSupply}} {
			if err := tx.audit(ctx, k.op, k.kind, uuid.Nil, map[string]any{"created": n, "rows": n, "rejected": 0,
				"import": uuid.Must(uuid.NewV7()), "seed": true, "centers": len(spec.Centers)}); err != nil {
				return struct{}{}, err
			}
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, fmt.Sprint(last)); err != nil {
			return struct{}{}, fmt.Errorf("scale seed: notify: %w", err)
		}
		return struct{}{}, nil
	})
	if err != nil {
		return err
	}
	phase("audit, notify, commit")
	if err := db.buildPendingIndexes(ctx, phase); err != nil {
		return err
	}
	// The planner's statistics, for the plans of a market this size from the first query
	// (after the indexes: an expression index has statistics of its own): a table per
	// connection, at once (each ANALYZE runs on one core).
	g, gctx := errgroup.WithContext(ctx)
	for _, t := range []string{"labor_demands", "labor_supplies", "changes, labor_demand_counts"} {
		g.Go(func() error {
			if _, err := db.Pool.Exec(gctx, `ANALYZE `+t); err != nil {
				return fmt.Errorf("scale seed: analyze %s: %w", t, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	phase("analyze")
	return nil
}

// seedIndexBuilders is how many connections build a seed's indexes after its commit:
// one per core of the machine the seed was measured on; the btree builds use parallel
// workers besides.
const seedIndexBuilders = 2

// buildPendingIndexes builds the indexes of seed_pending_indexes on seedIndexBuilders
// connections, the GIN indexes (the longest builds, on one core each) first. Each index
// is built in a transaction of its own that deletes its statement from the table.
func (db *DB) buildPendingIndexes(ctx context.Context, phase func(string)) error {
	rows, _ := db.Pool.Query(ctx, `SELECT statement FROM seed_pending_indexes
		ORDER BY statement NOT LIKE '% USING gin %', statement`)
	pending, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("scale seed: pending indexes: %w", err)
	}
	next := make(chan string, len(pending))
	for _, stmt := range pending {
		next <- stmt
	}
	close(next)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for range min(seedIndexBuilders, len(pending)) {
		g.Go(func() error {
			for stmt := range next {
				start := time.Now()
				err := pgx.BeginFunc(gctx, db.Pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(gctx, `SELECT set_config('maintenance_work_mem', '1GB', true)`); err != nil {
						return err
					}
					if _, err := tx.Exec(gctx, stmt); err != nil {
						return err
					}
					_, err := tx.Exec(gctx, `DELETE FROM seed_pending_indexes WHERE statement = $1`, stmt)
					return err
				})
				if err != nil {
					return fmt.Errorf("scale seed: %s: %w (the rows are committed; this index and any others not built "+
						"are listed in seed_pending_indexes, and the next `laborx seed --scale` builds them first)", stmt, err)
				}
				if phase != nil {
					mu.Lock()
					name, _, _ := strings.Cut(strings.Join(strings.Fields(stmt)[:6], " "), " ON ")
					phase(fmt.Sprintf("%s (own %s)", name, time.Since(start).Round(time.Millisecond)))
					mu.Unlock()
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// dropSecondary drops the tables' indexes other than their primary and unique keys,
// and their foreign keys. It returns the statements that make the indexes again and
// those that make the foreign keys again.
func (tx *Tx) dropSecondary(ctx context.Context, tables []string) (indexes, constraints []string, err error) {
	var drop []string
	for _, t := range tables {
		rows, err := tx.Query(ctx, `
			SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), true
			FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid
			WHERE i.indrelid = $1::regclass AND NOT i.indisunique AND k.oid IS NULL
			UNION ALL
			SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', $1::regclass, conname),
				format('ALTER TABLE %s ADD CONSTRAINT %I %s', $1::regclass, conname, pg_get_constraintdef(oid)), false
			FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, t)
		if err != nil {
			return nil, nil, fmt.Errorf("scale seed: indexes of %s: %w", t, err)
		}
		for rows.Next() {
			var d, r string
			var index bool
			if err := rows.Scan(&d, &r, &index); err != nil {
				return nil, nil, fmt.Errorf("scale seed: indexes of %s: %w", t, err)
			}
			drop = append(drop, d)
			if index {
				indexes = append(indexes, r)
			} else {
				constraints = append(constraints, r)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("scale seed: indexes of %s: %w", t, err)
		}
	}
	for _, stmt := range drop {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return nil, nil, fmt.Errorf("scale seed: %s: %w", stmt, err)
		}
	}
	return indexes, constraints, nil
}

// seedTriggers are the insert triggers of the seed's tables, which a seed does the work
// of: the search texts are given (search_text 'given'), the counts added (countSeeded).
var seedTriggers = []string{"labor_demands_search_text", "labor_demand_counts_insert", "labor_supplies_search_text"}

// dropInsertTriggers drops seedTriggers of tables and returns the statements that make
// them again. Another insert trigger on such a table fails the seed: what it does would
// be skipped.
func (tx *Tx) dropInsertTriggers(ctx context.Context, tables []string) ([]string, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT t.tgname, format('DROP TRIGGER %I ON %s', t.tgname, t.tgrelid::regclass),
			pg_get_triggerdef(t.oid)
		FROM pg_trigger t
		WHERE t.tgrelid = ANY ($1::regclass[]) AND NOT t.tgisinternal AND t.tgtype & 4 <> 0 -- TRIGGER_TYPE_INSERT
		ORDER BY t.tgrelid, t.tgname`, tables)
	if err != nil {
		return nil, fmt.Errorf("scale seed: triggers: %w", err)
	}
	type trigger struct{ name, drop, restore string }
	triggers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (t trigger, err error) {
		return t, r.Scan(&t.name, &t.drop, &t.restore)
	})
	if err != nil {
		return nil, fmt.Errorf("scale seed: triggers: %w", err)
	}
	var restore []string
	for _, t := range triggers {
		if !slices.Contains(seedTriggers, t.name) {
			return nil, fmt.Errorf("scale seed: insert trigger %s is not one the seed does the work of", t.name)
		}
		if _, err := tx.Exec(ctx, t.drop); err != nil {
			return nil, fmt.Errorf("scale seed: %s: %w", t.drop, err)
		}
		restore = append(restore, t.restore)
	}
	return restore, nil
}

// seedCount is a (center, visibility) pair of labor_demand_counts.
type seedCount struct {
	center     uuid.UUID
	visibility exchange.Visibility
}

// countSeeded adds the seeded demands to labor_demand_counts as labor_demand_counts_add
// ('1') of 00130 adds a statement's rows: to the backend's slot, in key order.
func (tx *Tx) countSeeded(ctx context.Context, counts map[seedCount]int64) error {
	var centers []uuid.UUID
	var visibilities []string
	var ns []int64
	for k, n := range counts {
		centers, visibilities, ns = append(centers, k.center), append(visibilities, string(k.visibility)), append(ns, n)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO labor_demand_counts AS c (center_id, visibility, slot, n)
		SELECT center_id, visibility, pg_backend_pid() % 16, n FROM unnest($1::uuid[], $2::text[], $3::bigint[]) u (center_id, visibility, n)
		ORDER BY 1, 2
		ON CONFLICT (center_id, visibility, slot) DO UPDATE SET n = c.n + excluded.n`, centers, visibilities, ns); err != nil {
		return fmt.Errorf("scale seed: counts: %w", err)
	}
	return nil
}
