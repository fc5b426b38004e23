package postgres

import (
	"context"

	"github.com/google/uuid"
)

// ConsumeQuota runs consumeQuota in its own transaction, for tests of the quota cap.
func (db *DB) ConsumeQuota(ctx context.Context, agreementID uuid.UUID, occupationCode string, from, to uuid.UUID) error {
	return db.inTx(ctx, func(tx *Tx) error { return tx.consumeQuota(ctx, agreementID, occupationCode, from, to) })
}

// CountQuotaReferral runs countQuotaReferral in its own transaction.
func (db *DB) CountQuotaReferral(ctx context.Context, agreementID uuid.UUID, occupationCode string, from, to uuid.UUID) error {
	return db.inTx(ctx, func(tx *Tx) error { return tx.countQuotaReferral(ctx, agreementID, occupationCode, from, to) })
}
