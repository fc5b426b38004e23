package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Workers' personal data (DESIGN §5). The national ID is decrypted nowhere in the API:
// the mask comes from the stored last four digits.

const workerColumns = `w.id, w.registered_by, w.full_name, w.date_of_birth, w.gender, w.phone,
	repeat('*', 8) || w.national_id_last4 AS national_id_masked, w.occupation_code,
	coalesce(w.skills, '{}') AS skills, w.education_level, wc.consent_at, wc.consent_purpose,
	wc.consent_withdrawn_at, coalesce(wc.consent_open_ended, false) AS consent_open_ended, wc.consent_valid_until,
	w.created_at, w.updated_at, w.version`

// workerFrom joins each worker (w) to a summary of their consents (wc) for
// workerColumns: the latest record, and how long the ones not withdrawn last.
const workerFrom = ` FROM workers w LEFT JOIN LATERAL (SELECT
		(array_agg(c.given_at ORDER BY c.given_at DESC, c.id DESC))[1] AS consent_at,
		(array_agg(c.purpose ORDER BY c.given_at DESC, c.id DESC))[1] AS consent_purpose,
		(array_agg(c.withdrawn_at ORDER BY c.given_at DESC, c.id DESC))[1] AS consent_withdrawn_at,
		bool_or(c.withdrawn_at IS NULL AND c.valid_until IS NULL) AS consent_open_ended,
		max(c.valid_until) FILTER (WHERE c.withdrawn_at IS NULL) AS consent_valid_until
	FROM worker_consents c WHERE c.worker_id = w.id) wc ON true `

// loadWorkers runs a query of workerColumns and workerFrom and derives what depends on
// the day.
func (tx *Tx) loadWorkers(ctx context.Context, sql string, args ...any) ([]*exchange.Worker, error) {
	rows, _ := tx.Query(ctx, sql, args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Worker])
	if err != nil {
		return nil, fmt.Errorf("load workers: %w", err)
	}
	for _, w := range list {
		w.SetConsentGiven(tx.now)
	}
	return list, nil
}

// workerVisibleTo is the one rule for who sees a worker's personal data ($2 is the
// caller's center): the registering center and the destinations of the worker's
// referrals, the receiving centers of the worker's benefit transfers once the dossier
// was sent, and never once erased. The caller's role is checked before.
const workerVisibleTo = `w.erased_at IS NULL AND (w.registered_by = $2
	OR EXISTS (SELECT 1 FROM referrals vr WHERE vr.worker_id = w.id AND vr.destination_center_id = $2)
	OR EXISTS (SELECT 1 FROM benefit_transfers vt WHERE vt.worker_id = w.id AND vt.to_center_id = $2
		AND vt.first_sent_at IS NOT NULL))`

// Workers loads the workers the caller may see and writes one audit entry per worker
// asked for: a read naming the fields the client selected, or a refused attempt (a
// viewer's or operator's, another center's worker, an ID that names nothing). All
// entries of a batch go in one statement, in the same transaction as the read; the
// client's answer is the same for every refusal.
func (s *ReferralService) Workers(ctx context.Context, reads []exchange.WorkerRead) (map[exchange.WorkerRead]*exchange.Worker, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[exchange.WorkerRead]*exchange.Worker, len(reads))
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		// authz: MayReadPersonalData; a refused role loads nothing and is logged.
		if !exchange.MayReadPersonalData(p) {
			return tx.auditWorkerAccess(ctx, reads, exchange.RefusalRole)
		}
		ids := make([]uuid.UUID, 0, len(reads))
		for _, r := range reads {
			ids = append(ids, r.ID)
		}
		// authz: workerVisibleTo.
		list, err := tx.loadWorkers(ctx, `SELECT `+workerColumns+workerFrom+`WHERE w.id = ANY($1) AND `+workerVisibleTo,
			ids, p.CenterID)
		if err != nil {
			return err
		}
		byID := make(map[uuid.UUID]*exchange.Worker, len(list))
		for _, w := range list {
			byID[w.ID] = w
		}
		var read, refused []exchange.WorkerRead
		for _, r := range reads {
			if w, ok := byID[r.ID]; ok {
				out[r] = w
				read = append(read, r)
			} else {
				refused = append(refused, r)
			}
		}
		if err := tx.auditWorkerAccess(ctx, read, ""); err != nil {
			return err
		}
		return tx.auditWorkerAccess(ctx, refused, exchange.RefusalNotVisible)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// auditWorkerAccess writes one entry per worker asked for, in one statement:
// "worker.read" when refusal is "", else "worker.access_refused" with the reason.
func (tx *Tx) auditWorkerAccess(ctx context.Context, reads []exchange.WorkerRead, refusal exchange.AccessRefusal) error {
	return tx.auditAccess(ctx, reads, refusal, accessOfWorkers)
}

// The rows an access-log statement writes an entry for, as u(id, fields, purpose,
// operation) with id the worker's, from the reads' arrays $9 to $12: reads of workers,
// or reads of referrals' notes (the read's ID a referral's), which are about the
// referral's worker.
const (
	accessOfWorkers   = `unnest($9::uuid[], $10::text[], $11::text[], $12::text[]) AS u(id, fields, purpose, operation)`
	accessOfReferrals = `(SELECT r.worker_id, x.fields, x.purpose, x.operation
		FROM unnest($9::uuid[], $10::text[], $11::text[], $12::text[]) AS x(id, fields, purpose, operation)
		JOIN referrals r ON r.id = x.id) AS u(id, fields, purpose, operation)`
)

// auditAccess writes one access-log entry per row of access (accessOfWorkers or
// accessOfReferrals) over reads, in one statement.
func (tx *Tx) auditAccess(ctx context.Context, reads []exchange.WorkerRead, refusal exchange.AccessRefusal, access string) error {
	if len(reads) == 0 {
		return nil
	}
	exchange.NoteAudit(ctx)
	action := exchange.ActionRead
	if refusal != "" {
		action = exchange.ActionAccessRefused
	}
	p := tx.caller
	roles := make([]string, 0, len(p.Roles))
	for _, r := range p.Roles {
		roles = append(roles, string(r))
	}
	n := len(reads)
	ids, fields, purposes, operations := make([]uuid.UUID, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range reads {
		ids[i], fields[i], purposes[i], operations[i] = r.ID, r.Fields, r.Purpose, r.Operation
	}
	var centerID *uuid.UUID
	if p.CenterID != uuid.Nil {
		centerID = &p.CenterID
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_entries (at, center_id, center_code, subject, roles, action, entity_kind, entity_id, details, request_id)
		SELECT $1, $2, NULLIF($3, ''), $4, $5, $6, 'Worker', u.id,
			jsonb_strip_nulls(jsonb_build_object('fields', string_to_array(NULLIF(u.fields, ''), ','),
				'purpose', NULLIF(u.purpose, ''), 'operation', NULLIF(u.operation, ''), 'refusal', NULLIF($7, ''))),
			NULLIF($8, '')
		FROM `+access,
		tx.now, centerID, p.CenterCode, p.Subject, roles, action.AuditName("worker"), string(refusal),
		exchange.RequestID(ctx), ids, fields, purposes, operations)
	if err != nil {
		return fmt.Errorf("audit worker access: %w", err)
	}
	return nil
}

// lockWorkerForOrigin loads a worker for a change only its registering center may make:
// NOT_FOUND for whoever may not see it, FORBIDDEN for a destination center.
func (tx *Tx) lockWorkerForOrigin(ctx context.Context, globalID string, expectedVersion *int, verb string) (uuid.UUID, error) {
	p := tx.caller
	id, err := exchange.ParseGlobalIDOf(exchange.KindWorker, globalID)
	// authz: who may not see the worker learns nothing, not even that it exists.
	if err != nil || !exchange.MayReadPersonalData(p) {
		return uuid.Nil, exchange.WorkerNotFound()
	}
	var registeredBy uuid.UUID
	var version int
	err = tx.QueryRow(ctx, `SELECT w.registered_by, w.version FROM workers w WHERE w.id = $1 AND `+workerVisibleTo+`
		FOR UPDATE OF w`, id, p.CenterID).Scan(&registeredBy, &version)
	if err != nil {
		// Only a missing (or hidden) row is NOT_FOUND; a failing database is not.
		return uuid.Nil, notFoundAs(err, exchange.WorkerNotFound())
	}
	// authz: DecideWorkerChange.
	if err := exchange.DecideWorkerChange(p, registeredBy, verb); err != nil {
		return uuid.Nil, err
	}
	if err := exchange.CheckVersion(expectedVersion, version); err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

// EraseWorker removes the worker's personal data, the free-text notes of their
// referrals' events and the purposes of their consents; the referrals, events and
// consent dates stay, anonymous, for statistics and accountability.
func (s *ReferralService) EraseWorker(ctx context.Context, in exchange.EraseWorkerInput) (uuid.UUID, error) {
	if _, err := caller(ctx); err != nil {
		return uuid.Nil, err
	}
	if err := exchange.CheckEraseReason(in.Reason); err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	err := WithTx(ctx, s.db, func(tx *Tx) error {
		var err error
		if id, err = tx.lockWorkerForOrigin(ctx, in.WorkerID, in.ExpectedVersion, "erase them"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE workers SET full_name = NULL, date_of_birth = NULL, gender = NULL, phone = NULL,
			national_id_enc = NULL, national_id_hmac = NULL, national_id_last4 = NULL, skills = NULL,
			education_level = NULL, erased_at = $2, updated_at = $2, version = version + 1 WHERE id = $1`, id, tx.now); err != nil {
			return fmt.Errorf("erase worker: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE referral_events SET note = NULL
			WHERE referral_id IN (SELECT id FROM referrals WHERE worker_id = $1) AND note IS NOT NULL`, id); err != nil {
			return fmt.Errorf("erase referral notes: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE worker_consents SET purpose = NULL WHERE worker_id = $1 AND purpose IS NOT NULL`,
			id); err != nil {
			return fmt.Errorf("erase consent purposes: %w", err)
		}
		details := map[string]any{}
		if in.Reason != nil {
			details["reason"] = strings.TrimSpace(*in.Reason)
		}
		return tx.workerChanged(ctx, id, exchange.ActionErased, details)
	})
	return id, auditRefusedWorkerChange(ctx, s.db, in.WorkerID, "eraseWorker", err)
}

