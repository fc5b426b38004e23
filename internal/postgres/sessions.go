package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// SessionService implements exchange.ExchangeSessionService: job-exchange sessions,
// their participants, featured demands and outcomes.
type SessionService struct{ db *DB }

// NewSessionService returns the job-exchange session service.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db} }

var _ exchange.ExchangeSessionService = (*SessionService)(nil)

const sessionColumns = `s.id, s.host_center_id, s.title, s.description, s.mode, s.starts_at, s.ends_at,
	s.province_code, s.address, s.online_url, s.cancelled_at, s.cancel_reason, s.is_record, s.created_at, s.updated_at,
	s.version`

// sessionStatusSQL is exchange.SessionStatusAt in SQL; now is the clock's placeholder.
func sessionStatusSQL(now string) string {
	return `CASE WHEN s.cancelled_at IS NOT NULL THEN 'CANCELLED' WHEN ` + now + ` < s.starts_at THEN 'SCHEDULED'
		WHEN ` + now + ` < s.ends_at THEN 'IN_PROGRESS' ELSE 'COMPLETED' END`
}

func collectSessions(rows pgx.Rows, now time.Time) ([]*exchange.ExchangeSession, error) {
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.ExchangeSession])
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		s.SetStatus(now)
	}
	return list, nil
}

