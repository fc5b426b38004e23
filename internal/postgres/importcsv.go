package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/csvimport"
	"github.com/laborx/laborx/internal/exchange"
)

// Bulk import: internal/csvimport reads the CSV and checks every row by the same rules
// as the mutations; the good rows are then copied into a temporary table and moved into place
// with one INSERT … SELECT per chunk of rows, and their change-feed entries written with one more COPY,
// so a 100,000-row file is a few dozen statements, not 100,000.
//
// The file is checked in a goroutine of its own while the transaction writes the
// chunks checked before (importpipe.go): Go's reading and checking and PostgreSQL's
// inserting overlap instead of following each other. The transaction stays the unit: a
// file without partial that turns out to have a bad row is rolled back, so it writes
// nothing, as before.
//
// The importer builds the search texts from the catalog (the same words in the same
// order as the triggers of 00160), and the INSERT tells the trigger so with
// laborx.search_text = 'given': the trigger's per-row lookups were most of an import's
// time. The reference names come folded already, from the generated columns
// occupations.search_text and provinces.search_name (importNames); the INSERT folds only
// the row's own words (search_own), and search_text is those and the names after them.

// ImportProgress is told how far an import got: stage "checked" as rows are read and
// validated, "written" as they are copied (the two interleave; total is 0 while unknown).
type ImportProgress func(stage string, done, total int)

// copySource feeds COPY.
type copySource struct {
	rows [][]any
	i    int
}

func (c *copySource) Next() bool {
	c.i++
	return c.i <= len(c.rows)
}
func (c *copySource) Values() ([]any, error) { return copyValues(c.rows[c.i-1]), nil }
func (c *copySource) Err() error             { return nil }

// copyValues hands pgx uuids as [16]byte: a uuid.UUID is a driver.Valuer, which pgx
// encodes by way of its text form and a failed plan, a third of an import's Go time.
func copyValues(row []any) []any {
	for i, v := range row {
		switch v := v.(type) {
		case uuid.UUID:
			row[i] = [16]byte(v)
		case *uuid.UUID:
			if v != nil {
				row[i] = [16]byte(*v)
			} else {
				row[i] = nil
			}
		case []uuid.UUID:
			ids := make([][16]byte, len(v))
			for j, id := range v {
				ids[j] = id
			}
			row[i] = ids
		}
	}
	return row
}

// importer is what differs between demand and supply imports.
type importer struct {
	op      string
	kind    exchange.Kind
	table   string
	columns []string
	spec    csvimport.Spec
	// row maps a checked row to its COPY values (the last two its own search words,
	// unfolded, and the reference names of its search text, folded) and change; ok is
	// false when the row has errors (in r.Errors).
	row func(r *csvimport.Row, id uuid.UUID, center importCenter, now time.Time) (values []any, ch exchange.Change, payload any, ok bool)
}

// importCenter is the caller's center as the rows need it, with the folded names.
type importCenter struct {
	id    uuid.UUID
	names importNames
}

// importNames are the reference names folded, as the search texts hold them: the
// occupations' titles (occupations.search_text) and the provinces' names
// (provinces.search_name) by code, and the name of the center's province. Folding
// them once per import rather than once per row in the INSERT was a tenth of its
// instructions (BENCHMARKS.md, "Import and scale seed (session 8, branch bulk3)").
type importNames struct {
	occupations, provinces map[string]string
	centerProvince         string
}

// loadImportNames reads the folded names and the caller's center's province.
func loadImportNames(ctx context.Context, tx *Tx, center uuid.UUID) (importNames, error) {
	var n importNames
	var occCodes, occNames, provCodes, provNames []string
	err := tx.QueryRow(ctx, `SELECT p.search_name,
			ARRAY(SELECT code FROM occupations ORDER BY code), ARRAY(SELECT search_text FROM occupations ORDER BY code),
			ARRAY(SELECT code FROM provinces ORDER BY code), ARRAY(SELECT search_name FROM provinces ORDER BY code)
		FROM centers c JOIN provinces p ON p.code = c.province_code WHERE c.id = $1`, center).
		Scan(&n.centerProvince, &occCodes, &occNames, &provCodes, &provNames)
	if err != nil {
		return n, err
	}
	n.occupations, n.provinces = make(map[string]string, len(occCodes)), make(map[string]string, len(provCodes))
	for i, c := range occCodes {
		n.occupations[c] = occNames[i]
	}
	for i, c := range provCodes {
		n.provinces[c] = provNames[i]
	}
	return n, nil
}

