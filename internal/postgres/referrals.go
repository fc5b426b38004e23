package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// ReferralService implements exchange.ReferralService.
type ReferralService struct{ db *DB }

// NewReferralService returns the referral service; db.PII must be set.
func NewReferralService(db *DB) *ReferralService { return &ReferralService{db: db} }

var _ exchange.ReferralService = (*ReferralService)(nil)

const referralColumns = `r.id, r.worker_id, r.origin_center_id, r.destination_center_id, r.occupation_code,
	r.worker_occupation_code, r.interview_at, r.interview_place, r.interview_link,
	r.demand_id, r.agreement_id, r.session_id, r.status, r.worker_erased, r.left_reason,
	r.created_at, r.updated_at, r.version`

// referralTables is referrals alone: the worker's erasure is a column of the referral
// (00104), so a read pays no workers policy for it.
const referralTables = `referrals r`

const referralFrom = ` FROM ` + referralTables + ` `

func getReferral(ctx context.Context, q DBTX, id uuid.UUID, lock bool) (*exchange.Referral, error) {
	return oneRow[exchange.Referral](ctx, q, exchange.ReferralNotFound(),
		forUpdate(`SELECT `+referralColumns+referralFrom+`WHERE r.id = $1`, lock, "r"), id)
}

// Referral returns a referral the caller may see.
func (s *ReferralService) Referral(ctx context.Context, id uuid.UUID) (*exchange.Referral, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Referral, error) {
		r, err := getReferral(ctx, tx, id, false)
		// authz: SeesReferral.
		return visibleRow(r, err, func(r *exchange.Referral) bool {
			return exchange.SeesReferral(tx.caller, r.OriginCenterID, r.DestinationCenterID)
		}, exchange.ReferralNotFound())
	})
}

// Referrals lists the caller's center's referrals, newest first.
func (s *ReferralService) Referrals(ctx context.Context, f exchange.ReferralFilter, page exchange.PageArgs) (*exchange.Page[*exchange.Referral], error) {
	var session *uuid.UUID
	if f.SessionID != nil {
		id, err := exchange.ParseInputID(exchange.KindExchangeSession, "sessionId", *f.SessionID)
		if err != nil {
			return nil, err
		}
		session = &id
	}
	return newestFirst(ctx, s.db, exchange.DecideListReferrals, referralColumns, referralTables, referralTables, "r",
		func(p *exchange.Principal, now time.Time) *sqlWhere { return referralFilter(p, f, session, now) },
		func(r *exchange.Referral) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }, page)
}

// referralFilter is the filter of a referral list: the caller's center's referrals
// (authz: a side of each), in the direction asked, the counterpart being the other end.
func referralFilter(p *exchange.Principal, f exchange.ReferralFilter, session *uuid.UUID, now time.Time) *sqlWhere {
	w := &sqlWhere{}
	me := w.arg(p.CenterID)
	switch {
	case f.Direction == nil:
		w.add(`(r.origin_center_id = %s OR r.destination_center_id = %s)`, me, me)
	case *f.Direction == exchange.ReferralOut:
		w.add(`r.origin_center_id = %s`, me)
	default:
		w.add(`r.destination_center_id = %s`, me)
	}
	if len(f.Statuses) > 0 {
		w.add(`r.status = ANY(%s)`, w.arg(textsOf(f.Statuses)))
	}
	if f.CenterCodes != nil {
		codes := make([]string, len(f.CenterCodes))
		for i, c := range f.CenterCodes {
			codes[i] = strings.ToUpper(strings.TrimSpace(c))
		}
		w.add(`(CASE WHEN r.origin_center_id = %s THEN r.destination_center_id ELSE r.origin_center_id END)
			IN (SELECT id FROM centers WHERE code = ANY(%s))`, me, w.arg(codes))
	}
	if f.OccupationCode != nil && strings.TrimSpace(*f.OccupationCode) != "" {
		w.add(`r.occupation_code LIKE %s ESCAPE '\'`, w.arg(likePrefix(strings.TrimSpace(*f.OccupationCode))))
	}
	if session != nil {
		w.add(`r.session_id = %s`, w.arg(*session))
	}
	if f.CreatedFrom != nil {
		w.add(`r.created_at >= %s`, w.arg(*f.CreatedFrom))
	}
	if f.CreatedTo != nil {
		w.add(`r.created_at < %s`, w.arg(*f.CreatedTo))
	}
	if f.CheckpointDue != nil {
		today := w.arg(now.Format(time.DateOnly))
		w.add(`%s = EXISTS (SELECT 1 FROM referral_checkpoints c WHERE c.referral_id = r.id
			AND c.status = 'DUE' AND c.due_on BETWEEN %s::date - %s::int AND %s::date)`,
			w.arg(*f.CheckpointDue), today, w.arg(exchange.CheckpointGraceDays), today)
	}
	return w
}