func getSession(ctx context.Context, q DBTX, id uuid.UUID, now time.Time, lock bool) (*exchange.ExchangeSession, error) {
	sql := `SELECT ` + sessionColumns + ` FROM exchange_sessions s WHERE s.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, _ := q.Query(ctx, sql, id)
	list, err := collectSessions(rows, now)
	if err != nil {
		return nil, fmt.Errorf("read exchange session: %w", err)
	}
	if len(list) == 0 {
		return nil, exchange.SessionNotFound(id)
	}
	return list[0], nil
}

// ExchangeSession returns a session; every center sees every session.
func (s *SessionService) ExchangeSession(ctx context.Context, id uuid.UUID) (*exchange.ExchangeSession, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadSessions.
	if err := exchange.DecideReadSessions(p); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.ExchangeSession, error) { return getSession(ctx, tx, id, tx.now, false) })
}

func (s *SessionService) sessionFilter(w *sqlWhere, p *exchange.Principal, f exchange.ExchangeSessionFilter, now time.Time) {
	if f.IsRecord != nil {
		w.add(`s.is_record = %s`, w.arg(*f.IsRecord))
	}
	if len(f.InvitationStatuses) > 0 {
		// authz: a center filters by its own invitations only; operators have none.
		w.add(`EXISTS (SELECT 1 FROM exchange_session_invitations si WHERE si.session_id = s.id
			AND si.center_id = %s AND si.status = ANY(%s))`, w.arg(p.CenterID), w.arg(textsOf(f.InvitationStatuses)))
	}
	if f.HostCenterCodes != nil {
		w.add(`s.host_center_id IN (SELECT id FROM centers WHERE code = ANY(%s))`, w.arg(upperAll(f.HostCenterCodes)))
	}
	if f.ParticipantCenterCodes != nil {
		w.add(`EXISTS (SELECT 1 FROM exchange_session_participants fp JOIN centers fc ON fc.id = fp.center_id
			WHERE fp.session_id = s.id AND fc.code = ANY(%s))`, w.arg(upperAll(f.ParticipantCenterCodes)))
	}
	if f.ProvinceCodes != nil {
		w.add(`s.province_code = ANY(%s)`, w.arg(expandProvinceCodes(s.db.Catalog, f.ProvinceCodes)))
	}
	if len(f.Modes) > 0 {
		modes := make([]string, len(f.Modes))
		for i, m := range f.Modes {
			modes[i] = string(m)
		}
		w.add(`s.mode = ANY(%s)`, w.arg(modes))
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		w.add(`%s = ANY(%s)`, sessionStatusSQL(w.arg(now)+"::timestamptz"), w.arg(st))
	}
	if f.StartsFrom != nil {
		w.add(`s.starts_at >= %s`, w.arg(*f.StartsFrom))
	}
	if f.StartsBefore != nil {
		w.add(`s.starts_at < %s`, w.arg(*f.StartsBefore))
	}
	textWords(w, `fold(s.title || ' ' || coalesce(s.description, '') || ' ' || coalesce(s.address, ''))`, f.Text)
}

// ExchangeSessions lists sessions by start time, keyset-paginated.
func (s *SessionService) ExchangeSessions(ctx context.Context, f exchange.ExchangeSessionFilter, order exchange.ExchangeSessionOrder,
	page exchange.PageArgs) (*exchange.Page[*exchange.ExchangeSession], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadSessions.
	if err := exchange.DecideReadSessions(p); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.ExchangeSession], error) {
		now := tx.now
		w := &sqlWhere{}
		s.sessionFilter(w, p, f, now)
		o := keysetOrder{key: "s.starts_at", id: "s.id"}
		if order == exchange.SessionOrderStartsAtDesc {
			o.desc = true
		} else {
			order = exchange.SessionOrderStartsAt
		}
		after, err := afterOrdered[time.Time](page.After, string(order))
		if err != nil {
			return nil, err
		}
		rows, _ := keysetQuery(ctx, tx, sessionColumns, "exchange_sessions s", w, o, after, page.First)
		list, err := collectSessions(rows, now)
		if err != nil {
			return nil, fmt.Errorf("list exchange sessions: %w", err)
		}
		pg := pageOf(list, page.First, func(x *exchange.ExchangeSession) string { return encodeCursor(order, x.StartsAt, x.ID) })
		pg.HasPrevious = page.After != ""
		if page.WithTotal {
			if pg.TotalCount, err = countOf(ctx, tx, "exchange_sessions s", w); err != nil {
				return nil, err
			}
		}
		return pg, nil
	})
}

// participantRow is a participant with its outcome columns, NULL before it recorded one.
type participantRow struct {
	SessionID         uuid.UUID  `db:"session_id"`
	CenterID          uuid.UUID  `db:"center_id"`
	IsHost            bool       `db:"is_host"`
	JoinedAt          time.Time  `db:"joined_at"`
	WorkersAttending  *int       `db:"workers_attending"`
	Interviewed       *int       `db:"interviewed"`
	HiredOnSpot       *int       `db:"hired_on_spot"`
	ReferredAfter     *int       `db:"referred_after"`
	Notes             *string    `db:"notes"`
	OutcomeRecordedAt *time.Time `db:"outcome_recorded_at"`
	OutcomeUpdatedAt  *time.Time `db:"outcome_updated_at"`
	ReferralCount     int        `db:"referral_count"`
}

func (r *participantRow) participant() *exchange.SessionParticipant {
	var o *exchange.SessionOutcome
	if r.OutcomeRecordedAt != nil {
		o = &exchange.SessionOutcome{SessionID: r.SessionID, CenterID: r.CenterID,
			WorkersAttending: *r.WorkersAttending, Interviewed: *r.Interviewed, HiredOnSpot: *r.HiredOnSpot,
			ReferredAfter: *r.ReferredAfter, ReferralCount: r.ReferralCount, Notes: r.Notes, RecordedAt: *r.OutcomeRecordedAt, UpdatedAt: *r.OutcomeUpdatedAt}
	}
	return exchange.NewSessionParticipant(r.SessionID, r.CenterID, r.IsHost, r.JoinedAt, o)
}

// participantsOf reads the participants of sessions, host first, then in joining order.
// me is the reader's center (nil for operators): outcome notes are free text, so only
// the recording center, the host and operators read them.
func participantsOf(ctx context.Context, q DBTX, sessionIDs []uuid.UUID, me *uuid.UUID) (map[uuid.UUID][]*exchange.SessionParticipant, error) {
	// authz: participants and outcome counts are public; notes only to their center and the host.
	rows, _ := q.Query(ctx, `SELECT sp.session_id, sp.center_id, sp.is_host, sp.joined_at, sp.workers_attending,
			sp.interviewed, sp.hired_on_spot, sp.referred_after,
			CASE WHEN $2::uuid IS NULL OR sp.center_id = $2 OR s.host_center_id = $2 THEN sp.notes END AS notes,
			sp.outcome_recorded_at, sp.outcome_updated_at,
			(SELECT count(*) FROM referral_facts r WHERE r.session_id = sp.session_id AND r.origin_center_id = sp.center_id)::int
				AS referral_count
		FROM exchange_session_participants sp JOIN exchange_sessions s ON s.id = sp.session_id
		WHERE sp.session_id = ANY($1)
		ORDER BY sp.session_id, sp.is_host DESC, sp.joined_at, sp.center_id`, sessionIDs, me)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[participantRow])
	if err != nil {
		return nil, fmt.Errorf("read session participants: %w", err)
	}
	out := make(map[uuid.UUID][]*exchange.SessionParticipant, len(sessionIDs))
	for _, r := range list {
		out[r.SessionID] = append(out[r.SessionID], r.participant())
	}
	return out, nil
}

// SessionParticipants loads the participants (with outcomes) of sessions, for a loader.
func (s *SessionService) SessionParticipants(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID][]*exchange.SessionParticipant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadSessions.
	if err := exchange.DecideReadSessions(p); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (map[uuid.UUID][]*exchange.SessionParticipant, error) {
		return participantsOf(ctx, tx, sessionIDs, viewerCenter(p))
	})
}

// SessionDemands loads the featured demands of sessions, for a loader. A featured demand
// the reader may not see in the market (AGREEMENT_PARTNERS of a center it has no
// agreement with) is left out, so a session never widens a demand's audience.
func (s *SessionService) SessionDemands(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID][]*exchange.LaborDemand, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadSessions.
	if err := exchange.DecideReadSessions(p); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (map[uuid.UUID][]*exchange.LaborDemand, error) {
		now := tx.now
		w := &sqlWhere{}
		w.add(`sd.session_id = ANY(%s)`, w.arg(sessionIDs))
		demandVisibility(w, p, now)
		type row struct {
			SessionID uuid.UUID `db:"session_id"`
			exchange.LaborDemand
		}
		rows, _ := tx.Query(ctx, `SELECT sd.session_id, `+demandColumns+`
			FROM exchange_session_demands sd JOIN labor_demands d ON d.id = sd.demand_id
			WHERE `+w.String()+` ORDER BY sd.session_id, sd.position`, w.args...)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[row])
		if err != nil {
			return nil, fmt.Errorf("read featured demands: %w", err)
		}
		out := make(map[uuid.UUID][]*exchange.LaborDemand, len(sessionIDs))
		for _, r := range list {
			d := r.LaborDemand
			tx.readDemand(&d)
			out[r.SessionID] = append(out[r.SessionID], &d)
		}
		return out, nil
	})
}

// featureDemands checks the demands a center features in a session and adds them
// after the `already` the session has. Each must be an OPEN demand the host may see
// (its own, an ALL_PARTNERS one, or an AGREEMENT_PARTNERS one of a partner); when
// ownOnly, also one of the adding center's own. Anything else is a user error at its
// position in input.featuredDemandIds.
func (tx *Tx) featureDemands(ctx context.Context, sessionID, hostID uuid.UUID, ids []string, already int, ownOnly bool) error {
	keys, err := exchange.ParseFeaturedDemandIDs(ids)
	if err != nil || len(ids) == 0 {
		return err
	}
	w := &sqlWhere{}
	w.add(`d.id = ANY(%s)`, w.arg(keys))
	// authz: a session features only demands its host may see, so featuring never shows
	// a partner-only demand to a center that could not find it in the market.
	demandVisibility(w, &exchange.Principal{CenterID: hostID}, tx.now)
	type row struct {
		ID       uuid.UUID             `db:"id"`
		CenterID uuid.UUID             `db:"center_id"`
		Status   exchange.DemandStatus `db:"status"`
		Featured bool                  `db:"featured"`
	}
	now := w.arg(tx.now)
	rows, _ := tx.Query(ctx, `SELECT d.id, d.center_id, `+demandStatusSQL(now)+` AS status,
		EXISTS (SELECT 1 FROM exchange_session_demands x WHERE x.session_id = `+w.arg(sessionID)+` AND x.demand_id = d.id) AS featured
		FROM labor_demands d WHERE `+w.String(), w.args...)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return fmt.Errorf("check featured demands: %w", err)
	}
	byID := map[uuid.UUID]exchange.FeaturedDemand{}
	for _, r := range found {
		byID[r.ID] = exchange.FeaturedDemand{Found: true, CenterID: r.CenterID, Status: r.Status, Featured: r.Featured}
	}
	facts := make([]exchange.FeaturedDemand, len(keys))
	for i, id := range keys {
		facts[i] = byID[id]
	}
	// authz: DecideFeaturedDemands.
	if err := exchange.DecideFeaturedDemands(tx.caller, facts, ownOnly); err != nil {
		return err
	}
	for i, id := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO exchange_session_demands (session_id, demand_id, added_by_center_id, position)
			VALUES ($1, $2, $3, $4)`, sessionID, id, tx.caller.CenterID, already+i+1); err != nil {
			return fmt.Errorf("feature demand: %w", err)
		}
	}
	return nil
}

