package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// AgreementSnapshot reads an agreement with its revisions from one snapshot, for a
// subscription's event: read apart (the agreement, then the revisions through a
// loader), an event could list a revision committed after the one it announces.
func (s *AgreementService) AgreementSnapshot(ctx context.Context, id uuid.UUID) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return withTxAt(ctx, s.db, s.db.now(), txSnapshot, func(tx *Tx) (*exchange.Agreement, error) {
		a, err := getAgreement(ctx, tx, p, id, exchange.Today(tx.now))
		if err != nil {
			return nil, err
		}
		// authz: getAgreement admitted the caller to the agreement, and so to its revisions.
		rows, _ := tx.Query(ctx, revisionsSQL+` ORDER BY r.number`, []uuid.UUID{id})
		revisions, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.AgreementRevision])
		if err != nil {
			return nil, fmt.Errorf("read agreement revisions: %w", err)
		}
		for _, r := range revisions {
			if r.Terms, err = exchange.ParseTermsJSON(r.TermsJSON); err != nil {
				return nil, err
			}
		}
		a.Revisions = revisions
		return a, nil
	})
}