// importRun is how one import runs: partial writes the good rows of a file with bad
// ones; with key, the run is idempotent over fingerprint (the request minus the key).
type importRun struct {
	partial     bool
	key         *string
	fingerprint any
	progress    ImportProgress
}

// errImportUnwritten rolls back an import that turned out to write nothing: a file with
// bad rows and no partial, no good row, or a file that could not be read.
var errImportUnwritten = errors.New("import: nothing to write")

func (s *MarketService) runImport(ctx context.Context, imp importer, r io.Reader, run importRun) (*exchange.ImportResult, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	now := s.db.now()
	center := importCenter{id: p.CenterID}
	center.names, err = withTxAt(ctx, s.db, now, txReadOnly, func(tx *Tx) (importNames, error) {
		return loadImportNames(ctx, tx, p.CenterID)
	})
	if err != nil {
		return nil, fmt.Errorf("import: caller's center: %w", translate(err))
	}
	chk := startCheck(imp, r, run.partial, center, actorOf(p), now)
	defer chk.stop()
	clean := startCleaner(ctx, s.db.Pool, imp.table)
	defer func() { _ = clean.finish(ctx, nil) }()
	res := &exchange.ImportResult{Errors: []*exchange.ImportRowError{}}
	var readErr error
	out, err := withTxAt(ctx, s.db, now, txReadWrite, func(tx *Tx) (*exchange.ImportResult, error) {
		id, replayed, err := tx.idempotent(ctx, run.key, imp.op, run.fingerprint, func() (uuid.UUID, error) {
			copied, outbox, err := tx.writeChunks(ctx, imp, chk.chunks, clean, run.progress)
			if err != nil {
				return uuid.Nil, err
			}
			done := <-chk.done
			res.RowCount, readErr = done.rows, done.err
			res.Errors = append(res.Errors, done.errors...)
			// A file that writes nothing leaves the key unused, as a create mutation
			// refused by its validation does: the rollback takes the claim back too.
			if readErr != nil || (len(res.Errors) > 0 && !run.partial) || copied == 0 {
				return uuid.Nil, errImportUnwritten
			}
			res.CreatedCount = copied
			id := uuid.Must(uuid.NewV7())
			if err := tx.audit(ctx, imp.op, imp.kind, uuid.Nil, map[string]any{"created": copied, "rows": res.RowCount,
				"rejected": len(res.Errors), "import": id}); err != nil {
				return uuid.Nil, err
			}
			if err := tx.publishRows(ctx, outbox); err != nil {
				return uuid.Nil, err
			}
			if err := clean.finish(ctx, tx); err != nil {
				return uuid.Nil, err
			}
			if run.key == nil {
				return id, nil
			}
			return id, tx.saveImportResult(ctx, id, imp.op, res)
		})
		if err != nil || !replayed {
			return res, err
		}
		return tx.importResult(ctx, id)
	})
	switch {
	case readErr != nil:
		return nil, readErr
	case errors.Is(err, errImportUnwritten):
		return res, nil
	}
	return out, err
}

