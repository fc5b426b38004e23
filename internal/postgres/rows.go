package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// oneRow runs a query that selects at most one row of T; no row answers notFound.
func oneRow[T any](ctx context.Context, q DBTX, notFound error, sql string, args ...any) (*T, error) {
	rows, _ := q.Query(ctx, sql, args...)
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[T])
	if err != nil {
		return nil, notFoundAs(err, notFound)
	}
	return v, nil
}

// forUpdate appends a row lock (of the tables named in of, all when empty) when lock.
func forUpdate(sql string, lock bool, of string) string {
	if !lock {
		return sql
	}
	if of != "" {
		return sql + ` FOR UPDATE OF ` + of
	}
	return sql + ` FOR UPDATE`
}

// visibleRow is a loaded row the caller may see: v when sees(v) holds, otherwise
// notFound, the answer of a missing row (no existence oracle). The caller marks the
// decision `// authz:`.
func visibleRow[T any](v *T, err error, sees func(*T) bool, notFound error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if !sees(v) {
		return nil, notFound
	}
	return v, nil
}
