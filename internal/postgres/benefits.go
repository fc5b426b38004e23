package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// BenefitTransferService implements exchange.BenefitTransferService.
type BenefitTransferService struct{ db *DB }

// NewBenefitTransferService returns the benefit-transfer service; db.PII must be set
// to register workers in the request.
func NewBenefitTransferService(db *DB) *BenefitTransferService {
	return &BenefitTransferService{db: db}
}

var _ exchange.BenefitTransferService = (*BenefitTransferService)(nil)

const transferColumns = `t.id, t.worker_id, t.from_center_id, t.to_center_id, t.status, t.decision_number,
	t.decision_date, t.monthly_amount, t.months_granted, t.months_paid, t.requested_on, t.new_province_code,
	t.due_by, t.notice_date, t.notice_reference, t.first_sent_at, t.accepted_at, t.first_payment_date,
	t.revision, t.created_at, t.updated_at, t.version`

func getTransfer(ctx context.Context, q DBTX, id uuid.UUID, lock bool) (*exchange.BenefitTransfer, error) {
	sql := `SELECT ` + transferColumns + ` FROM benefit_transfers t WHERE t.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, _ := q.Query(ctx, sql, id)
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.BenefitTransfer])
	if err != nil {
		return nil, notFoundAs(err, exchange.BenefitTransferNotFound())
	}
	return t, nil
}

// BenefitTransfer returns a transfer the caller may see.
func (s *BenefitTransferService) BenefitTransfer(ctx context.Context, id uuid.UUID) (*exchange.BenefitTransfer, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	t, err := getTransfer(ctx, s.db.Pool, id, false)
	if err != nil {
		return nil, err
	}
	// authz: SeesBenefitTransfer.
	if !exchange.SeesBenefitTransfer(p, t.FromCenterID, t.ToCenterID) {
		return nil, exchange.BenefitTransferNotFound()
	}
	return t, nil
}

// BenefitTransfers lists the transfers of the caller's center (every transfer for
// operators), newest first.
func (s *BenefitTransferService) BenefitTransfers(ctx context.Context, f exchange.BenefitTransferFilter, page exchange.PageArgs) (*exchange.Page[*exchange.BenefitTransfer], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideListBenefitTransfers.
	if err := exchange.DecideListBenefitTransfers(p); err != nil {
		return nil, err
	}
	afterAt, afterID, err := afterCreated(page.After)
	if err != nil {
		return nil, err
	}
	var direction *string
	if f.Direction != nil {
		d := string(*f.Direction)
		direction = &d
	}
	statuses := textsOf(f.Statuses)
	// authz: $1 is the caller's center, uuid.Nil for operators, who see every transfer;
	// a center sees those it pays or receives. Overdue is OverdueAt's twin ($6 is
	// today in Vietnam).
	const where = `
		($1 = '00000000-0000-0000-0000-000000000000'::uuid
		  OR ($2::text IS NULL AND (t.from_center_id = $1 OR t.to_center_id = $1))
		  OR ($2 = 'OUTGOING' AND t.from_center_id = $1) OR ($2 = 'INCOMING' AND t.to_center_id = $1))
		AND ($1 <> '00000000-0000-0000-0000-000000000000'::uuid OR $2::text IS NULL)
		AND (cardinality($3::text[]) = 0 OR t.status = ANY($3))
		AND ($4::date IS NULL OR t.requested_on >= $4)
		AND ($5::date IS NULL OR t.requested_on < $5)
		AND ($7::boolean IS NULL OR $7 = (t.status IN ('REQUESTED', 'NOTIFIED') AND t.due_by < $6))`
	args := []any{p.CenterID, direction, statuses, f.From, f.To, exchange.DateInVietnam(s.db.Now()), f.Overdue}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+transferColumns+` FROM benefit_transfers t WHERE `+where+`
		AND ($8::timestamptz IS NULL OR (t.created_at, t.id) < ($8, $9))
		ORDER BY t.created_at DESC, t.id DESC LIMIT $10`, append(args, afterAt, afterID, page.First+1)...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.BenefitTransfer])
	if err != nil {
		return nil, fmt.Errorf("list benefit transfers: %w", err)
	}
	pg := pageOf(list, page.First, func(t *exchange.BenefitTransfer) string { return encodeCursor(t.CreatedAt, t.ID) })
	pg.HasPrevious = afterAt != nil
	if page.WithTotal {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM benefit_transfers t WHERE `+where, args...).
			Scan(&pg.TotalCount); err != nil {
			return nil, fmt.Errorf("count benefit transfers: %w", err)
		}
	}
	return pg, nil
}