// ReferWorker registers the worker (or reuses the origin center's record of the same
// person) and creates the referral, in one transaction.
func (s *ReferralService) ReferWorker(ctx context.Context, in exchange.ReferWorkerInput) (*exchange.Referral, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReferWorker.
	if err := exchange.DecideReferWorker(p); err != nil {
		return nil, err
	}
	if s.db.PII == nil {
		return nil, errors.New("refer worker: no PII key configured")
	}
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Referral, error) {
		var errs exchange.Errors
		w, err := exchange.NormalizeWorkerInput([]string{"worker"}, in.Worker, tx.now, s.db.Catalog)
		errs = append(errs, exchange.AsErrors(err)...)
		errs = append(errs, exchange.AsErrors(exchange.CheckReferralNote(in.Note))...)
		dest, err := tx.destinationCenter(ctx, in.DestinationCenterCode)
		errs = append(errs, exchange.AsErrors(err)...)
		if err != nil && exchange.AsErrors(err) == nil {
			return nil, err
		}
		var sessionID *uuid.UUID
		if dest != nil {
			sessionID, err = tx.referralSession(ctx, in.SessionID, dest)
			errs = append(errs, exchange.AsErrors(err)...)
			if err != nil && exchange.AsErrors(err) == nil {
				return nil, err
			}
		}
		var links referralLinks
		if dest != nil && w != nil {
			allow := in.AllowOccupationMismatch != nil && *in.AllowOccupationMismatch
			links, err = tx.checkReferralLinks(ctx, dest, w.OccupationCode, allow, in.DemandID, in.AgreementID)
			errs = append(errs, exchange.AsErrors(err)...)
			if err != nil && exchange.AsErrors(err) == nil {
				return nil, err
			}
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
		hash := s.db.PII.Hash(w.NationalID)
		// The idempotency fingerprint holds the keyed hash, not the national ID.
		fingerprint := in
		fingerprint.Worker.NationalID = hex.EncodeToString(hash)
		id, _, err := tx.idempotent(ctx, in.IdempotencyKey, "referWorker", fingerprint, func() (uuid.UUID, error) {
			workerID, err := tx.upsertWorker(ctx, s.db, w, hash)
			if err != nil {
				return uuid.Nil, err
			}
			if err := tx.referralConsent(ctx, s.db, workerID, dest); err != nil {
				return uuid.Nil, err
			}
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `INSERT INTO referrals (worker_id, origin_center_id, destination_center_id,
				occupation_code, worker_occupation_code, demand_id, agreement_id, session_id, created_at, updated_at)
				VALUES (@worker, @origin, @destination, @occupation, @worker_occupation, @demand, @agreement, @session,
					@now, @now) RETURNING id`, pgx.NamedArgs{"worker": workerID, "origin": p.CenterID, "destination": dest.ID,
				"occupation": links.occupation, "worker_occupation": w.OccupationCode, "demand": links.demandID,
				"agreement": links.agreementID, "session": sessionID, "now": tx.now}).Scan(&id); err != nil {
				return uuid.Nil, fmt.Errorf("insert referral: %w", err)
			}
			if links.agreementID != nil {
				if err := tx.countQuotaReferral(ctx, *links.agreementID, links.occupation, p.CenterID, dest.ID); err != nil {
					return uuid.Nil, err
				}
			}
			if err := tx.referralEvent(ctx, id, nil, exchange.ReferralReferred, nil, in.Note, tx.now, nil); err != nil {
				return uuid.Nil, err
			}
			return id, tx.referralChanged(ctx, id, exchange.ActionReferred)
		})
		if err != nil {
			return nil, err
		}
		return getReferral(ctx, tx, id, false)
	})
}

