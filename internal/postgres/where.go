package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// sqlWhere is the store's one builder of dynamic WHERE clauses: it owns the numbered
// placeholders, so conditions are added in any order and no statement counts its
// arguments. A list query and its count use the same filter (filter), the page's own
// conditions and limit going to a copy (page).
type sqlWhere struct {
	conds []string
	args  []any
	// probed is set on a filter whose rows the planner cannot count ahead (text search,
	// marketText): keysetQuery then reads the first rows of the order before asking an
	// index for every match (probedQuery).
	probed *probe
}

// probe is what probedQuery needs of a filter: its table with the alias of its
// conditions, how many rows of the order to read first, and the text's condition (one
// of the filter's conditions).
type probe struct {
	table, alias, text string
	window             int
}

// others is w's conditions but the text's.
func (w *sqlWhere) others() string {
	var conds []string
	for _, c := range w.conds {
		if c != w.probed.text {
			conds = append(conds, c)
		}
	}
	return (&sqlWhere{conds: conds}).String()
}

// arg adds an argument and returns its placeholder.
func (w *sqlWhere) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// list adds arguments and returns their placeholders, comma-separated (a publish's
// statement takes most of its 57 arguments so: BenchmarkPublishSQL).
func (w *sqlWhere) list(vs ...any) string {
	w.args = slices.Grow(w.args, len(vs))
	b := make([]byte, 0, len(vs)*5)
	for i, v := range vs {
		if i > 0 {
			b = append(b, ", "...)
		}
		w.args = append(w.args, v)
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(w.args)), 10)
	}
	return string(b)
}

// add adds a condition; format's verbs take placeholders from arg.
func (w *sqlWhere) add(format string, args ...any) {
	w.conds = append(w.conds, fmt.Sprintf(format, args...))
}

// addText adds a text search's condition and has the filter read by probedQuery with
// pr, whose text is that condition.
func (w *sqlWhere) addText(pr probe, format string, args ...any) {
	pr.text = fmt.Sprintf(format, args...)
	w.conds = append(w.conds, pr.text)
	w.probed = &pr
}

func (w *sqlWhere) String() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// page returns a copy of the filter to add a page's keyset condition and limit to,
// leaving w as the filter the count query uses.
func (w *sqlWhere) page() *sqlWhere {
	return &sqlWhere{conds: append([]string(nil), w.conds...), args: append([]any(nil), w.args...), probed: w.probed}
}

// keysetOrder is a list's order: by key, then by id, descending or not.
type keysetOrder struct {
	key, id string
	desc    bool
}

// keysetQuery runs a page of the list `SELECT columns FROM from WHERE w` in order o:
// strictly after the cursor's (key, id) when there is one (after nil: the first page),
// first+1 rows so the caller knows whether another page follows. The limit is written
// into the statement, not passed: the generic plan of `LIMIT $n` is costed for a tenth
// of the table's rows, never as cheap as a custom plan's, so PostgreSQL planned the
// statement again on every call (0.6 ms, three times running the page: BENCHMARKS.md,
// "Q1 in one round trip"); with the number it keeps the generic plan after five calls.
// first is the page size the caller checked (1 to 100), a statement per size.
func keysetQuery(ctx context.Context, q DBTX, columns, from string, w *sqlWhere, o keysetOrder, after []any, first int) (pgx.Rows, error) {
	pw := w.page()
	dir, cursor := o.after(pw, after)
	if w.probed != nil {
		return probedQuery(ctx, q, columns, from, pw, o, cursor, dir, first)
	}
	return q.Query(ctx, `SELECT `+columns+` FROM `+from+` WHERE `+pw.String()+
		` ORDER BY `+o.key+dir+`, `+o.id+dir+` LIMIT `+strconv.Itoa(first+1), pw.args...)
}

