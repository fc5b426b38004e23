package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// SessionReferrals loads, by session id, the referrals made from the sessions that the
// caller may see (its own center's, in or out), newest first, for a loader: one query for
// every outcome of a page of sessions.
func (s *ReferralService) SessionReferrals(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID][]*exchange.SessionReferral, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*exchange.SessionReferral, len(sessionIDs))
	// authz: DecideListReferrals; a caller who may not list referrals (viewers,
	// operators) sees none of a public session's rather than an error. Then SeesReferral,
	// as SQL: the caller's center is at one end.
	if exchange.DecideListReferrals(p) != nil {
		return out, nil
	}
	list, err := readTx(ctx, s.db, func(tx *Tx) ([]*exchange.SessionReferral, error) {
		rows, _ := tx.Query(ctx, `SELECT r.session_id, r.id, r.origin_center_id FROM referrals r
			WHERE r.session_id = ANY($1) AND (r.origin_center_id = $2 OR r.destination_center_id = $2)
			ORDER BY r.created_at DESC, r.id DESC`, sessionIDs, p.CenterID)
		return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.SessionReferral])
	})
	if err != nil {
		return nil, fmt.Errorf("load session referrals: %w", err)
	}
	for _, r := range list {
		out[r.SessionID] = append(out[r.SessionID], r)
	}
	return out, nil
}