// RequestBenefitTransfer opens a transfer (Form 19 received) for an existing worker of
// the caller's center or one registered in the same transaction, with consent, by the
// path referWorker takes.
func (s *BenefitTransferService) RequestBenefitTransfer(ctx context.Context, in exchange.RequestBenefitTransferInput) (*exchange.BenefitTransfer, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideRequestBenefitTransfer.
	if err := exchange.DecideRequestBenefitTransfer(p); err != nil {
		return nil, err
	}
	now := s.db.Now()
	var errs exchange.Errors
	errs = append(errs, exchange.AsErrors(exchange.CheckTransferRequest(in, exchange.DateInVietnam(now)))...)
	errs = append(errs, exchange.AsErrors(s.db.Catalog.CheckPostingProvince([]string{"newAddressProvinceCode"}, in.NewAddressProvinceCode))...)
	var w *exchange.NormalizedWorker
	if in.Worker != nil {
		if s.db.PII == nil {
			return nil, errors.New("request benefit transfer: no PII key configured")
		}
		w, err = exchange.NormalizeWorkerInput([]string{"worker"}, *in.Worker, now, s.db.Catalog)
		errs = append(errs, exchange.AsErrors(err)...)
	}
	var id uuid.UUID
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		dest, err := tx.receivingCenter(ctx, in.ToCenterCode, in.NewAddressProvinceCode)
		errs = append(errs, exchange.AsErrors(err)...)
		if err != nil && exchange.AsErrors(err) == nil {
			return err
		}
		var existing uuid.UUID
		if in.WorkerID != nil {
			existing, err = tx.payingCentersWorker(ctx, *in.WorkerID)
			errs = append(errs, exchange.AsErrors(err)...)
			if err != nil && exchange.AsErrors(err) == nil {
				return err
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		fingerprint := in
		var hash []byte
		if w != nil {
			hash = s.db.PII.Hash(w.NationalID)
			// The idempotency fingerprint holds the keyed hash, not the national ID.
			wi := *in.Worker
			wi.NationalID = hex.EncodeToString(hash)
			fingerprint.Worker = &wi
		}
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "requestBenefitTransfer", fingerprint, func() (uuid.UUID, error) {
			workerID := existing
			if w != nil {
				if workerID, err = tx.upsertWorker(ctx, s.db, w, hash); err != nil {
					return uuid.Nil, err
				}
				if err := tx.transferConsent(ctx, workerID); err != nil {
					return uuid.Nil, err
				}
			}
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `INSERT INTO benefit_transfers (worker_id, from_center_id, to_center_id,
				decision_number, decision_date, monthly_amount, months_granted, months_paid, requested_on,
				new_province_code, due_by, created_at, updated_at)
				VALUES ($1, $2, $3, btrim($4), $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
				workerID, p.CenterID, dest.ID, in.DecisionNumber, in.DecisionDate, in.MonthlyAmount, in.MonthsGranted,
				in.MonthsPaid, in.RequestedOn, in.NewAddressProvinceCode,
				exchange.AddWorkingDays(in.RequestedOn, exchange.TransferDeadlineWorkday), tx.now).Scan(&id); err != nil {
				return uuid.Nil, fmt.Errorf("insert benefit transfer: %w", err)
			}
			if err := tx.transferEvent(ctx, id, nil, exchange.TransferRequested, nil, 1, nil, in.Note); err != nil {
				return uuid.Nil, err
			}
			return id, tx.transferChanged(ctx, id, exchange.ActionCreated)
		})
		return err
	})
	if err != nil && in.WorkerID != nil {
		err = auditRefusedWorkerChange(ctx, s.db, *in.WorkerID, "requestBenefitTransfer", err)
	}
	if err != nil {
		return nil, err
	}
	return getTransfer(ctx, s.db.Pool, id, false)
}

// receivingCenter loads the receiving center and checks it as a referral's
// destination (DecideDestination) that serves the worker's new province.
func (tx *Tx) receivingCenter(ctx context.Context, code, provinceCode string) (*exchange.Center, error) {
	c, err := tx.destinationCenter(ctx, code)
	var e *exchange.Error
	if errors.As(err, &e) {
		return nil, e.At("toCenterCode")
	}
	if err != nil {
		return nil, err
	}
	return c, exchange.DecideReceivingProvince(c, provinceCode)
}

// payingCentersWorker finds a worker registered by the caller's center with a consent
// in force.
func (tx *Tx) payingCentersWorker(ctx context.Context, gid string) (uuid.UUID, error) {
	id, err := exchange.ParseInputID(exchange.KindWorker, "workerId", gid)
	if err != nil {
		return uuid.Nil, err
	}
	// authz: only the paying center's own (not erased) workers.
	err = tx.QueryRow(ctx, `SELECT id FROM workers WHERE id = $1 AND registered_by = $2 AND erased_at IS NULL FOR UPDATE`,
		id, tx.caller.CenterID).Scan(&id)
	if err != nil {
		return uuid.Nil, notFoundAs(err, exchange.TransferWorkerNotFound())
	}
	return id, tx.transferConsent(ctx, id)
}

// transferConsent checks that the worker has a consent in force (DecideTransferConsent).
func (tx *Tx) transferConsent(ctx context.Context, workerID uuid.UUID) error {
	consents, err := tx.workerConsents(ctx, workerID)
	if err != nil {
		return err
	}
	return exchange.DecideTransferConsent(consents, tx.now)
}

// StepBenefitTransfer applies one step of the lifecycle (DecideBenefitTransfer) and
// records it as an event.
func (s *BenefitTransferService) StepBenefitTransfer(ctx context.Context, st exchange.BenefitTransferStep) (*exchange.BenefitTransfer, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseGlobalIDOf(exchange.KindBenefitTransfer, st.TransferID)
	if err != nil {
		// authz: an ID that is no transfer's answers as a missing transfer (no oracle).
		return nil, exchange.BenefitTransferNotFound()
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		t, err := getTransfer(ctx, tx, id, true)
		if err != nil {
			return err
		}
		side := exchange.SideOf(p.CenterID, t.FromCenterID, t.ToCenterID)
		// authz: DecideBenefitTransfer says who may take which step from which status.
		to, decision := exchange.DecideBenefitTransfer(t.Status, st.Action, side, p)
		// authz: refusals of the caller come before the version check, so a center that
		// may not see the transfer learns nothing of it, not even its version.
		switch exchange.ErrorCode(decision) {
		case exchange.CodeUnauthenticated, exchange.CodeForbidden, exchange.CodeNotFound:
			return decision
		}
		if err := exchange.CheckVersion(st.ExpectedVersion, t.Version); err != nil {
			return err
		}
		if decision != nil {
			return decision
		}
		if err := exchange.CheckTransferStep(st, t.RequestedOn, exchange.DateInVietnam(tx.now)); err != nil {
			return err
		}
		// Sending a returned dossier again makes a new revision; every earlier event and
		// document stays, under the revision it belongs to.
		revision := t.Revision
		if st.Action == exchange.TransferSend {
			revision = t.DraftRevision()
		}
		if _, err := tx.Exec(ctx, `UPDATE benefit_transfers SET status = $2, updated_at = $3, version = version + 1,
				revision = $4,
				notice_date = coalesce($5, notice_date), notice_reference = coalesce(btrim($6), notice_reference),
				first_sent_at = CASE WHEN $2 = 'SENT' THEN coalesce(first_sent_at, $3) ELSE first_sent_at END,
				accepted_at = CASE WHEN $2 = 'ACCEPTED' THEN $3 ELSE accepted_at END,
				first_payment_date = coalesce($7, first_payment_date)
			WHERE id = $1`,
			t.ID, to, tx.now, revision, st.NoticeDate, st.NoticeReference, st.FirstPaymentDate); err != nil {
			return fmt.Errorf("update benefit transfer: %w", err)
		}
		from, action := t.Status, st.Action
		if err := tx.transferEvent(ctx, t.ID, &from, to, &action, revision, st.ReturnReason, st.Note); err != nil {
			return err
		}
		return tx.transferChanged(ctx, t.ID, st.Action.ChangeAction())
	})
	if err != nil {
		return nil, err
	}
	return getTransfer(ctx, s.db.Pool, id, false)
}

func (tx *Tx) transferEvent(ctx context.Context, id uuid.UUID, from *exchange.BenefitTransferStatus, to exchange.BenefitTransferStatus,
	action *exchange.BenefitTransferAction, revision int, reason *exchange.TransferReturnReason, note *string) error {
	var actorCenter *uuid.UUID
	if tx.caller.CenterID != uuid.Nil {
		actorCenter = &tx.caller.CenterID
	}
	_, err := tx.Exec(ctx, `INSERT INTO benefit_transfer_events (transfer_id, from_status, to_status, action,
		actor_center_id, actor_subject, revision, return_reason, note, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF(btrim($9), ''), $10)`,
		id, from, to, action, actorCenter, tx.caller.Subject, revision, reason, note, tx.now)
	if err != nil {
		return fmt.Errorf("insert benefit transfer event: %w", err)
	}
	return nil
}

// transferChanged audits and publishes a transfer's change to its two centers. The
// payload holds no personal data: no worker, no decision, no amount.
func (tx *Tx) transferChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction) error {
	t, err := getTransfer(ctx, tx, id, false)
	if err != nil {
		return err
	}
	payload := map[string]any{
		"benefitTransferId": exchange.GlobalID(exchange.KindBenefitTransfer, t.ID),
		"status":            t.Status,
		"fromCenterId":      exchange.GlobalID(exchange.KindCenter, t.FromCenterID),
		"toCenterId":        exchange.GlobalID(exchange.KindCenter, t.ToCenterID),
		"dueBy":             t.DueBy.Format(time.DateOnly),
		"revision":          t.Revision,
		"version":           t.Version,
	}
	if err := tx.audit(ctx, action.AuditName("benefitTransfer"), exchange.KindBenefitTransfer, id, map[string]any{
		"workerId": exchange.GlobalID(exchange.KindWorker, t.WorkerID), "status": t.Status, "version": t.Version,
	}); err != nil {
		return err
	}
	from := t.FromCenterID
	_, err = tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindBenefitTransfer, EntityID: id, Action: action, OwnerCenterID: &from,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: []uuid.UUID{t.FromCenterID, t.ToCenterID},
	}, payload)
	return err
}

// BenefitTransferEvents returns a transfer's history, oldest first, to whoever sees
// the transfer; the notes are for the two centers' staff only.
func (s *BenefitTransferService) BenefitTransferEvents(ctx context.Context, id uuid.UUID) ([]*exchange.BenefitTransferEvent, error) {
	t, err := s.BenefitTransfer(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, _ := s.db.Pool.Query(ctx, `SELECT id, transfer_id, from_status, to_status, action, actor_center_id,
		actor_subject, revision, return_reason, note, recorded_at FROM benefit_transfer_events
		WHERE transfer_id = $1 ORDER BY id`, t.ID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.BenefitTransferEvent])
	if err != nil {
		return nil, fmt.Errorf("load benefit transfer events: %w", err)
	}
	// authz: SeesTransferPersonalData (notes may name the worker).
	if !exchange.SeesTransferPersonalData(auth.FromContext(ctx), t) {
		for _, e := range list {
			e.Note = nil
			e.ActorSubject = ""
		}
	}
	return list, nil
}

// BenefitTransferLetter loads the letter's facts for the staff of the two centers and
// audits the read as a read of the worker's name, birth date and masked national ID.
func (s *BenefitTransferService) BenefitTransferLetter(ctx context.Context, id uuid.UUID) (*exchange.TransferLetter, error) {
	t, err := s.BenefitTransfer(ctx, id)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadLetter.
	if err := exchange.DecideReadLetter(auth.FromContext(ctx), t); err != nil {
		return nil, err
	}
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.TransferLetter, error) {
		l := &exchange.TransferLetter{Transfer: t}
		if l.From, err = getCenter(ctx, tx, `id = $1`, t.FromCenterID, false); err != nil {
			return nil, err
		}
		if l.To, err = getCenter(ctx, tx, `id = $1`, t.ToCenterID, false); err != nil {
			return nil, err
		}
		l.FromProvinceName = s.provinceName(l.From.ProvinceCode)
		l.ToProvinceName = s.provinceName(l.To.ProvinceCode)
		l.NewProvinceName = s.provinceName(t.NewProvinceCode)
		workers, err := tx.loadWorkers(ctx, `SELECT `+workerColumns+workerFrom+`WHERE w.id = $1 AND w.erased_at IS NULL`, t.WorkerID)
		if err != nil {
			return nil, err
		}
		if len(workers) != 1 {
			return nil, exchange.WorkerNotFound()
		}
		l.Worker = workers[0]
		return l, tx.auditWorkerAccess(ctx, []exchange.WorkerRead{{ID: t.WorkerID,
			Fields: "dateOfBirth,fullName,nationalIdMasked", Purpose: "benefitTransferLetter"}}, "")
	})
}

func (s *BenefitTransferService) provinceName(code string) string {
	if p, ok := s.db.Catalog.Province(code); ok {
		return p.Name
	}
	return code
}

// AddBenefitDocument adds a file to the dossier of a transfer the paying center still
// holds, under the dossier's current revision.
func (s *BenefitTransferService) AddBenefitDocument(ctx context.Context, in exchange.AddBenefitDocumentInput) (*exchange.BenefitTransfer, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseGlobalIDOf(exchange.KindBenefitTransfer, in.TransferID)
	if err != nil {
		// authz: an ID that is no transfer's answers as a missing transfer (no oracle).
		return nil, exchange.BenefitTransferNotFound()
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		t, err := getTransfer(ctx, tx, id, true)
		if err != nil {
			return err
		}
		// authz: DecideAddBenefitDocument, before the version and the file are looked at.
		if err := exchange.DecideAddBenefitDocument(p, t); err != nil {
			return err
		}
		if err := exchange.CheckVersion(in.ExpectedVersion, t.Version); err != nil {
			return err
		}
		if err := exchange.CheckBenefitDocument(in); err != nil {
			return err
		}
		sum := sha256.Sum256(in.Content)
		if _, err := tx.Exec(ctx, `INSERT INTO benefit_transfer_documents (transfer_id, kind, title, sha256, size,
			content, revision, added_by_center, added_at) VALUES ($1, $2, btrim($3), $4, $5, $6, $7, $8, $9)`,
			t.ID, in.Kind, in.Title, sum[:], len(in.Content), in.Content, t.DraftRevision(), p.CenterID, tx.now); err != nil {
			return fmt.Errorf("insert benefit document: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE benefit_transfers SET version = version + 1, updated_at = $2 WHERE id = $1`,
			t.ID, tx.now); err != nil {
			return fmt.Errorf("bump benefit transfer: %w", err)
		}
		return tx.transferChanged(ctx, t.ID, exchange.ActionUpdated)
	})
	if err != nil {
		return nil, err
	}
	return getTransfer(ctx, s.db.Pool, id, false)
}

