package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Batch loads behind the per-request loaders of nested fields. Each applies the same
// visibility rule as loading the object by id, so batching never widens what a caller
// sees: ids the caller may not see are simply absent from the result.

// LaborDemandsByIDs loads the demands among ids that the caller may see.
func (s *MarketService) LaborDemandsByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.LaborDemand, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (map[uuid.UUID]*exchange.LaborDemand, error) {
		now := tx.now
		w := &sqlWhere{}
		w.add(`d.id = ANY(%s)`, w.arg(ids))
		demandVisibility(w, p, now)
		rows, _ := tx.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+w.String(), w.args...)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
		if err != nil {
			return nil, fmt.Errorf("load demands: %w", err)
		}
		out := make(map[uuid.UUID]*exchange.LaborDemand, len(list))
		for _, d := range list {
			tx.readDemand(d)
			out[d.ID] = d
		}
		return out, nil
	})
}

// AgreementsByIDs loads the agreements among ids that the caller may see.
func (s *AgreementService) AgreementsByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: only parties and operators see an agreement.
	return readTx(ctx, s.db, func(tx *Tx) (map[uuid.UUID]*exchange.Agreement, error) {
		rows, _ := tx.Query(ctx, `SELECT `+agreementColumns+` FROM agreements a WHERE a.id = ANY($1) AND `+
			seesAgreement("a.id", "$2"), ids, viewerCenter(p))
		list, err := collectAgreements(rows, exchange.Today(tx.now))
		if err != nil {
			return nil, fmt.Errorf("load agreements: %w", err)
		}
		out := make(map[uuid.UUID]*exchange.Agreement, len(list))
		for _, a := range list {
			out[a.ID] = a
		}
		return out, nil
	})
}
