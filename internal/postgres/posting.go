package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// lockedPosting reads the one posting row a FOR UPDATE query returned (or none) and
// lets exchange.DecidePosting decide the owner's action on it, so demand and supply
// share one lifecycle.
func lockedPosting[T any](tx *Tx, rows pgx.Rows, k exchange.PostingKind, expectedVersion *int, a exchange.PostingAction,
	facts func(*T) exchange.PostingFacts) (*T, error) {
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[T])
	var f exchange.PostingFacts
	switch {
	case err == nil:
		f = facts(row)
	case exchange.ErrorCode(translate(err)) != exchange.CodeNotFound:
		return nil, err
	}
	// authz: DecidePosting (only the owner acts on a posting).
	if err := exchange.DecidePosting(k, tx.caller, f, expectedVersion, a); err != nil {
		return nil, err
	}
	return row, nil
}
