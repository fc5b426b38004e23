package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Workers' consent history (exchange.Consent). Every change locks the worker's row
// first (lockWorkerForOrigin, or upsertWorker for a referral), so a withdrawal and a
// referral of one worker never interleave.

const consentColumns = `c.id, c.worker_id, c.purpose, c.destination_province_codes, c.valid_until, c.given_at,
	c.withdrawn_at`

// insertConsent records a consent of the worker given now.
func (tx *Tx) insertConsent(ctx context.Context, workerID uuid.UUID, d exchange.ConsentDraft) (uuid.UUID, error) {
	var id uuid.UUID
	if err := tx.QueryRow(ctx, `INSERT INTO worker_consents (worker_id, purpose, destination_province_codes,
		valid_until, given_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		workerID, d.Purpose, d.DestinationProvinceCodes, d.ValidUntil, tx.now).Scan(&id); err != nil {
		return uuid.Nil, fmt.Errorf("insert consent: %w", err)
	}
	return id, nil
}

// workerConsents loads one worker's consent history for a decision about them (the
// caller's right to the worker is checked before).
func (tx *Tx) workerConsents(ctx context.Context, workerID uuid.UUID) ([]*exchange.Consent, error) {
	rows, _ := tx.Query(ctx, `SELECT `+consentColumns+` FROM worker_consents c WHERE c.worker_id = $1
		ORDER BY c.given_at, c.id`, workerID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Consent])
	if err != nil {
		return nil, fmt.Errorf("load consents: %w", err)
	}
	return list, nil
}

// referralConsent checks that the worker's consents allow a referral to dest today
// (exchange.DecideReferralConsent), in the province that covers dest's today.
func (tx *Tx) referralConsent(ctx context.Context, db *DB, workerID uuid.UUID, dest *exchange.Center) error {
	consents, err := tx.workerConsents(ctx, workerID)
	if err != nil {
		return err
	}
	province := dest.ProvinceCode
	if p, ok := db.Catalog.CurrentProvince(province); ok {
		province = p.Code
	}
	return exchange.DecideReferralConsent(consents, province, tx.now)
}

// GiveConsent records a new consent of a worker the caller's center registered: the
// way back for a worker who withdrew, or whose consent expired or covers other
// provinces. Earlier records stay as they are.
func (s *ReferralService) GiveConsent(ctx context.Context, in exchange.GiveConsentInput) (uuid.UUID, error) {
	if _, err := caller(ctx); err != nil {
		return uuid.Nil, err
	}
	id, err := WithTxV(ctx, s.db, func(tx *Tx) (uuid.UUID, error) {
		// The version is checked only when the consent is recorded: a replay (same
		// idempotency key) finds the version its first run bumped.
		id, err := tx.lockWorkerForOrigin(ctx, in.WorkerID, nil, "record their consent")
		if err != nil {
			return uuid.Nil, err
		}
		d, err := exchange.NormalizeConsent(nil, in.Draft(), tx.now, s.db.Catalog)
		if err != nil {
			return uuid.Nil, err
		}
		fingerprint := in
		fingerprint.IdempotencyKey = nil
		_, _, err = tx.idempotent(ctx, in.IdempotencyKey, "giveConsent", fingerprint, func() (uuid.UUID, error) {
			var version int
			if err := tx.QueryRow(ctx, `SELECT version FROM workers WHERE id = $1`, id).Scan(&version); err != nil {
				return uuid.Nil, fmt.Errorf("worker version: %w", err)
			}
			if err := exchange.CheckVersion(in.ExpectedVersion, version); err != nil {
				return uuid.Nil, err
			}
			consentID, err := tx.insertConsent(ctx, id, d)
			if err != nil {
				return uuid.Nil, err
			}
			if err := tx.bumpWorker(ctx, id); err != nil {
				return uuid.Nil, err
			}
			return consentID, tx.workerChanged(ctx, id, exchange.ActionConsentGiven, map[string]any{
				"consentId": consentID.String(), "destinationProvinceCodes": d.DestinationProvinceCodes,
				"validUntil": d.ValidUntil})
		})
		return id, err
	})
	return id, auditRefusedWorkerChange(ctx, s.db, in.WorkerID, "giveConsent", err)
}

// WithdrawConsent records that the worker withdrew consent: every consent not yet
// withdrawn ends now, and the worker may not be referred until consent is given again;
// referrals under way continue.
func (s *ReferralService) WithdrawConsent(ctx context.Context, in exchange.WithdrawConsentInput) (uuid.UUID, error) {
	if _, err := caller(ctx); err != nil {
		return uuid.Nil, err
	}
	id, err := WithTxV(ctx, s.db, func(tx *Tx) (uuid.UUID, error) {
		id, err := tx.lockWorkerForOrigin(ctx, in.WorkerID, in.ExpectedVersion, "record a withdrawal of consent")
		if err != nil {
			return uuid.Nil, err
		}
		tag, err := tx.Exec(ctx, `UPDATE worker_consents SET withdrawn_at = $2 WHERE worker_id = $1 AND withdrawn_at IS NULL`,
			id, tx.now)
		if err != nil {
			return uuid.Nil, fmt.Errorf("withdraw consent: %w", err)
		}
		if err := exchange.DecideWithdrawConsent(int(tag.RowsAffected())); err != nil {
			return uuid.Nil, err
		}
		if err := tx.bumpWorker(ctx, id); err != nil {
			return uuid.Nil, err
		}
		return id, tx.workerChanged(ctx, id, exchange.ActionConsentWithdrawn, map[string]any{"withdrawn": tag.RowsAffected()})
	})
	return id, auditRefusedWorkerChange(ctx, s.db, in.WorkerID, "withdrawConsent", err)
}

// bumpWorker records that the worker's record changed (its consents are part of it).
func (tx *Tx) bumpWorker(ctx context.Context, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE workers SET updated_at = $2, version = version + 1 WHERE id = $1`, id, tx.now); err != nil {
		return fmt.Errorf("update worker: %w", err)
	}
	return nil
}

// WorkerConsents loads the consent histories of workers the caller's center
// registered, oldest first; other workers are absent.
func (s *ReferralService) WorkerConsents(ctx context.Context, workerIDs []uuid.UUID) (map[uuid.UUID][]*exchange.Consent, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*exchange.Consent, len(workerIDs))
	// authz: MayReadPersonalData; then SeesConsents, as SQL: registered by the caller's
	// center, and not erased.
	if !exchange.MayReadPersonalData(p) {
		return out, nil
	}
	list, err := readTx(ctx, s.db, func(tx *Tx) ([]*exchange.Consent, error) {
		rows, _ := tx.Query(ctx, `SELECT `+consentColumns+` FROM worker_consents c JOIN workers w ON w.id = c.worker_id
			WHERE c.worker_id = ANY($1) AND w.registered_by = $2 AND w.erased_at IS NULL ORDER BY c.worker_id, c.given_at, c.id`,
			workerIDs, p.CenterID)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Consent])
		for _, c := range list {
			c.SetStatus(tx.now)
		}
		return list, err
	})
	if err != nil {
		return nil, fmt.Errorf("load consents: %w", err)
	}
	for _, c := range list {
		out[c.WorkerID] = append(out[c.WorkerID], c)
	}
	return out, nil
}