// destinationCenter loads the center a worker is referred to and checks it
// (DecideDestination).
func (tx *Tx) destinationCenter(ctx context.Context, code string) (*exchange.Center, error) {
	c, err := getCenter(ctx, tx, `code = $1`, exchange.NormalizeCenterCode(code), false)
	if err != nil && exchange.ErrorCode(err) != exchange.CodeNotFound {
		return nil, err
	}
	if err := exchange.DecideDestination(tx.caller, c, code); err != nil {
		return nil, err
	}
	return c, nil
}

// referralLinks are the demand and the agreement a new referral is made under, and the
// occupation it is for (exchange.ReferralOccupation).
type referralLinks struct {
	demandID, agreementID *uuid.UUID
	occupation            string
}

// checkReferralLinks checks the demand and agreement a referral names: the demand must
// be visible to the origin, owned by the destination and open, and fit the worker's
// occupation; the agreement must have both centers as parties, be active today and
// have a quota line for the referral's occupation from the origin to the destination.
func (tx *Tx) checkReferralLinks(ctx context.Context, dest *exchange.Center, occupation string, allowMismatch bool,
	demandID, agreementID *string) (referralLinks, error) {
	links := referralLinks{occupation: occupation}
	var errs exchange.Errors
	if demandID != nil {
		d, err := tx.referralDemand(ctx, dest, *demandID)
		if exchange.AsErrors(err) == nil && err != nil {
			return links, err
		}
		if err != nil {
			errs = append(errs, exchange.AsErrors(err)...)
		} else {
			links.demandID = &d.ID
			occ, err := exchange.ReferralOccupation(occupation, &d.OccupationCode, allowMismatch)
			errs = append(errs, exchange.AsErrors(err)...)
			if err == nil {
				links.occupation = occ
			}
		}
	}
	if agreementID != nil {
		id, err := tx.referralAgreement(ctx, dest, links.occupation, *agreementID)
		if exchange.AsErrors(err) == nil && err != nil {
			return links, err
		}
		if err != nil {
			errs = append(errs, exchange.AsErrors(err)...)
		} else {
			links.agreementID = &id
		}
	}
	return links, errs.Err()
}

func (tx *Tx) referralDemand(ctx context.Context, dest *exchange.Center, gid string) (*exchange.LaborDemand, error) {
	id, err := exchange.ParseInputID(exchange.KindLaborDemand, "demandId", gid)
	if err != nil {
		return nil, err
	}
	// authz: DecideReferralDemand (the demand as the origin sees it).
	d, err := visibleDemand(ctx, tx, tx.caller, id)
	if err != nil && exchange.ErrorCode(err) != exchange.CodeNotFound {
		return nil, err
	}
	return d, exchange.DecideReferralDemand(d, dest)
}