// saveImportResult keeps an idempotent import's result for its replays.
func (tx *Tx) saveImportResult(ctx context.Context, id uuid.UUID, op string, res *exchange.ImportResult) error {
	if _, err := tx.Exec(ctx, `INSERT INTO import_results (id, center_id, operation, row_count, created_count,
		row_errors, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, tx.caller.CenterID, op, res.RowCount, res.CreatedCount, res.Errors, tx.now); err != nil {
		return fmt.Errorf("save import result: %w", err)
	}
	return nil
}

// importResult loads the result of an earlier import of the caller's center.
func (tx *Tx) importResult(ctx context.Context, id uuid.UUID) (*exchange.ImportResult, error) {
	res := &exchange.ImportResult{}
	// authz: an idempotency key is per center, and so is the result it replays.
	if err := tx.QueryRow(ctx, `SELECT row_count, created_count, row_errors FROM import_results
		WHERE id = $1 AND center_id = $2`, id, tx.caller.CenterID).Scan(&res.RowCount, &res.CreatedCount, &res.Errors); err != nil {
		return nil, fmt.Errorf("load import result: %w", err)
	}
	return res, nil
}

// writeChunks writes the chunks of checked rows as they come (columns plus two
// search texts: own words unfolded, reference names folded): each by COPY into a temporary
// table, then one INSERT … SELECT that folds the own words, with the search_text trigger
// told to keep them and the GIN entries left pending for clean, poked after each. It
// returns how many rows it wrote and their outbox rows, which the caller publishes
// once the whole file is known to be good.
func (tx *Tx) writeChunks(ctx context.Context, imp importer, chunks <-chan importChunk, clean *pendingCleaner, progress ImportProgress) (int, [][]any, error) {
	cols := strings.Join(imp.columns, ", ")
	copyCols := append(imp.columns[:len(imp.columns):len(imp.columns)], "own_raw", "names")
	// One simple-protocol round trip a chunk; the setting lasts for the INSERT only. fold
	// works letter by letter, so folding the two parts apart gives the trigger's search_text.
	// The INSERT spells out fold's body (00001): PostgreSQL cannot inline fold, an
	// IMMUTABLE function over the STABLE unaccent, and runs it as an SQL function, with
	// an executor's start and end, at every call.
	insert := `SELECT set_config('laborx.search_text', 'given', true), set_config('gin_pending_list_limit', '` + importPendingLimit + `', true);
		INSERT INTO ` + imp.table + ` (` + cols + `, search_own, search_text)
			SELECT ` + cols + `, f.own, f.own || ' ' || names FROM import_rows,
				LATERAL (SELECT lower(public.unaccent('public.unaccent'::regdictionary, own_raw)) AS own) f;
		SELECT set_config('laborx.search_text', '', true);
		TRUNCATE import_rows`
	copied := 0
	var outbox [][]any
	for c := range chunks {
		if progress != nil {
			progress("checked", c.checked, 0)
		}
		if copied == 0 {
			if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE import_rows ON COMMIT DROP AS
				SELECT `+cols+`, search_own AS own_raw, search_text AS names FROM `+imp.table+` WITH NO DATA`); err != nil {
				return 0, nil, fmt.Errorf("import: staging table: %w", err)
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, copyCols, &copySource{rows: c.rows}); err != nil {
			return 0, nil, fmt.Errorf("import: copy: %w", translate(err))
		}
		if _, err := tx.Exec(ctx, insert); err != nil {
			return 0, nil, fmt.Errorf("import: insert %s: %w", imp.table, translate(err))
		}
		clean.poke()
		copied += len(c.rows)
		outbox = append(outbox, c.changes...)
		if progress != nil {
			progress("written", copied, 0)
		}
	}
	return copied, outbox, nil
}

// ImportLaborDemand imports demand CSV sent through the API.
func (s *MarketService) ImportLaborDemand(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return s.runImport(ctx, s.demandImporter(), csvimport.FromText(in.CSV), apiImportRun(in))
}

// ImportLaborSupply imports supply CSV sent through the API.
func (s *MarketService) ImportLaborSupply(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return s.runImport(ctx, s.supplyImporter(), csvimport.FromText(in.CSV), apiImportRun(in))
}

// apiImportRun runs an import of the API: idempotent over the file and partial.
func apiImportRun(in exchange.ImportInput) importRun {
	partial := in.Partial != nil && *in.Partial
	return importRun{partial: partial, key: in.IdempotencyKey, fingerprint: struct {
		CSV     string
		Partial bool
	}{in.CSV, partial}}
}