// readableTransfer loads a transfer whose papers the caller may read (DecideReadLetter).
func (s *BenefitTransferService) readableTransfer(ctx context.Context, id uuid.UUID) (*exchange.BenefitTransfer, error) {
	t, err := s.BenefitTransfer(ctx, id)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadLetter.
	return t, exchange.DecideReadLetter(auth.FromContext(ctx), t)
}

// BenefitDocuments lists a transfer's dossier, oldest first.
func (s *BenefitTransferService) BenefitDocuments(ctx context.Context, transferID uuid.UUID) ([]*exchange.BenefitDocument, error) {
	t, err := s.readableTransfer(ctx, transferID)
	if err != nil {
		return nil, err
	}
	rows, _ := s.db.Pool.Query(ctx, `SELECT id, transfer_id, kind, title, sha256, size, revision, added_at
		FROM benefit_transfer_documents WHERE transfer_id = $1 ORDER BY added_at, id`, t.ID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.BenefitDocument])
	if err != nil {
		return nil, fmt.Errorf("list benefit documents: %w", err)
	}
	return list, nil
}

// BenefitDocumentContent returns a document's file and audits the read as a read of
// the worker's data, in the same transaction.
func (s *BenefitTransferService) BenefitDocumentContent(ctx context.Context, d *exchange.BenefitDocument) ([]byte, error) {
	t, err := s.readableTransfer(ctx, d.TransferID)
	if err != nil {
		return nil, err
	}
	return WithTxV(ctx, s.db, func(tx *Tx) ([]byte, error) {
		var content []byte
		if err := tx.QueryRow(ctx, `SELECT content FROM benefit_transfer_documents WHERE id = $1 AND transfer_id = $2`,
			d.ID, t.ID).Scan(&content); err != nil {
			return nil, fmt.Errorf("read benefit document: %w", err)
		}
		return content, tx.auditWorkerAccess(ctx, []exchange.WorkerRead{{ID: t.WorkerID,
			Purpose: "benefitTransferDocument:" + d.ID.String()}}, "")
	})
}
