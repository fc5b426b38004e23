package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// SetProbeWindow sets how many rows of the order a text search reads first (probedQuery).
func (s *MarketService) SetProbeWindow(n int) { s.probeWindow = n }

// ConsumeQuota runs consumeQuota in its own transaction, for tests of the quota cap.
func (db *DB) ConsumeQuota(ctx context.Context, agreementID uuid.UUID, occupationCode string, from, to uuid.UUID) error {
	return WithTx(ctx, db, func(tx *Tx) error { return tx.consumeQuota(ctx, agreementID, occupationCode, from, to) })
}

// CountQuotaReferral runs countQuotaReferral in its own transaction.
func (db *DB) CountQuotaReferral(ctx context.Context, agreementID uuid.UUID, occupationCode string, from, to uuid.UUID) error {
	return WithTx(ctx, db, func(tx *Tx) error { return tx.countQuotaReferral(ctx, agreementID, occupationCode, from, to) })
}

// FillDemandPosition runs fillDemandPosition in a transaction of its own, as the hiring
// transaction of a referral will.
func (db *DB) FillDemandPosition(ctx context.Context, id uuid.UUID) (*exchange.LaborDemand, error) {
	var d *exchange.LaborDemand
	err := WithTx(ctx, db, func(tx *Tx) error {
		var err error
		d, err = tx.fillDemandPosition(ctx, id)
		return err
	})
	return d, err
}

// The SQL twins of the status rules, for the table that proves them equal to Go's.
var (
	DemandStatusSQL  = demandStatusSQL
	SupplyStatusSQL  = supplyStatusSQL
	SessionStatusSQL = sessionStatusSQL
)

// The SQL twins of matching's requirement fits (exchange.SkillFit, EducationFit, AgeFit).
var (
	SkillFitSQL     = func(required, offered string) string { return levelFitSQL(exchange.SkillLevels, required, offered) }
	EducationFitSQL = func(required, offered string) string {
		return levelFitSQL(exchange.EducationLevels, required, offered)
	}
	AgeFitSQL = ageFitSQL
)

// ReferralUnchecked loads a referral with no visibility rule of Go's: what the store
// returns when a check is missing, for the row-level security tests.
func (db *DB) ReferralUnchecked(ctx context.Context, id uuid.UUID) (*exchange.Referral, error) {
	return readTx(ctx, db, func(tx *Tx) (*exchange.Referral, error) { return getReferral(ctx, tx, id, false) })
}

// SetImportChunkRows sets how many rows an import writes at a time, so that a test's
// small file is written in several chunks; it returns the setting to restore.
func SetImportChunkRows(n int) (old int) {
	old, importChunkRows = importChunkRows, n
	return old
}

// PublishedPayloads are the change payloads a publish of d and of x writes.
func PublishedPayloads(d *exchange.LaborDemand, x *exchange.LaborSupply) (demand, supply any) {
	_, demand = demandChange(d, exchange.ActionPublished)
	_, supply = supplyChange(x, exchange.ActionPublished)
	return demand, supply
}

// ReadEach runs fn with readEach's statements, for their tests.
func ReadEach(ctx context.Context, db *DB, fn func(q DBTX) error) error {
	_, err := readEach(ctx, db, func(q DBTX, _ time.Time) (struct{}, error) { return struct{}{}, fn(q) })
	return err
}
