package postgres

import (
	"context"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// FillDemandPosition runs fillDemandPosition in a transaction of its own, as the hiring
// transaction of a referral will.
func (db *DB) FillDemandPosition(ctx context.Context, id uuid.UUID) (*exchange.LaborDemand, error) {
	var d *exchange.LaborDemand
	err := db.inTx(ctx, func(tx *Tx) error {
		var err error
		d, err = tx.fillDemandPosition(ctx, id)
		return err
	})
	return d, err
}