// ScheduleExchangeSession announces a session hosted by the caller's center.
func (s *SessionService) ScheduleExchangeSession(ctx context.Context, in exchange.ScheduleExchangeSessionInput) (*exchange.ExchangeSession, error) {
	// authz: a center's publishers and coordinators schedule the sessions it hosts.
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.ExchangeSession, error) {
		if errs := exchange.ValidateSchedule(s.db.Catalog, tx.now, in); len(errs) > 0 {
			return nil, errs
		}
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "scheduleExchangeSession", in, func() (uuid.UUID, error) {
			id := uuid.Must(uuid.NewV7())
			var province *string
			if in.ProvinceCode != nil && strings.TrimSpace(*in.ProvinceCode) != "" {
				province = ptrTo(strings.TrimSpace(*in.ProvinceCode))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO exchange_sessions (id, host_center_id, title, description, mode,
				starts_at, ends_at, province_code, address, online_url, is_record, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
				id, p.CenterID, strings.TrimSpace(in.Title), blankNil(in.Description), string(in.Mode), in.StartsAt.UTC(),
				in.EndsAt.UTC(), province, blankNil(in.Address), blankNil(in.OnlineURL), in.IsRecord(), tx.now); err != nil {
				return uuid.Nil, fmt.Errorf("insert exchange session: %w", err)
			}
			if err := tx.addParticipant(ctx, id, true); err != nil {
				return uuid.Nil, err
			}
			if err := tx.featureDemands(ctx, id, p.CenterID, in.FeaturedDemandIds, 0, false); err != nil {
				return uuid.Nil, err
			}
			return id, tx.sessionChanged(ctx, id, exchange.ActionScheduled, nil)
		})
		if err != nil {
			return nil, err
		}
		return getSession(ctx, tx, id, tx.now, false)
	})
}

