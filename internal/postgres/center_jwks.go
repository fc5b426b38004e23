package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// PublishedKeys returns the keys a center's JWKS document publishes, oldest first; it
// needs no caller (the document is public). NOT_FOUND when no center has the code.
func (s *CenterService) PublishedKeys(ctx context.Context, code string) ([]*exchange.CenterKey, error) {
	return readTx(ctx, s.db, func(tx *Tx) ([]*exchange.CenterKey, error) {
		c, err := getCenter(ctx, tx, `code = $1`, exchange.NormalizeCenterCode(code), false)
		if err != nil {
			return nil, err
		}
		rows, _ := tx.Query(ctx, `SELECT `+keyColumns+` FROM center_keys k JOIN centers c ON c.id = k.center_id
			WHERE k.center_id = $1 ORDER BY k.created_at, k.kid`, c.ID)
		keys, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.CenterKey])
		if err != nil {
			return nil, fmt.Errorf("list published keys: %w", err)
		}
		// authz: PublishedCenterKeys.
		return exchange.PublishedCenterKeys(keys, tx.now), nil
	})
}