func (tx *Tx) referralAgreement(ctx context.Context, dest *exchange.Center, occupation, gid string) (uuid.UUID, error) {
	id, err := exchange.ParseInputID(exchange.KindAgreement, "agreementId", gid)
	if err != nil {
		return uuid.Nil, err
	}
	var originIsParty, destIsParty bool
	if err := tx.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM agreement_parties WHERE agreement_id = $1 AND center_id = $2),
			EXISTS (SELECT 1 FROM agreement_parties WHERE agreement_id = $1 AND center_id = $3)`,
		id, tx.caller.CenterID, dest.ID).Scan(&originIsParty, &destIsParty); err != nil {
		return uuid.Nil, fmt.Errorf("check agreement parties: %w", err)
	}
	// authz: DecideReferralAgreement.
	if err := exchange.DecideReferralAgreement(originIsParty, destIsParty, dest); err != nil {
		return uuid.Nil, err
	}
	if err := tx.explainQuotaMiss(ctx, id, occupation, tx.caller.CenterID, dest.ID); err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

// consumeHire records a hire against the referral's agreement quota line
// (QUOTA_EXCEEDED) and demand (filledCount, DEMAND_FILLED). It runs in the transaction
// that moves the referral to HIRED, so the limits hold under any concurrency; each is
// one conditional UPDATE backed by a CHECK constraint. A hire is never given back (see
// exchange.ReferralAction.CountsAsHire).
//
// Lock order: referral row, quota line, demand row, then the outbox sequence (which
// fillDemandPosition takes when it publishes). Every transaction that takes more than
// one of these takes them in this order, so concurrent hires cannot deadlock.
func (tx *Tx) consumeHire(ctx context.Context, r *exchange.Referral) error {
	if r.AgreementID != nil {
		if err := tx.consumeQuota(ctx, *r.AgreementID, r.OccupationCode, r.OriginCenterID, r.DestinationCenterID); err != nil {
			return atAction(err)
		}
	}
	if r.DemandID != nil {
		if _, err := tx.fillDemandPosition(ctx, *r.DemandID); err != nil {
			return atAction(err)
		}
	}
	return nil
}

// atAction points a refusal at input.action: the limits checked when hiring are named
// by fields of another mutation (referWorker's demandId and agreementId).
func atAction(err error) error {
	var e *exchange.Error
	if errors.As(err, &e) {
		return e.At("action")
	}
	return err
}

// upsertWorker inserts the worker with the consent of the input, or reuses the center's
// existing record of the same person (same national ID hash) as it stands: a referral
// never rewrites a worker's data nor records consent for them again (changes are
// explicit, through updateWorker and giveConsent). The worker's row is locked either way.
func (tx *Tx) upsertWorker(ctx context.Context, db *DB, w *exchange.NormalizedWorker, hash []byte) (uuid.UUID, error) {
	newID := uuid.New()
	// Bound to the row's id, a sealed ID copied onto another row does not open there.
	sealed, err := db.PII.Seal(w.NationalID, newID[:])
	if err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	// The no-op update makes RETURNING give the existing row's id (and locks it).
	err = tx.QueryRow(ctx, `
		INSERT INTO workers (id, registered_by, full_name, date_of_birth, gender, phone, national_id_enc,
			national_id_hmac, national_id_last4, occupation_code, skills, education_level, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
		ON CONFLICT ON CONSTRAINT workers_national_id_key DO UPDATE SET registered_by = workers.registered_by
		RETURNING id`,
		newID, tx.caller.CenterID, w.FullName, w.DateOfBirth, w.Gender, w.Phone, sealed, hash, w.Last4(),
		w.OccupationCode, w.Skills, w.EducationLevel, tx.now).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("upsert worker: %w", err)
	}
	if id == newID {
		if _, err := tx.insertConsent(ctx, id, w.NewConsent); err != nil {
			return uuid.Nil, err
		}
	}
	return id, nil
}

// referralEvent appends a step to a referral's history.
func (tx *Tx) referralEvent(ctx context.Context, referralID uuid.UUID, from *exchange.ReferralStatus, to exchange.ReferralStatus,
	action *exchange.ReferralAction, note *string, at time.Time, iv *exchange.Interview) error {
	var actorCenter *uuid.UUID
	if tx.caller.CenterID != uuid.Nil {
		actorCenter = &tx.caller.CenterID
	}
	if note != nil && strings.TrimSpace(*note) == "" {
		note = nil
	}
	if iv == nil {
		iv = &exchange.Interview{}
	}
	var ivAt *time.Time
	if !iv.At.IsZero() {
		ivAt = &iv.At
	}
	_, err := tx.Exec(ctx, `INSERT INTO referral_events (referral_id, from_status, to_status, action, actor_center_id,
		actor_subject, note, at, recorded_at, interview_at, interview_place, interview_link)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		referralID, from, to, action, actorCenter, tx.caller.Subject, note, at, tx.now, ivAt, iv.Place, iv.Link)
	if err != nil {
		return fmt.Errorf("insert referral event: %w", err)
	}
	return nil
}

