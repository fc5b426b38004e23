package postgres

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Bulk import: the CSV is parsed and every row checked by the same rules as the
// mutations; the good rows are then copied into a temporary table and moved into place
// with one INSERT … SELECT, and their change-feed entries written with a second COPY,
// so a 100,000-row file is a handful of statements, not 100,000.
//
// The INSERT folds a search text the importer built from the catalog (searchText*
// below, the same words in the same order as the triggers of 00004 and 00009) and
// tells the trigger so with laborx.search_text = 'given': the trigger's per-row
// lookups were most of an import's time.

// MaxImportRows bounds one import.
const MaxImportRows = 100000

// ImportProgress is told how far an import got: stage "checked" while rows are read and
// validated, "written" while they are copied.
type ImportProgress func(stage string, done, total int)

var demandImportColumns = []string{"employer_name", "employer_tax_code", "occupation_code", "title", "description",
	"quantity", "wage_min", "wage_max", "work_province_code", "work_address", "employment_type", "start_date",
	"expires_at", "visibility", "housing", "transport_support", "meals", "benefits_note"}
var demandRequiredColumns = []string{"employer_name", "occupation_code", "title", "quantity", "work_province_code",
	"employment_type", "expires_at"}

var supplyImportColumns = []string{"occupation_code", "skill_level", "quantity", "available_from", "available_until",
	"destination_province_codes", "expected_wage_min", "notes"}
var supplyRequiredColumns = []string{"occupation_code", "quantity", "available_from"}

// csvRow reads the cells of one record by column name and collects its errors.
type csvRow struct {
	line   int
	cols   map[string]int
	record []string
	errs   []*exchange.ImportRowError
}

func (r *csvRow) get(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.record) {
		return ""
	}
	return strings.TrimSpace(r.record[i])
}

func (r *csvRow) fail(col string, code exchange.Code, format string, args ...any) {
	r.errs = append(r.errs, &exchange.ImportRowError{Line: r.line, Column: col, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (r *csvRow) optString(col string) *string {
	if v := r.get(col); v != "" {
		return &v
	}
	return nil
}

func (r *csvRow) optInt64(col string) *int64 {
	v := r.get(col)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.fail(col, exchange.CodeInvalid, "%q is not a whole number", v)
		return nil
	}
	return &n
}

func (r *csvRow) int(col string) int {
	v := r.get(col)
	if v == "" {
		r.fail(col, exchange.CodeRequired, "%s is required", col)
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(col, exchange.CodeInvalid, "%q is not a whole number", v)
	}
	return n
}

func (r *csvRow) optDate(col string) *time.Time {
	v := r.get(col)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		r.fail(col, exchange.CodeInvalid, "%q is not a date (YYYY-MM-DD)", v)
		return nil
	}
	return &t
}

func (r *csvRow) optBool(col string) *bool {
	v := strings.ToLower(r.get(col))
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(col, exchange.CodeInvalid, "%q is not true or false", v)
		return nil
	}
	return &b
}

// validationErrors turns rule failures (field paths of the mutation input) into row
// errors naming the CSV column: ["employer", "taxCode"] → employer_tax_code.
func (r *csvRow) validationErrors(errs exchange.Errors) {
	for _, e := range errs {
		r.errs = append(r.errs, &exchange.ImportRowError{Line: r.line, Column: columnOf(e.Field), Code: e.Code, Message: e.Message})
	}
}

func columnOf(field []string) string {
	var parts []string
	for _, f := range field {
		if f != "" && unicode.IsDigit(rune(f[0])) {
			continue
		}
		var b strings.Builder
		for i, c := range f {
			if unicode.IsUpper(c) {
				if i > 0 {
					b.WriteByte('_')
				}
				c = unicode.ToLower(c)
			}
			b.WriteRune(c)
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "_")
}

// readCSV reads a CSV with a header row and calls row for each record. Problems with
// the file as a whole (no header, a missing required column, too many rows) are errors.
func readCSV(r io.Reader, known, required []string, row func(*csvRow)) (int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	field := []string{"csv"}
	if errors.Is(err, io.EOF) {
		return 0, exchange.FieldErrorf(field, exchange.CodeRequired, "the file is empty: a header row is required")
	}
	if err != nil {
		return 0, exchange.FieldErrorf(field, exchange.CodeInvalid, "line 1: %v", err)
	}
	cols := map[string]int{}
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	var errs exchange.Errors
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !isKnown[h] {
			errs.Add(field, exchange.CodeInvalid, "line 1: unknown column %q (columns: %s)", h, strings.Join(known, ", "))
			continue
		}
		if _, dup := cols[h]; dup {
			errs.Add(field, exchange.CodeInvalid, "line 1: column %q appears twice", h)
		}
		cols[h] = i
	}
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			errs.Add(field, exchange.CodeRequired, "line 1: required column %q is missing", c)
		}
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	n := 0
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return n, exchange.FieldErrorf(field, exchange.CodeInvalid, "line %d: %v", line, err)
		}
		if len(record) == 1 && strings.TrimSpace(record[0]) == "" {
			continue // blank line
		}
		if n++; n > MaxImportRows {
			return n, exchange.FieldErrorf(field, exchange.CodeOutOfRange, "at most %d rows per import", MaxImportRows)
		}
		cr := &csvRow{line: line, cols: cols, record: record}
		if len(record) != len(header) {
			cr.fail("", exchange.CodeInvalid, "the row has %d fields, the header %d", len(record), len(header))
		}
		row(cr)
	}
}