// ImportDemandCSV publishes the demands of a CSV file for the caller's center.
func (s *MarketService) ImportDemandCSV(ctx context.Context, r io.Reader, partial bool, progress ImportProgress) (*exchange.ImportResult, error) {
	return s.runImport(ctx, s.demandImporter(), r, importRun{partial: partial, progress: progress})
}

// ImportSupplyCSV publishes the supplies of a CSV file for the caller's center.
func (s *MarketService) ImportSupplyCSV(ctx context.Context, r io.Reader, partial bool, progress ImportProgress) (*exchange.ImportResult, error) {
	return s.runImport(ctx, s.supplyImporter(), r, importRun{partial: partial, progress: progress})
}

func (s *MarketService) demandImporter() importer {
	return importer{op: "laborDemand.import", kind: exchange.KindLaborDemand, table: "labor_demands",
		columns: columnsOf[demandRecord](), spec: csvimport.DemandSpec, row: s.demandImportRow}
}

func (s *MarketService) supplyImporter() importer {
	return importer{op: "laborSupply.import", kind: exchange.KindLaborSupply, table: "labor_supplies",
		columns: columnsOf[supplyRecord](), spec: csvimport.SupplySpec, row: s.supplyImportRow}
}

func (s *MarketService) demandImportRow(r *csvimport.Row, id uuid.UUID, center importCenter, now time.Time) ([]any, exchange.Change, any, bool) {
	d := csvimport.Demand(r, s.db.Catalog, now)
	if d == nil {
		return nil, exchange.Change{}, nil, false
	}
	row := append(valuesOf(newDemandRecord(id, center.id, d, now)), demandOwnText(d),
		center.names.occupations[d.OccupationCode]+" "+center.names.provinces[d.WorkProvinceCode])
	ch, payload := demandChange(publishedDemand(id, center.id, d, now), exchange.ActionPublished)
	return row, ch, payload, true
}

func (s *MarketService) supplyImportRow(r *csvimport.Row, id uuid.UUID, center importCenter, now time.Time) ([]any, exchange.Change, any, bool) {
	d := csvimport.Supply(r, s.db.Catalog, now)
	if d == nil {
		return nil, exchange.Change{}, nil, false
	}
	rec := newSupplyRecord(id, center.id, d, now)
	codes := rec.DestinationCodes
	row := append(valuesOf(rec), orEmpty(rec.Notes), center.names.supply(d.OccupationCode, codes))
	ch, payload := supplyChange(publishedSupply(rec, d, now), exchange.ActionPublished)
	return row, ch, payload, true
}

// occupationSearchText is "title_en title_vi" as the triggers concatenate it.
func (s *MarketService) occupationSearchText(code string) string {
	o, _ := s.db.Catalog.Occupation(code)
	vi := ""
	if o.TitleVi != nil {
		vi = *o.TitleVi
	}
	return o.TitleEn + " " + vi
}

func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// demandSearchText is what the labor_demands_search_text trigger (00160) folds, for a
// row whose occupation and province the rules have checked: the own words and the
// reference names.
func (s *MarketService) demandSearchText(d *exchange.DemandDraft) (own, names string) {
	prov, _ := s.db.Catalog.Province(d.WorkProvinceCode)
	return demandOwnText(d), s.occupationSearchText(d.OccupationCode) + " " + prov.Name
}

// demandOwnText is a demand's own words, unfolded, as the trigger (00160) joins them.
func demandOwnText(d *exchange.DemandDraft) string {
	return strings.Join([]string{d.Title, d.Employer.Name, orEmpty(blankNil(d.Description)), orEmpty(blankNil(d.WorkAddress)),
		orEmpty(blankNil(d.Benefits.Note))}, " ")
}

// supply is the part of what the labor_supplies_search_text trigger (00160) folds
// after the notes, folded: the occupation, the known destinations in order, the
// center's province.
func (n importNames) supply(occupationCode string, destinations []string) string {
	var names []string
	for _, c := range destinations {
		if p, ok := n.provinces[c]; ok {
			names = append(names, p)
		}
	}
	return strings.Join([]string{n.occupations[occupationCode], strings.Join(names, " "), n.centerProvince}, " ")
}