// probedQuery is keysetQuery for a filter whose matching rows the planner cannot count
// ahead (sqlWhere.probed: text search), pw holding the page's keyset condition, cursor
// (true on the first page). PostgreSQL chose between walking the order's index until the page
// is full, fast when the phrase is common and far too slow when it is rare (every row
// of 1,000,000 visited for a phrase that is nowhere), and reading every match from the
// trigram index and sorting them, the other way round; its estimate of a LIKE phrase
// cannot tell the two apart (BENCHMARKS.md, "Text search at 1,000,000 demands"). So
// both, bounded: the first rows (pw.probed.window: probeWindow) of the order are read and filtered (recent);
// when they hold the whole page it is the page, as the walk would have found it (the
// order is total, so the first first+1 matches of the window are the first of all).
// Only otherwise, when the phrase is rare among them, are the matches read from the
// indexes (OFFSET 0 keeps that sub-select from being planned as a walk of the order)
// and sorted; CASE evaluates the one branch it takes. The rows, their order and so the
// cursors are keysetQuery's.
func probedQuery(ctx context.Context, q DBTX, columns, from string, pw *sqlWhere, o keysetOrder, cursor, dir string,
	first int) (pgx.Rows, error) {
	order := o.key + dir + `, ` + o.id + dir
	n := pw.arg(first + 1)
	return q.Query(ctx, fmt.Sprintf(`WITH recent AS (
			SELECT %[1]s FROM (SELECT * FROM %[2]s %[3]s WHERE %[4]s ORDER BY %[5]s LIMIT %[6]d) %[3]s
			WHERE %[7]s ORDER BY %[5]s LIMIT %[8]s)
		SELECT %[9]s FROM %[10]s WHERE %[1]s = ANY(CASE
			WHEN (SELECT count(*) FROM recent) = %[8]s THEN ARRAY(SELECT id FROM recent)
			ELSE ARRAY(SELECT m.id FROM (SELECT %[1]s AS id, %[11]s AS sort_key FROM %[2]s %[3]s WHERE %[7]s OFFSET 0) m
				ORDER BY m.sort_key%[12]s, m.id%[12]s LIMIT %[8]s) END)
		ORDER BY %[5]s`, o.id, pw.probed.table, pw.probed.alias, cursor, order, pw.probed.window, pw.String(), n, columns, from, o.key, dir), pw.args...)
}

// after adds the keyset condition of a page after the cursor's (key, id) to pw, when
// there is a cursor, and returns the order's direction in SQL and that condition
// (true when there is none).
func (o keysetOrder) after(pw *sqlWhere, after []any) (dir, cursor string) {
	dir, cmp := "", ">"
	if o.desc {
		dir, cmp = " DESC", "<"
	}
	cursor = "true"
	if after != nil {
		cursor = fmt.Sprintf(`(%s, %s) %s (%s, %s)`, o.key, o.id, cmp, pw.arg(after[0]), pw.arg(after[1]))
		pw.add(`%s`, cursor)
	}
	return dir, cursor
}

// keysetByPart is keysetQuery for a filter that also holds `part = ANY(values)`, w
// leaving that condition out; values is not empty. The page's ids are the first rows of
// each value's own keyset scan of inner (from without its joins), merged in the order;
// only those rows are then read through from. With an index on (part, key, id) that
// holds the filter's columns, each value's scan is an index-only walk that stops once
// it has first+1 rows, however large the table: `part = ANY(values)` and the order in
// one scan can only be answered by reading every matching row and sorting them. The
// rows, their order and so the cursors are keysetQuery's: the values' rows are disjoint
// (values made distinct) and together the rows of `part = ANY(values)`, and the order
// is total. The values are a VALUES list of one placeholder each rather than an array,
// so that the prepared statement's generic plan counts them as the custom plans do and
// is chosen: a custom plan is planned again on every call, which costs PostgreSQL more
// than running it.
func keysetByPart(ctx context.Context, q DBTX, columns, from, inner string, w *sqlWhere, o keysetOrder, after []any, first int,
	part string, values []string) (pgx.Rows, error) {
	pw := w.page()
	dir, _ := o.after(pw, after)
	var list []string
	for _, v := range slices.Compact(slices.Sorted(slices.Values(values))) {
		list = append(list, "("+pw.arg(v)+"::text)")
	}
	n := pw.arg(first + 1)
	if pw.probed != nil {
		return probedByPart(ctx, q, columns, from, inner, pw, o, dir, n, part, strings.Join(list, ", "))
	}
	ids := fmt.Sprintf(`SELECT k.id FROM (VALUES %[1]s) p(v) CROSS JOIN LATERAL (
		SELECT %[2]s AS id, %[3]s AS sort_key FROM %[4]s WHERE %[5]s = p.v AND %[6]s
		ORDER BY %[3]s%[7]s, %[2]s%[7]s LIMIT %[8]s) k
		ORDER BY k.sort_key%[7]s, k.id%[7]s LIMIT %[8]s`, strings.Join(list, ", "), o.id, o.key, inner, part, pw.String(), dir, n)
	return q.Query(ctx, `SELECT `+columns+` FROM `+from+` WHERE `+o.id+` = ANY(ARRAY(`+ids+`))
		ORDER BY `+o.key+dir+`, `+o.id+dir, pw.args...)
}

