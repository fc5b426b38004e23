package postgres

import (
	"context"
	"fmt"
)

// RowSecurity reports whether row-level security binds the pool's role (migration
// 00080): it is no superuser, may not bypass RLS, and neither owns nor inherits the
// owner of any table in the schema.
func (db *DB) RowSecurity(ctx context.Context) (bool, error) {
	var bound bool
	err := db.Pool.QueryRow(ctx, `SELECT NOT r.rolsuper AND NOT r.rolbypassrls AND NOT EXISTS (
			SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_has_role(current_user, c.relowner, 'USAGE'))
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&bound)
	if err != nil {
		return false, fmt.Errorf("row security: %w", err)
	}
	return bound, nil
}