func ptrTo[T any](v T) *T { return &v }

func (tx *Tx) addParticipant(ctx context.Context, sessionID uuid.UUID, host bool) error {
	if _, err := tx.Exec(ctx, `INSERT INTO exchange_session_participants (session_id, center_id, is_host, joined_at, joined_by_subject)
		VALUES ($1, $2, $3, $4, $5)`, sessionID, tx.caller.CenterID, host, tx.now, tx.caller.Subject); err != nil {
		return fmt.Errorf("add session participant: %w", err)
	}
	return nil
}

// lockSession locks a session for a change and checks expectedVersion. Sessions are
// public, so an unknown ID is the only NOT_FOUND.
func (tx *Tx) lockSession(ctx context.Context, globalID string, expectedVersion *int) (*exchange.ExchangeSession, error) {
	id, err := exchange.ParseInputID(exchange.KindExchangeSession, "sessionId", globalID)
	if err != nil {
		return nil, err
	}
	sess, err := getSession(ctx, tx, id, tx.now, true)
	if err != nil {
		return nil, notFoundAs(err, exchange.NoSuchSession())
	}
	if err := exchange.CheckVersion(expectedVersion, sess.Version); err != nil {
		return nil, err
	}
	return sess, nil
}

// sessionCounts returns how many centers take part and how many demands are featured,
// and whether the caller's center is one of the participants.
func (tx *Tx) sessionCounts(ctx context.Context, sessionID uuid.UUID) (participants, featured int, joined bool, err error) {
	err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM exchange_session_participants WHERE session_id = $1),
		(SELECT count(*) FROM exchange_session_demands WHERE session_id = $1),
		EXISTS (SELECT 1 FROM exchange_session_participants WHERE session_id = $1 AND center_id = $2)`,
		sessionID, tx.caller.CenterID).Scan(&participants, &featured, &joined)
	if err != nil {
		err = fmt.Errorf("count session participants: %w", err)
	}
	return participants, featured, joined, err
}

func (tx *Tx) touchSession(ctx context.Context, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE exchange_sessions SET version = version + 1, updated_at = $2 WHERE id = $1`, id, tx.now); err != nil {
		return fmt.Errorf("update exchange session: %w", err)
	}
	return nil
}