// UpdateWorker corrects a worker's recorded data; the audit entry names the fields
// changed, not their values.
func (s *ReferralService) UpdateWorker(ctx context.Context, in exchange.UpdateWorkerInput) (uuid.UUID, error) {
	if _, err := caller(ctx); err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	err := WithTx(ctx, s.db, func(tx *Tx) error {
		var err error
		if id, err = tx.lockWorkerForOrigin(ctx, in.WorkerID, in.ExpectedVersion, "change their data"); err != nil {
			return err
		}
		up, changed, err := exchange.NormalizeWorkerUpdate(in, tx.now, s.db.Catalog)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE workers SET full_name = coalesce($2, full_name),
			date_of_birth = coalesce($3, date_of_birth), gender = coalesce($4, gender), phone = coalesce($5, phone),
			occupation_code = coalesce($6, occupation_code), skills = coalesce($7, skills),
			education_level = coalesce($8, education_level), updated_at = $9, version = version + 1 WHERE id = $1`,
			id, up.FullName, up.DateOfBirth, up.Gender, up.Phone, up.OccupationCode, up.Skills, up.EducationLevel, tx.now); err != nil {
			return fmt.Errorf("update worker: %w", err)
		}
		return tx.workerChanged(ctx, id, exchange.ActionUpdated, map[string]any{"fields": changed})
	})
	return id, auditRefusedWorkerChange(ctx, s.db, in.WorkerID, "updateWorker", err)
}

// workerChanged audits a change to a worker and tells the centers that see the worker;
// the change carries the worker's opaque ID and nothing personal.
func (tx *Tx) workerChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction, details map[string]any) error {
	if err := tx.audit(ctx, action.AuditName("worker"), exchange.KindWorker, id, details); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT registered_by FROM workers WHERE id = $1
		UNION SELECT destination_center_id FROM referrals WHERE worker_id = $1`, id)
	centers, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return fmt.Errorf("worker's centers: %w", err)
	}
	owner := tx.caller.CenterID
	err = tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindWorker, EntityID: id, Action: action, OwnerCenterID: &owner,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: centers,
	}, map[string]any{"workerId": exchange.GlobalID(exchange.KindWorker, id)})
	return err
}