// referralChanged audits and publishes a referral's change to its two centers. The
// payload carries no personal data: the worker appears by opaque ID only.
func (tx *Tx) referralChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction) error {
	r, err := getReferral(ctx, tx, id, false)
	if err != nil {
		return err
	}
	payload := map[string]any{
		"referralId":          exchange.GlobalID(exchange.KindReferral, r.ID),
		"status":              r.Status,
		"occupationCode":      r.OccupationCode,
		"originCenterId":      exchange.GlobalID(exchange.KindCenter, r.OriginCenterID),
		"destinationCenterId": exchange.GlobalID(exchange.KindCenter, r.DestinationCenterID),
		"version":             r.Version,
	}
	return tx.twoCentersChanged(ctx, exchange.KindReferral, "referral", id, action,
		twoCenters{r.OriginCenterID, r.DestinationCenterID}, r.WorkerID, r.Status, r.Version, payload)
}

// UpdateReferralStatus applies an action of the DESIGN §2 table and records it as an event.
func (s *ReferralService) UpdateReferralStatus(ctx context.Context, in exchange.UpdateReferralStatusInput) (*exchange.Referral, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseGlobalIDOf(exchange.KindReferral, in.ReferralID)
	if err != nil {
		return nil, exchange.ReferralNotFound()
	}
	if err := exchange.CheckReferralNote(in.Note); err != nil {
		return nil, err
	}
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Referral, error) {
		r, err := getReferral(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		side := exchange.SideOf(p.CenterID, r.OriginCenterID, r.DestinationCenterID)
		// authz: DecideReferral says who may take which action from which status.
		to, decision := exchange.DecideReferralStep(r.Status, in.Action, in.Step(), side, p)
		switch exchange.ErrorCode(decision) {
		case exchange.CodeUnauthenticated, exchange.CodeForbidden, exchange.CodeNotFound:
			return nil, decision
		}
		if err := exchange.CheckVersion(in.ExpectedVersion, r.Version); err != nil {
			return nil, err
		}
		if decision != nil {
			return nil, decision
		}
		at, err := tx.eventTime(ctx, r.ID, in.At)
		if err != nil {
			return nil, err
		}
		checkpoints, err := tx.checkpoints(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		day, err := exchange.DecideCheckpoint(in.Action, in.Step(), checkpoints, at)
		if err != nil {
			return nil, err
		}
		if err := exchange.DecideInterview(in.Action, in.Step(), tx.now); err != nil {
			return nil, err
		}
		interview := in.Step().InterviewOf()
		if err := tx.scheduleInterview(ctx, r.ID, interview); err != nil {
			return nil, err
		}
		if err := tx.retentionStep(ctx, r.ID, in, day, at); err != nil {
			return nil, err
		}
		if in.Action.CountsAsHire() {
			if err := tx.consumeHire(ctx, r); err != nil {
				return nil, err
			}
		}
		// The stage column of the new status takes the event's instant, in the statement
		// that changes the status (the row is locked above): statistics read the
		// stages from referrals, and referrals_stages checks them against the status.
		if _, err := tx.Exec(ctx, `UPDATE referrals SET status = $2, updated_at = $3, version = version + 1,
				acknowledged_at = CASE WHEN $2 = 'ACKNOWLEDGED' THEN $4 ELSE acknowledged_at END,
				interviewed_at = CASE WHEN $2 = 'INTERVIEW_SCHEDULED' THEN coalesce(interviewed_at, $4) ELSE interviewed_at END,
				hired_at = CASE WHEN $2 = 'HIRED' THEN $4 ELSE hired_at END,
				employed_at = CASE WHEN $2 = 'EMPLOYED' THEN coalesce(employed_at, $4) ELSE employed_at END
			WHERE id = $1`,
			r.ID, to, tx.now, at); err != nil {
			return nil, fmt.Errorf("update referral: %w", err)
		}
		from, action := r.Status, in.Action
		if err := tx.referralEvent(ctx, r.ID, &from, to, &action, in.Note, at, interview); err != nil {
			return nil, err
		}
		if err := tx.referralChanged(ctx, r.ID, in.Action.ChangeAction()); err != nil {
			return nil, err
		}
		return getReferral(ctx, tx, id, false)
	})
}

// eventTime loads the referral's previous step and checks the time the actor gives
// for this one (DecideEventTime).
func (tx *Tx) eventTime(ctx context.Context, referralID uuid.UUID, at *time.Time) (time.Time, error) {
	if at == nil {
		return tx.now, nil
	}
	var last time.Time
	if err := tx.QueryRow(ctx, `SELECT max(at) FROM referral_events WHERE referral_id = $1`, referralID).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("last referral event: %w", err)
	}
	return exchange.DecideEventTime(at, tx.now, last)
}