// copySource feeds COPY and reports progress.
type copySource struct {
	rows     [][]any
	i        int
	progress ImportProgress
}

func (c *copySource) Next() bool {
	c.i++
	if c.progress != nil && (c.i%5000 == 0 || c.i == len(c.rows)) {
		c.progress("written", min(c.i, len(c.rows)), len(c.rows))
	}
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
	op       string
	kind     exchange.Kind
	table    string
	columns  []string
	known    []string
	required []string
	// parse checks a row and returns its COPY values (the last one its search text,
	// unfolded) and change, or nil when bad.
	parse func(r *csvRow, id uuid.UUID, center importCenter, now time.Time) ([]any, exchange.Change, map[string]any)
}

// importCenter is the caller's center as the rows need it.
type importCenter struct {
	id           uuid.UUID
	provinceName string
}

func (s *MarketService) runImport(ctx context.Context, imp importer, r io.Reader, partial bool, progress ImportProgress) (*exchange.ImportResult, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC().Truncate(time.Microsecond)
	center := importCenter{id: p.CenterID}
	if err := s.db.Pool.QueryRow(ctx, `SELECT p.name FROM centers c JOIN provinces p ON p.code = c.province_code
		WHERE c.id = $1`, p.CenterID).Scan(&center.provinceName); err != nil {
		return nil, fmt.Errorf("import: caller's center: %w", translate(err))
	}
	res := &exchange.ImportResult{Errors: []*exchange.ImportRowError{}}
	var rows [][]any
	var changes []exchange.Change
	var payloads []any
	checked := 0
	n, err := readCSV(r, imp.known, imp.required, func(row *csvRow) {
		values, ch, payload := imp.parse(row, uuid.Must(uuid.NewV7()), center, now)
		if len(row.errs) > 0 {
			res.Errors = append(res.Errors, row.errs...)
		} else {
			rows, changes, payloads = append(rows, values), append(changes, ch), append(payloads, payload)
		}
		if checked++; progress != nil && checked%5000 == 0 {
			progress("checked", checked, 0)
		}
	})
	res.RowCount = n
	if err != nil {
		return nil, err
	}
	if len(res.Errors) > 0 && !partial {
		return res, nil
	}
	if len(rows) == 0 {
		return res, nil
	}
	res.CreatedCount, err = withTxAt(ctx, s.db, now, func(tx *Tx) (int, error) {
		copied, err := tx.copyWithSearchText(ctx, imp.table, imp.columns, &copySource{rows: rows, progress: progress})
		if err != nil {
			return 0, err
		}
		if err := tx.audit(ctx, imp.op, imp.kind, uuid.Nil, map[string]any{"created": copied, "rows": n,
			"rejected": len(res.Errors)}); err != nil {
			return 0, err
		}
		return int(copied), tx.publishBatch(ctx, changes, payloads)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// copyWithSearchText writes rows of columns plus an unfolded search text into table:
// COPY into a temporary table, then one INSERT … SELECT that folds the text, with the
// search_text trigger told to keep it.
func (tx *Tx) copyWithSearchText(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	cols := strings.Join(columns, ", ")
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE import_rows ON COMMIT DROP AS
		SELECT `+cols+`, search_text AS search_raw FROM `+table+` WITH NO DATA`); err != nil {
		return 0, fmt.Errorf("import: staging table: %w", err)
	}
	copied, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"}, append(columns[:len(columns):len(columns)], "search_raw"), src)
	if err != nil {
		return 0, fmt.Errorf("import: copy: %w", translate(err))
	}
	// One simple-protocol round trip; the setting lasts for the INSERT only.
	if _, err := tx.Exec(ctx, `SELECT set_config('laborx.search_text', 'given', true);
		INSERT INTO `+table+` (`+cols+`, search_text) SELECT `+cols+`, fold(search_raw) FROM import_rows;
		SELECT set_config('laborx.search_text', '', true);
		DROP TABLE import_rows`); err != nil {
		return 0, fmt.Errorf("import: insert %s: %w", table, translate(err))
	}
	return copied, nil
}

// publishBatch is publish for many changes at once: one sequence range, one COPY, one
// notification carrying the last sequence (listeners read everything up to it).
func (tx *Tx) publishBatch(ctx context.Context, changes []exchange.Change, payloads []any) error {
	if len(changes) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRow(ctx, `UPDATE change_sequence SET last = last + $1 RETURNING last`, len(changes)).Scan(&last); err != nil {
		return fmt.Errorf("publish changes: next sequence: %w", err)
	}
	first := last - int64(len(changes)) + 1
	var actorCenter *uuid.UUID
	subject := "system"
	if tx.caller != nil {
		subject = tx.caller.Subject
		if tx.caller.CenterID != uuid.Nil {
			id := tx.caller.CenterID
			actorCenter = &id
		}
	}
	rows := make([][]any, len(changes))
	for i, ch := range changes {
		body, err := json.Marshal(payloads[i])
		if err != nil {
			return fmt.Errorf("publish changes: %w", err)
		}
		if ch.AudienceCenterIDs == nil {
			ch.AudienceCenterIDs = []uuid.UUID{}
		}
		rows[i] = copyValues([]any{first + int64(i), string(ch.EntityKind), ch.EntityID, ch.Action, actorCenter, subject,
			string(ch.Audience), ch.AudienceCenterIDs, ch.OwnerCenterID, body, tx.now})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"changes"}, []string{"sequence", "entity_kind", "entity_id", "action",
		"actor_center_id", "actor_subject", "audience", "audience_center_ids", "owner_center_id", "payload", "occurred_at"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("publish changes: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, fmt.Sprint(last)); err != nil {
		return fmt.Errorf("publish changes: notify: %w", err)
	}
	return nil
}

// ImportLaborDemand imports demand CSV sent through the API.
func (s *MarketService) ImportLaborDemand(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return s.ImportDemandCSV(ctx, strings.NewReader(in.CSV), in.Partial != nil && *in.Partial, nil)
}

// ImportLaborSupply imports supply CSV sent through the API.
func (s *MarketService) ImportLaborSupply(ctx context.Context, in exchange.ImportInput) (*exchange.ImportResult, error) {
	return s.ImportSupplyCSV(ctx, strings.NewReader(in.CSV), in.Partial != nil && *in.Partial, nil)
}

// ImportDemandCSV publishes the demands of a CSV file for the caller's center.
func (s *MarketService) ImportDemandCSV(ctx context.Context, r io.Reader, partial bool, progress ImportProgress) (*exchange.ImportResult, error) {
	return s.runImport(ctx, importer{
		op: "laborDemand.import", kind: exchange.KindLaborDemand, table: "labor_demands",
		columns: demandCopyColumns, known: demandImportColumns, required: demandRequiredColumns,
		parse: s.parseDemandRow,
	}, r, partial, progress)
}

// ImportSupplyCSV publishes the supplies of a CSV file for the caller's center.
func (s *MarketService) ImportSupplyCSV(ctx context.Context, r io.Reader, partial bool, progress ImportProgress) (*exchange.ImportResult, error) {
	return s.runImport(ctx, importer{
		op: "laborSupply.import", kind: exchange.KindLaborSupply, table: "labor_supplies",
		columns: supplyCopyColumns, known: supplyImportColumns, required: supplyRequiredColumns,
		parse: s.parseSupplyRow,
	}, r, partial, progress)
}

func parseExpiry(r *csvRow, col string) time.Time {
	v := r.get(col)
	if v == "" {
		r.fail(col, exchange.CodeRequired, "%s is required", col)
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Add(24*time.Hour - time.Second)
	}
	r.fail(col, exchange.CodeInvalid, "%q is not an RFC 3339 time or a date", v)
	return time.Time{}
}

func (s *MarketService) parseDemandRow(r *csvRow, id uuid.UUID, center importCenter, now time.Time) ([]any, exchange.Change, map[string]any) {
	in := exchange.PublishLaborDemandInput{
		Employer:       exchange.EmployerInput{Name: r.get("employer_name"), TaxCode: r.optString("employer_tax_code")},
		OccupationCode: r.get("occupation_code"), Title: r.get("title"), Description: r.optString("description"),
		Quantity: r.int("quantity"), WageMin: r.optInt64("wage_min"), WageMax: r.optInt64("wage_max"),
		WorkProvinceCode: r.get("work_province_code"), WorkAddress: r.optString("work_address"),
		EmploymentType: exchange.EmploymentType(strings.ToUpper(r.get("employment_type"))),
		StartDate:      r.optDate("start_date"), ExpiresAt: parseExpiry(r, "expires_at"),
		Benefits: &exchange.BenefitsInput{Housing: r.optBool("housing"), TransportSupport: r.optBool("transport_support"),
			Meals: r.optBool("meals"), Note: r.optString("benefits_note")},
	}
	if v := r.get("visibility"); v != "" {
		vis := exchange.Visibility(strings.ToUpper(v))
		in.Visibility = &vis
	}
	if len(r.errs) > 0 {
		return nil, exchange.Change{}, nil
	}
	d := exchange.DraftFromPublish(in)
	r.validationErrors(exchange.ValidateDemand(s.db.Catalog, now, d, exchange.DemandRules{Province: true, Expiry: true}))
	if len(r.errs) > 0 {
		return nil, exchange.Change{}, nil
	}
	row := append(demandRow(id, center.id, d, now), now, s.demandSearchText(d))
	stored := &exchange.LaborDemand{ID: id, CenterID: center.id, OccupationCode: d.OccupationCode, Title: d.Title,
		Quantity: d.Quantity, WageMin: d.WageMin, WageMax: d.WageMax, WorkProvinceCode: d.WorkProvinceCode,
		EmploymentType: d.EmploymentType, ExpiresAt: d.ExpiresAt, Visibility: d.Visibility, Version: 1}
	stored.SetStatus(now)
	ch, payload := demandChange(stored, "PUBLISHED")
	return row, ch, payload
}

func (s *MarketService) parseSupplyRow(r *csvRow, id uuid.UUID, center importCenter, now time.Time) ([]any, exchange.Change, map[string]any) {
	in := exchange.PublishLaborSupplyInput{
		OccupationCode: r.get("occupation_code"), Quantity: r.int("quantity"),
		AvailableUntil: r.optDate("available_until"), ExpectedWageMin: r.optInt64("expected_wage_min"),
		Notes: r.optString("notes"),
	}
	if v := r.get("skill_level"); v != "" {
		sl := exchange.SkillLevel(strings.ToUpper(v))
		in.SkillLevel = &sl
	}
	if from := r.optDate("available_from"); from != nil {
		in.AvailableFrom = *from
	} else if r.get("available_from") == "" {
		r.fail("available_from", exchange.CodeRequired, "available_from is required")
	}
	if v := r.get("destination_province_codes"); v != "" {
		in.DestinationProvinceCodes = strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == ',' || unicode.IsSpace(c) })
	}
	if len(r.errs) > 0 {
		return nil, exchange.Change{}, nil
	}
	d := exchange.DraftFromPublishSupply(in)
	r.validationErrors(exchange.ValidateSupply(s.db.Catalog, now, d, true))
	if len(r.errs) > 0 {
		return nil, exchange.Change{}, nil
	}
	row := supplyRow(id, center.id, d, now)
	codes := row[7].([]string)
	row = append(row, s.supplySearchText(blankNil(d.Notes), d.OccupationCode, codes, center.provinceName))
	stored := &exchange.LaborSupply{ID: id, CenterID: center.id, OccupationCode: d.OccupationCode, Quantity: d.Quantity,
		AvailableFrom: d.AvailableFrom, AvailableUntil: d.AvailableUntil, DestinationCodes: codes,
		ExpectedWageMin: d.ExpectedWageMin, Version: 1}
	stored.SetStatus(now)
	ch, payload := supplyChange(stored, "PUBLISHED")
	return row, ch, payload
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

// demandSearchText is what the labor_demands_search_text trigger folds, for a row
// whose occupation and province the rules have checked.
func (s *MarketService) demandSearchText(d *exchange.DemandDraft) string {
	prov, _ := s.db.Catalog.Province(d.WorkProvinceCode)
	return strings.Join([]string{d.Title, d.Employer.Name, orEmpty(blankNil(d.Description)), orEmpty(blankNil(d.WorkAddress)),
		orEmpty(blankNil(d.Benefits.Note)), s.occupationSearchText(d.OccupationCode), prov.Name}, " ")
}

// supplySearchText is what the labor_supplies_search_text trigger (00009) folds.
func (s *MarketService) supplySearchText(notes *string, occupationCode string, destinations []string, centerProvince string) string {
	var names []string
	for _, c := range destinations {
		if p, ok := s.db.Catalog.Province(c); ok {
			names = append(names, p.Name)
		}
	}
	return strings.Join([]string{orEmpty(notes), s.occupationSearchText(occupationCode), strings.Join(names, " "), centerProvince}, " ")
}
