package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laborx/laborx/internal/auth"
)

// readEach is readTx for a read whose statements need not share a transaction: fn's
// q runs each statement in an implicit transaction of its own, the pipeline of the
// caller's settings (readSettingsSQL) and the statement, which PostgreSQL runs as one
// transaction up to its Sync. That is one round trip and two statements for each of
// fn's, where readTx adds two round trips and three statements to fn's own (BEGIN with
// the settings, COMMIT): for a page of demands, about as much of PostgreSQL's CPU as
// the page itself, and two waits of each process on the other (BENCHMARKS.md, "Q1 in
// one round trip"). At READ COMMITTED a transaction gives its statements nothing
// more: each takes a snapshot of its own either way. The statement is read-only as in
// readTx, and the row-level security policies see the same caller.
func readEach[T any](ctx context.Context, db *DB, fn func(q DBTX, now time.Time) (T, error)) (T, error) {
	q := eachStatement{pool: db.Pool}
	if p := auth.FromContext(ctx); p != nil {
		q.center, q.operator = callerSettings(p)
	}
	v, err := fn(q, db.now())
	if err != nil {
		var zero T
		return zero, translate(err)
	}
	return v, nil
}

// readSettingsSQL makes the implicit transaction read-only and says whose it is, as
// beginSQL does for readTx; set_config's third argument keeps both to the transaction,
// so the pooled connection carries neither to its next statement. A caller of none
// sets no center: the policies then admit no row.
const readSettingsSQL = `SELECT set_config('transaction_read_only', 'on', true), set_config('laborx.center_id', $1, true),
	set_config('laborx.operator', $2, true)`

// eachStatement is readEach's DBTX.
type eachStatement struct {
	pool             *pgxpool.Pool
	center, operator string
}

// send sends the settings and the statement in one pipeline and reads the settings'
// result.
func (q eachStatement) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(readSettingsSQL, q.center, q.operator)
	b.Queue(sql, args...)
	br := q.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (q eachStatement) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := q.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// Query returns rows that are never nil, as pgx's are, so that a caller may leave the
// error to the rows (pgx.CollectRows).
func (q eachStatement) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := q.send(ctx, sql, args)
	if err != nil {
		return &pipelineRows{err: err}, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return &pipelineRows{err: err}, err
	}
	return &pipelineRows{Rows: rows, br: br}, nil
}

func (q eachStatement) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, _ := q.Query(ctx, sql, args...)
	return pipelineRow{rows}
}

// pipelineRows are a statement's rows of its pipeline: once read (or closed) they
// close the pipeline too, which returns the connection to the pool, and an error of
// the pipeline's end (the implicit transaction's commit) is theirs.
type pipelineRows struct {
	pgx.Rows // nil when the pipeline failed before the statement (err)
	br       pgx.BatchResults
	err      error
}

func (r *pipelineRows) Next() bool {
	if r.Rows == nil {
		return false
	}
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *pipelineRows) Close() {
	if r.Rows != nil {
		r.Rows.Close()
	}
	if r.br != nil {
		if err := r.br.Close(); err != nil && r.err == nil {
			r.err = err
		}
		r.br = nil
	}
}

func (r *pipelineRows) Err() error {
	if r.Rows != nil {
		if err := r.Rows.Err(); err != nil {
			return err
		}
	}
	return r.err
}

func (r *pipelineRows) CommandTag() pgconn.CommandTag {
	if r.Rows == nil {
		return pgconn.CommandTag{}
	}
	return r.Rows.CommandTag()
}

func (r *pipelineRows) FieldDescriptions() []pgconn.FieldDescription {
	if r.Rows == nil {
		return nil
	}
	return r.Rows.FieldDescriptions()
}

func (r *pipelineRows) Conn() *pgx.Conn {
	if r.Rows == nil {
		return nil
	}
	return r.Rows.Conn()
}

// pipelineRow is QueryRow's row, read as pgx reads its own: the first row, or
// pgx.ErrNoRows.
type pipelineRow struct{ rows pgx.Rows }

func (r pipelineRow) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
