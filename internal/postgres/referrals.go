package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
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
	r.demand_id, r.agreement_id, r.session_id, r.status, (w.erased_at IS NOT NULL) AS worker_erased, r.left_reason,
	r.created_at, r.updated_at, r.version`

const referralFrom = ` FROM referrals r JOIN workers w ON w.id = r.worker_id `

func getReferral(ctx context.Context, q DBTX, id uuid.UUID, lock bool) (*exchange.Referral, error) {
	sql := `SELECT ` + referralColumns + referralFrom + `WHERE r.id = $1`
	if lock {
		sql += ` FOR UPDATE OF r`
	}
	rows, _ := q.Query(ctx, sql, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.Referral])
	if err != nil {
		return nil, notFoundAs(err, exchange.ReferralNotFound())
	}
	return r, nil
}

// Referral returns a referral the caller may see.
func (s *ReferralService) Referral(ctx context.Context, id uuid.UUID) (*exchange.Referral, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := getReferral(ctx, s.db.Pool, id, false)
	if err != nil {
		return nil, err
	}
	// authz: SeesReferral.
	if !exchange.SeesReferral(p, r.OriginCenterID, r.DestinationCenterID) {
		return nil, exchange.ReferralNotFound()
	}
	return r, nil
}

// Referrals lists the caller's center's referrals, newest first.
func (s *ReferralService) Referrals(ctx context.Context, f exchange.ReferralFilter, page exchange.PageArgs) (*exchange.Page[*exchange.Referral], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideListReferrals.
	if err := exchange.DecideListReferrals(p); err != nil {
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
	var centers []string
	if f.CenterCodes != nil {
		centers = make([]string, len(f.CenterCodes))
		for i, c := range f.CenterCodes {
			centers[i] = strings.ToUpper(strings.TrimSpace(c))
		}
	}
	var occupation *string
	if f.OccupationCode != nil && strings.TrimSpace(*f.OccupationCode) != "" {
		o := likePrefix(strings.TrimSpace(*f.OccupationCode))
		occupation = &o
	}
	var session *uuid.UUID
	if f.SessionID != nil {
		id, err := exchange.ParseInputID(exchange.KindExchangeSession, "sessionId", *f.SessionID)
		if err != nil {
			return nil, err
		}
		session = &id
	}
	// The caller's center is $1; the other end of a referral is the counterpart.
	const where = `
		(($2::text IS NULL AND (r.origin_center_id = $1 OR r.destination_center_id = $1))
		  OR ($2 = 'OUT' AND r.origin_center_id = $1) OR ($2 = 'IN' AND r.destination_center_id = $1))
		AND (cardinality($3::text[]) = 0 OR r.status = ANY($3))
		AND ($4::text[] IS NULL OR (CASE WHEN r.origin_center_id = $1 THEN r.destination_center_id
		                                 ELSE r.origin_center_id END) IN (SELECT id FROM centers WHERE code = ANY($4)))
		AND ($5::text IS NULL OR r.occupation_code LIKE $5 ESCAPE '\')
		AND ($6::timestamptz IS NULL OR r.created_at >= $6)
		AND ($7::timestamptz IS NULL OR r.created_at < $7)
		AND ($8::boolean IS NULL OR $8 = EXISTS (SELECT 1 FROM referral_checkpoints c WHERE c.referral_id = r.id
		     AND c.status = 'DUE' AND c.due_on BETWEEN $9::date - $10::int AND $9::date))
		AND ($11::uuid IS NULL OR r.session_id = $11)`
	args := []any{p.CenterID, direction, statuses, centers, occupation, f.CreatedFrom, f.CreatedTo,
		f.CheckpointDue, s.db.Now().UTC().Format(time.DateOnly), exchange.CheckpointGraceDays, session}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+referralColumns+referralFrom+`WHERE `+where+`
		AND ($12::timestamptz IS NULL OR (r.created_at, r.id) < ($12, $13))
		ORDER BY r.created_at DESC, r.id DESC LIMIT $14`, append(args, afterAt, afterID, page.First+1)...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Referral])
	if err != nil {
		return nil, fmt.Errorf("list referrals: %w", err)
	}
	pg := pageOf(list, page.First, func(r *exchange.Referral) string { return encodeCursor(r.CreatedAt, r.ID) })
	pg.HasPrevious = afterAt != nil
	if page.WithTotal {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*)`+referralFrom+`WHERE `+where, args...).
			Scan(&pg.TotalCount); err != nil {
			return nil, fmt.Errorf("count referrals: %w", err)
		}
	}
	return pg, nil
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
	var errs exchange.Errors
	w, err := exchange.NormalizeWorkerInput([]string{"worker"}, in.Worker, s.db.Now(), s.db.Catalog)
	errs = append(errs, exchange.AsErrors(err)...)
	errs = append(errs, exchange.AsErrors(exchange.CheckReferralNote(in.Note))...)
	var id uuid.UUID
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		dest, err := tx.destinationCenter(ctx, in.DestinationCenterCode)
		errs = append(errs, exchange.AsErrors(err)...)
		if err != nil && exchange.AsErrors(err) == nil {
			return err
		}
		var sessionID *uuid.UUID
		if dest != nil {
			sessionID, err = tx.referralSession(ctx, in.SessionID, dest)
			errs = append(errs, exchange.AsErrors(err)...)
			if err != nil && exchange.AsErrors(err) == nil {
				return err
			}
		}
		var links referralLinks
		if dest != nil && w != nil {
			allow := in.AllowOccupationMismatch != nil && *in.AllowOccupationMismatch
			links, err = tx.checkReferralLinks(ctx, dest, w.OccupationCode, allow, in.DemandID, in.AgreementID)
			errs = append(errs, exchange.AsErrors(err)...)
			if err != nil && exchange.AsErrors(err) == nil {
				return err
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		hash := s.db.PII.Hash(w.NationalID)
		// The idempotency fingerprint holds the keyed hash, not the national ID.
		fingerprint := in
		fingerprint.Worker.NationalID = hex.EncodeToString(hash)
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "referWorker", fingerprint, func() (uuid.UUID, error) {
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
		return err
	})
	if err != nil {
		return nil, err
	}
	return getReferral(ctx, s.db.Pool, id, false)
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
	d, err := visibleDemand(ctx, tx, tx.caller, id, tx.now)
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
	if err := tx.audit(ctx, action.AuditName("referral"), exchange.KindReferral, id, map[string]any{
		"workerId": exchange.GlobalID(exchange.KindWorker, r.WorkerID), "status": r.Status, "version": r.Version,
	}); err != nil {
		return err
	}
	origin := r.OriginCenterID
	_, err = tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindReferral, EntityID: id, Action: action, OwnerCenterID: &origin,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: []uuid.UUID{r.OriginCenterID, r.DestinationCenterID},
	}, payload)
	return err
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
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		r, err := getReferral(ctx, tx, id, true)
		if err != nil {
			return err
		}
		side := exchange.SideOf(p.CenterID, r.OriginCenterID, r.DestinationCenterID)
		// authz: DecideReferral says who may take which action from which status.
		to, decision := exchange.DecideReferralStep(r.Status, in.Action, in.Step(), side, p)
		switch exchange.ErrorCode(decision) {
		case exchange.CodeUnauthenticated, exchange.CodeForbidden, exchange.CodeNotFound:
			return decision
		}
		if err := exchange.CheckVersion(in.ExpectedVersion, r.Version); err != nil {
			return err
		}
		if decision != nil {
			return decision
		}
		at, err := tx.eventTime(ctx, r.ID, in.At)
		if err != nil {
			return err
		}
		checkpoints, err := tx.checkpoints(ctx, r.ID)
		if err != nil {
			return err
		}
		day, err := exchange.DecideCheckpoint(in.Action, in.Step(), checkpoints, at)
		if err != nil {
			return err
		}
		if err := exchange.DecideInterview(in.Action, in.Step(), tx.now); err != nil {
			return err
		}
		interview := in.Step().InterviewOf()
		if err := tx.scheduleInterview(ctx, r.ID, interview); err != nil {
			return err
		}
		if err := tx.retentionStep(ctx, r.ID, in, day, at); err != nil {
			return err
		}
		if in.Action.CountsAsHire() {
			if err := tx.consumeHire(ctx, r); err != nil {
				return err
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
			return fmt.Errorf("update referral: %w", err)
		}
		from, action := r.Status, in.Action
		if err := tx.referralEvent(ctx, r.ID, &from, to, &action, in.Note, at, interview); err != nil {
			return err
		}
		return tx.referralChanged(ctx, r.ID, in.Action.ChangeAction())
	})
	if err != nil {
		return nil, err
	}
	return getReferral(ctx, s.db.Pool, id, false)
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
func (s *ReferralService) ReferralEvents(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.ReferralEvent, error) {
	return referralLists(ctx, s, ids, `SELECT `+eventColumns+` FROM referral_events e
		JOIN referrals r ON r.id = e.referral_id WHERE e.referral_id = ANY($1)`, `e.referral_id, e.id`,
		func(e *exchange.ReferralEvent) uuid.UUID { return e.ReferralID })
}

// referralLists runs a query over the rows of several referrals (joined as r, $1 the
// ids) and groups them by referral, in the given order.
func referralLists[T any](ctx context.Context, s *ReferralService, ids []uuid.UUID, sql, orderBy string,
	referralOf func(*T) uuid.UUID) (map[uuid.UUID][]*T, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID][]*T, len(ids))
	// authz: MayReadPersonalData (events and checkpoints belong to the worker's story);
	// then only the two centers of a referral see them (operators match neither).
	if !exchange.MayReadPersonalData(p) {
		return out, nil
	}
	rows, _ := s.db.Pool.Query(ctx, sql+` AND (r.origin_center_id = $2 OR r.destination_center_id = $2)
		ORDER BY `+orderBy, ids, p.CenterID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[T])
	if err != nil {
		return nil, fmt.Errorf("load referral details: %w", err)
	}
	for _, x := range list {
		id := referralOf(x)
		out[id] = append(out[id], x)
	}
	return out, nil
}