// JoinExchangeSession adds the caller's center to a session, with any of its own open
// demands it features there. A participant joining again only adds the demands it
// names; with none it changes nothing, so a retried join is harmless.
func (s *SessionService) JoinExchangeSession(ctx context.Context, in exchange.JoinExchangeSessionInput) (*exchange.ExchangeSession, error) {
	// authz: a center's publishers and coordinators take their center into a session.
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	var sess *exchange.ExchangeSession
	return withTxRead(ctx, s.db, func(tx *Tx) error {
		if sess, err = tx.lockSession(ctx, in.SessionID, in.ExpectedVersion); err != nil {
			return err
		}
		participants, featured, joined, err := tx.sessionCounts(ctx, sess.ID)
		if err != nil {
			return err
		}
		if joined && len(in.FeaturedDemandIds) == 0 {
			return nil
		}
		inv, err := tx.invitationOf(ctx, sess.ID, p.CenterID, true)
		if err != nil {
			return err
		}
		// authz: DecideJoinRecord.
		if err := exchange.DecideJoinRecord(p, sess, inv != nil); err != nil {
			return err
		}
		n := participants
		if joined {
			n = 0 // not a new participant: only the demands count
		}
		if err := exchange.CheckJoin(sess, n, tx.now); err != nil {
			return err
		}
		if err := exchange.CheckFeaturedCount(in.FeaturedDemandIds, featured); err != nil {
			return err
		}
		if !joined {
			if err := tx.addParticipant(ctx, sess.ID, false); err != nil {
				return err
			}
			if err := tx.acceptInvitation(ctx, sess.ID, inv); err != nil {
				return err
			}
		}
		if err := tx.featureDemands(ctx, sess.ID, sess.HostCenterID, in.FeaturedDemandIds, featured, true); err != nil {
			return err
		}
		if err := tx.touchSession(ctx, sess.ID); err != nil {
			return err
		}
		action := exchange.ActionJoined
		if joined {
			action = exchange.ActionDemandsFeatured
		}
		return tx.sessionChanged(ctx, sess.ID, action, map[string]any{"centerCode": p.CenterCode,
			"featuredDemandIds": in.FeaturedDemandIds})
	}, func(tx *Tx) (*exchange.ExchangeSession, error) { return getSession(ctx, tx, sess.ID, tx.now, false) })
}