// probedByPart is keysetByPart for a text search (pw.probed), n the placeholder of
// first+1 and values the VALUES list. Each value's walk stops after the window's rows
// (pw.probed.window) of the filter without the text, which an index such as
// labor_demands_open_province answers without visiting a row, and keeps the first n of
// them that hold the text: for a common phrase a walk reads about as many rows as the
// page, and a rare one no longer reads every row of the province. When each value's
// walk found n rows or read every row of its value (a window not full), the rows are
// the walks' of keysetByPart; otherwise the page is read as probedQuery reads it from
// the text's indexes, the text's rows found first (OFFSET 0) and the other conditions
// applied to them: the planner, which cannot count the text's candidates, would read
// every row of the provinces instead.
func probedByPart(ctx context.Context, q DBTX, columns, from, inner string, pw *sqlWhere, o keysetOrder, dir, n, part, values string) (pgx.Rows, error) {
	return q.Query(ctx, fmt.Sprintf(`WITH walks AS (
			SELECT p.v, k.id, k.sort_key FROM (VALUES %[1]s) p(v) CROSS JOIN LATERAL (
				SELECT %[2]s AS id, %[3]s AS sort_key FROM (SELECT * FROM %[4]s WHERE %[5]s = p.v AND %[6]s
					ORDER BY %[3]s%[7]s, %[2]s%[7]s LIMIT %[8]d) %[9]s
				WHERE %[10]s ORDER BY %[3]s%[7]s, %[2]s%[7]s LIMIT %[11]s) k),
		short AS (
			SELECT p.v FROM (VALUES %[1]s) p(v) WHERE (SELECT count(*) FROM walks w WHERE w.v = p.v) < %[11]s
				AND (SELECT count(*) FROM (SELECT FROM %[4]s WHERE %[5]s = p.v AND %[6]s
					ORDER BY %[3]s%[7]s, %[2]s%[7]s LIMIT %[8]d) x) = %[8]d)
		SELECT %[12]s FROM %[13]s WHERE %[2]s = ANY(CASE
			WHEN NOT EXISTS (SELECT FROM short) THEN ARRAY(SELECT id FROM walks ORDER BY sort_key%[7]s, id%[7]s LIMIT %[11]s)
			ELSE ARRAY(SELECT %[2]s FROM (SELECT * FROM %[4]s WHERE %[10]s OFFSET 0) %[9]s
				WHERE %[5]s IN (VALUES %[1]s) AND %[6]s ORDER BY %[3]s%[7]s, %[2]s%[7]s LIMIT %[11]s) END)
		ORDER BY %[3]s%[7]s, %[2]s%[7]s`,
		values, o.id, o.key, inner, part, pw.others(), dir, pw.probed.window, pw.probed.alias, pw.probed.text, n, columns, from),
		pw.args...)
}

// countOf counts the rows of from that w admits.
func countOf(ctx context.Context, q DBTX, from string, w *sqlWhere) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM `+from+` WHERE `+w.String(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", from, err)
	}
	return n, nil
}

// listPage runs a page of the list `SELECT columns FROM from WHERE w` in order o (see
// keysetQuery) and, when page asks for it, the list's total count over countFrom: from
// without the joins that only add columns (one row each), or from itself.
func listPage[T any](ctx context.Context, q DBTX, columns, from, countFrom string, w *sqlWhere, o keysetOrder, after []any,
	page exchange.PageArgs, cursor func(*T) string) (*exchange.Page[*T], error) {
	rows, _ := keysetQuery(ctx, q, columns, from, w, o, after, page.First)
	return readPage(ctx, q, rows, countFrom, w, after, page, cursor, pgx.RowToAddrOfStructByName[T])
}

// readPage reads a page from rows of keysetQuery or keysetByPart (first+1 rows after
// the cursor), each by scan, and, when page asks for it, the total count of countFrom
// WHERE w.
func readPage[T any](ctx context.Context, q DBTX, rows pgx.Rows, countFrom string, w *sqlWhere, after []any,
	page exchange.PageArgs, cursor func(*T) string, scan pgx.RowToFunc[*T]) (*exchange.Page[*T], error) {
	list, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", countFrom, err)
	}
	if page.NoCursors {
		cursor = nil
	}
	pg := pageOf(list, page.First, cursor)
	pg.HasPrevious = after != nil
	if page.WithTotal {
		if pg.TotalCount, err = countOf(ctx, q, countFrom, w); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

// newestFirst lists rows of T newest first, by (alias.created_at, alias.id), in a
// read-only transaction: the caller is decided by decide (authz), the rows they may
// see are filter's, built at the transaction's now.
func newestFirst[T any](ctx context.Context, db *DB, decide func(*exchange.Principal) error, columns, from, countFrom, alias string,
	filter func(p *exchange.Principal, now time.Time) *sqlWhere, key func(*T) (time.Time, uuid.UUID),
	page exchange.PageArgs) (*exchange.Page[*T], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: the list's decision.
	if err := decide(p); err != nil {
		return nil, err
	}
	after, err := afterCreated(page.After)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, db, func(tx *Tx) (*exchange.Page[*T], error) {
		return listPage(ctx, tx, columns, from, countFrom, filter(p, tx.now), keysetOrder{key: alias + ".created_at", id: alias + ".id", desc: true},
			after, page, func(x *T) string { return encodeCursor(key(x)) })
	})
}