const eventColumns = `e.id, e.referral_id, e.from_status, e.to_status, e.action, e.actor_center_id, e.actor_subject,
	e.note, e.at, e.recorded_at, e.interview_at, e.interview_place, e.interview_link`

// ReferralEvents loads the history of referrals the caller may see, for a dataloader.
// The reads that select the events' notes, which are the worker's personal data, are
// audited in the same transaction: one "worker.read" entry per referral whose history
// shows a note, about the referral's worker, all in one statement. A history without a
// note (none written, or erased with the worker) disclosed nothing and is not logged.
func (s *ReferralService) ReferralEvents(ctx context.Context, reads []exchange.ReferralEventsRead) (map[exchange.ReferralEventsRead][]*exchange.ReferralEvent, error) {
	ids := make([]uuid.UUID, 0, len(reads))
	var notes []exchange.ReferralEventsRead
	for _, r := range reads {
		ids = append(ids, r.ReferralID)
		if r.Notes {
			notes = append(notes, r)
		}
	}
	var audit func(tx *Tx, lists map[uuid.UUID][]*exchange.ReferralEvent) error
	if len(notes) > 0 {
		audit = func(tx *Tx, lists map[uuid.UUID][]*exchange.ReferralEvent) error {
			var shown []exchange.WorkerRead
			for _, r := range notes {
				if slices.ContainsFunc(lists[r.ReferralID], func(e *exchange.ReferralEvent) bool { return e.Note != nil }) {
					shown = append(shown, exchange.WorkerRead{ID: r.ReferralID, Fields: exchange.FieldReferralEventNote,
						Purpose: r.Purpose, Operation: r.Operation})
				}
			}
			return tx.auditAccess(ctx, shown, "", accessOfReferrals)
		}
	}
	lists, err := referralLists(ctx, s, ids, `SELECT `+eventColumns+` FROM referral_events e
		JOIN referrals r ON r.id = e.referral_id WHERE e.referral_id = ANY($1)`, `e.referral_id, e.id`,
		func(e *exchange.ReferralEvent) uuid.UUID { return e.ReferralID }, func(*exchange.ReferralEvent, time.Time) {}, audit)
	if err != nil {
		return nil, err
	}
	out := make(map[exchange.ReferralEventsRead][]*exchange.ReferralEvent, len(reads))
	for _, r := range reads {
		if l, ok := lists[r.ReferralID]; ok {
			out[r] = l
		}
	}
	return out, nil
}

// referralLists runs a query over the rows of several referrals (joined as r, $1 the
// ids) and groups them by referral, in the given order; at completes each row at the
// transaction's now. With audit, the transaction also writes (audit's entries of what
// the lists show); without, it is read-only.
func referralLists[T any](ctx context.Context, s *ReferralService, ids []uuid.UUID, sql, orderBy string,
	referralOf func(*T) uuid.UUID, at func(x *T, now time.Time), audit func(tx *Tx, lists map[uuid.UUID][]*T) error) (map[uuid.UUID][]*T, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: MayReadPersonalData (events and checkpoints belong to the worker's story);
	// then only the two centers of a referral see them (operators match neither).
	if !exchange.MayReadPersonalData(p) {
		return map[uuid.UUID][]*T{}, nil
	}
	run := readTx[map[uuid.UUID][]*T]
	if audit != nil {
		run = WithTxV[map[uuid.UUID][]*T]
	}
	out, err := run(ctx, s.db, func(tx *Tx) (map[uuid.UUID][]*T, error) {
		rows, _ := tx.Query(ctx, sql+` AND (r.origin_center_id = $2 OR r.destination_center_id = $2)
			ORDER BY `+orderBy, ids, p.CenterID)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[T])
		if err != nil {
			return nil, err
		}
		out := make(map[uuid.UUID][]*T, len(ids))
		for _, x := range list {
			at(x, tx.now)
			id := referralOf(x)
			out[id] = append(out[id], x)
		}
		if audit != nil {
			return out, audit(tx, out)
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load referral details: %w", err)
	}
	return out, nil
}