// RecordSessionOutcome records, or corrects, the caller's center's outcome of a session
// it takes part in.
func (s *SessionService) RecordSessionOutcome(ctx context.Context, in exchange.RecordSessionOutcomeInput) (*exchange.ExchangeSession, *exchange.SessionOutcome, error) {
	// authz: a center's publishers and coordinators report their own center's outcome.
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, nil, err
	}
	// authz: DecideOutcomeCenter.
	if err := exchange.DecideOutcomeCenter(p, in.CenterCode); err != nil {
		return nil, nil, err
	}
	var sess *exchange.ExchangeSession
	var outcome *exchange.SessionOutcome
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		if sess, err = tx.lockSession(ctx, in.SessionID, in.ExpectedVersion); err != nil {
			return err
		}
		_, _, joined, err := tx.sessionCounts(ctx, sess.ID)
		if err != nil {
			return err
		}
		// authz: DecideRecordOutcome.
		if err := exchange.DecideRecordOutcome(p, joined); err != nil {
			return err
		}
		if err := exchange.ValidateOutcome(sess, in, tx.now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE exchange_session_participants SET workers_attending = $3, interviewed = $4,
			hired_on_spot = $5, referred_after = $6, notes = $7, outcome_recorded_at = coalesce(outcome_recorded_at, $8),
			outcome_updated_at = $8, outcome_subject = $9
			WHERE session_id = $1 AND center_id = $2`, sess.ID, p.CenterID, in.WorkersAttending, in.Interviewed,
			in.HiredOnSpot, in.ReferredAfter, blankNil(in.Notes), tx.now, p.Subject); err != nil {
			return fmt.Errorf("record session outcome: %w", err)
		}
		if err := tx.touchSession(ctx, sess.ID); err != nil {
			return err
		}
		if err := tx.sessionChanged(ctx, sess.ID, exchange.ActionOutcomeRecorded, map[string]any{"centerCode": p.CenterCode,
			"workersAttending": in.WorkersAttending, "interviewed": in.Interviewed, "hiredOnSpot": in.HiredOnSpot,
			"referredAfter": in.ReferredAfter}); err != nil {
			return err
		}
		if sess, err = getSession(ctx, tx, sess.ID, tx.now, false); err != nil {
			return err
		}
		parts, err := participantsOf(ctx, tx, []uuid.UUID{sess.ID}, &p.CenterID)
		if err != nil {
			return err
		}
		for _, x := range parts[sess.ID] {
			if x.CenterID == p.CenterID {
				outcome = x.Outcome()
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return sess, outcome, nil
}

// CancelExchangeSession cancels a session of the caller's center before it starts.
func (s *SessionService) CancelExchangeSession(ctx context.Context, in exchange.CancelExchangeSessionInput) (*exchange.ExchangeSession, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	var sess *exchange.ExchangeSession
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.ExchangeSession, error) {
		if sess, err = tx.lockSession(ctx, in.SessionID, in.ExpectedVersion); err != nil {
			return nil, err
		}
		// authz: DecideCancelSession.
		if err := exchange.DecideCancelSession(p, sess); err != nil {
			return nil, err
		}
		if err := exchange.CheckCancel(sess, tx.now); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE exchange_sessions SET cancelled_at = $2, cancel_reason = $3, updated_at = $2,
			version = version + 1 WHERE id = $1`, sess.ID, tx.now, blankNil(in.Reason)); err != nil {
			return nil, fmt.Errorf("cancel exchange session: %w", err)
		}
		if err := tx.sessionChanged(ctx, sess.ID, exchange.ActionCancelled, map[string]any{"reason": blankNil(in.Reason)}); err != nil {
			return nil, err
		}
		return getSession(ctx, tx, sess.ID, tx.now, false)
	})
}

// sessionChanged audits a change to a session and publishes it to every center: the
// session as announced and its totals, never a person.
func (tx *Tx) sessionChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction, details map[string]any) error {
	sess, err := getSession(ctx, tx, id, tx.now, false)
	if err != nil {
		return err
	}
	parts, err := participantsOf(ctx, tx, []uuid.UUID{id}, nil)
	if err != nil {
		return err
	}
	t := exchange.TotalsOf(parts[id])
	if details == nil {
		details = map[string]any{}
	}
	details["version"] = sess.Version
	if err := tx.audit(ctx, action.AuditName("exchangeSession"), exchange.KindExchangeSession, id, details); err != nil {
		return err
	}
	payload := map[string]any{
		"id": exchange.GlobalID(exchange.KindExchangeSession, id), "host": exchange.GlobalID(exchange.KindCenter, sess.HostCenterID),
		"title": sess.Title, "mode": sess.Mode, "startsAt": sess.StartsAt, "endsAt": sess.EndsAt,
		"provinceCode": sess.ProvinceCode, "status": sess.Status, "isRecord": sess.IsRecord, "version": sess.Version,
		"totals": map[string]int{"participatingCenters": t.ParticipatingCenters, "reportingCenters": t.ReportingCenters,
			"workersAttending": t.WorkersAttending, "interviewed": t.Interviewed, "hiredOnSpot": t.HiredOnSpot,
			"referredAfter": t.ReferredAfter},
	}
	if c, ok := details["centerCode"]; ok {
		payload["centerCode"] = c
	}
	err = tx.publish(ctx, exchange.Change{EntityKind: exchange.KindExchangeSession, EntityID: id, Action: action,
		Audience: exchange.AudienceAll}, payload)
	return err
}
