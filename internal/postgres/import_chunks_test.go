package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

// TestImportChunks: an import written in several chunks while the file is still being
// checked stays one unit: every good row with one change each when the file is good or
// partial; nothing at all (no row, no change, no audit entry) when a row after the
// first chunks is bad and partial is not given, with every bad row reported.
func TestImportChunks(t *testing.T) {
	defer postgres.SetImportChunkRows(postgres.SetImportChunkRows(7))
	db, market, ctx := newMarket(t)
	counts := func() (supplies, changes, audits int) {
		t.Helper()
		if err := db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM labor_supplies),
			(SELECT count(*) FROM changes WHERE entity_kind = 'LaborSupply') + (SELECT count(*) FROM pending_changes WHERE entity_kind = 'LaborSupply'),
			(SELECT count(*) FROM audit_entries WHERE action = 'laborSupply.import')`).Scan(&supplies, &changes, &audits); err != nil {
			t.Fatal(err)
		}
		return
	}
	good := marketCSV(db, "supply", 30, 5)
	lines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	// Rows 23 and 29 (lines 24 and 30) get an unknown occupation: after three chunks.
	bad := append([]string(nil), lines...)
	for _, i := range []int{23, 29} {
		bad[i] = "0000" + bad[i][strings.IndexByte(bad[i], ','):]
	}
	badCSV := strings.Join(bad, "\n") + "\n"

	res, err := market.ImportSupplyCSV(ctx, strings.NewReader(badCSV), false, nil)
	if err != nil || res.RowCount != 30 || res.CreatedCount != 0 || len(res.Errors) != 2 ||
		res.Errors[0].Line != 24 || res.Errors[1].Line != 30 {
		t.Fatalf("bad file without partial: %v %+v", err, res)
	}
	if s, c, a := counts(); s != 0 || c != 0 || a != 0 {
		t.Fatalf("bad file without partial wrote %d supplies, %d changes, %d audit entries; want none", s, c, a)
	}

	res, err = market.ImportSupplyCSV(ctx, strings.NewReader(badCSV), true, nil)
	if err != nil || res.CreatedCount != 28 || len(res.Errors) != 2 {
		t.Fatalf("bad file with partial: %v %+v", err, res)
	}
	if s, c, a := counts(); s != 28 || c != 28 || a != 1 {
		t.Fatalf("bad file with partial: %d supplies, %d changes, %d audit entries; want 28, 28, 1", s, c, a)
	}

	var stages []string
	res, err = market.ImportSupplyCSV(ctx, strings.NewReader(good), false, func(stage string, done, _ int) {
		if stage == "written" {
			stages = append(stages, stage)
		}
	})
	if err != nil || res.CreatedCount != 30 || len(res.Errors) != 0 {
		t.Fatalf("good file: %v %+v", err, res)
	}
	if s, c, a := counts(); s != 58 || c != 58 || a != 2 {
		t.Fatalf("good file: %d supplies, %d changes, %d audit entries; want 58, 58, 2", s, c, a)
	}
	if len(stages) != 5 { // 7+7+7+7+2
		t.Errorf("good file written in %d chunks, want 5", len(stages))
	}
	// The import merged its rows' GIN entries into the indexes before it committed
	// (importclean.go): nothing is left in the pending lists for the next writer.
	var pending int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT import_clean_pending('labor_supplies'::regclass)`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d pages of GIN entries left pending (%v), want 0", pending, err)
	}
	// The changes of one import are numbered in the file's order.
	var ordered bool
	if err := db.Pool.QueryRow(context.Background(), `SELECT bool_and(s.ok) FROM (SELECT lag(c.sequence) OVER (ORDER BY d.created_at, d.id) < c.sequence
		OR lag(c.sequence) OVER (ORDER BY d.created_at, d.id) IS NULL AS ok FROM changes c JOIN labor_supplies d ON d.id = c.entity_id) s`).Scan(&ordered); err != nil || !ordered {
		t.Errorf("changes not in the rows' order: %v", err)
	}
}

// TestImportCleansWithoutASpareConnection: on a pool of one, where the import holds
// the only connection and its cleaner gets none, the import still merges its rows' GIN
// entries before it commits, in its own transaction. A busy machine, where the
// cleaner's connection is still being made when the import ends, takes the same path.
func TestImportCleansWithoutASpareConnection(t *testing.T) {
	defer postgres.SetImportChunkRows(postgres.SetImportChunkRows(7))
	cfg, err := pgxpool.ParseConfig(pgtest.NewDSN(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db, err := postgres.New(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := registerHPG(db)
	if err != nil {
		t.Fatal(err)
	}
	res, err := postgres.NewMarketService(db).ImportSupplyCSV(ctx, strings.NewReader(marketCSV(db, "supply", 30, 5)), false, nil)
	if err != nil || res.CreatedCount != 30 {
		t.Fatalf("import on a pool of one: %v %+v", err, res)
	}
	var pending int64
	if err := pool.QueryRow(context.Background(), `SELECT import_clean_pending('labor_supplies'::regclass)`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d pages of GIN entries left pending (%v), want 0", pending, err)
	}
}
