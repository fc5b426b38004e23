package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Invitations to sessions and the sessions referrals came out of. The rules are in
// exchange/session_invitation.go; this file reads the facts and writes the rows.

const invitationColumns = `i.session_id, i.center_id, i.status, i.message, i.invited_at, i.responded_at, i.decline_reason`

// invitationOf returns center's invitation to a session, nil when it has none.
func (tx *Tx) invitationOf(ctx context.Context, sessionID, centerID uuid.UUID, lock bool) (*exchange.SessionInvitation, error) {
	sql := `SELECT ` + invitationColumns + ` FROM exchange_session_invitations i WHERE i.session_id = $1 AND i.center_id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, _ := tx.Query(ctx, sql, sessionID, centerID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.SessionInvitation])
	if err != nil {
		return nil, fmt.Errorf("read session invitation: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

// acceptInvitation marks the joining center's invitation ACCEPTED (inv nil: it joined
// uninvited, which an announcement allows).
func (tx *Tx) acceptInvitation(ctx context.Context, sessionID uuid.UUID, inv *exchange.SessionInvitation) error {
	if inv == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE exchange_session_invitations SET status = 'ACCEPTED', responded_at = $3
		WHERE session_id = $1 AND center_id = $2`, sessionID, inv.CenterID, tx.now); err != nil {
		return fmt.Errorf("accept session invitation: %w", err)
	}
	return nil
}

// invitationChanged publishes a change of invitations to the host and the centers
// concerned only: whom a host invites is nobody else's business.
func (tx *Tx) invitationChanged(ctx context.Context, sess *exchange.ExchangeSession, action exchange.ChangeAction,
	centers []uuid.UUID, codes []string) error {
	if err := tx.touchSession(ctx, sess.ID); err != nil {
		return err
	}
	if err := tx.audit(ctx, action.AuditName("exchangeSession"), exchange.KindExchangeSession, sess.ID,
		map[string]any{"centerCodes": codes}); err != nil {
		return err
	}
	audience := append([]uuid.UUID{sess.HostCenterID}, centers...)
	err := tx.publish(ctx, exchange.Change{EntityKind: exchange.KindExchangeSession, EntityID: sess.ID, Action: action,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: audience}, map[string]any{
		"id": exchange.GlobalID(exchange.KindExchangeSession, sess.ID), "title": sess.Title, "startsAt": sess.StartsAt,
		"isRecord": sess.IsRecord, "centerCodes": codes})
	return err
}

// InviteToExchangeSession invites centers to a session of the caller's center.
func (s *SessionService) InviteToExchangeSession(ctx context.Context, in exchange.InviteToExchangeSessionInput) (*exchange.ExchangeSession, []*exchange.SessionInvitation, error) {
	// authz: a center's publishers and coordinators invite to the sessions it hosts.
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := exchange.CheckInvitationMessage(in.Message); err != nil {
		return nil, nil, err
	}
	var sess *exchange.ExchangeSession
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		if sess, err = tx.lockSession(ctx, in.SessionID, in.ExpectedVersion); err != nil {
			return err
		}
		// authz: DecideInvite.
		if err := exchange.DecideInvite(p, sess); err != nil {
			return err
		}
		if err := exchange.CheckInvite(sess, tx.now); err != nil {
			return err
		}
		type row struct {
			Code        string                            `db:"code"`
			ID          *uuid.UUID                        `db:"id"`
			Active      bool                              `db:"active"`
			Participant bool                              `db:"participant"`
			Invitation  *exchange.SessionInvitationStatus `db:"invitation"`
		}
		codes := make([]string, len(in.CenterCodes))
		for i, c := range in.CenterCodes {
			codes[i] = exchange.NormalizeCenterCode(c)
		}
		rows, _ := tx.Query(ctx, `SELECT x.code, c.id, coalesce(c.status = 'ACTIVE', false) AS active,
				EXISTS (SELECT 1 FROM exchange_session_participants sp WHERE sp.session_id = @session AND sp.center_id = c.id) AS participant,
				(SELECT i.status FROM exchange_session_invitations i WHERE i.session_id = @session AND i.center_id = c.id) AS invitation
			FROM unnest(@codes::text[]) WITH ORDINALITY AS x (code, n) LEFT JOIN centers c ON c.code = x.code
			ORDER BY x.n`, pgx.NamedArgs{"session": sess.ID, "codes": codes})
		found, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
		if err != nil {
			return fmt.Errorf("read invited centers: %w", err)
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM exchange_session_participants WHERE session_id = $1)
			+ (SELECT count(*) FROM exchange_session_invitations WHERE session_id = $1 AND status = 'INVITED')`,
			sess.ID).Scan(&taken); err != nil {
			return fmt.Errorf("count session places: %w", err)
		}
		facts := make([]exchange.Invitee, len(found))
		for i, r := range found {
			facts[i] = exchange.Invitee{Found: r.ID != nil, Active: r.Active, IsHost: r.ID != nil && *r.ID == sess.HostCenterID,
				Participant: r.Participant, Invitation: r.Invitation}
		}
		if err := exchange.DecideInvitees(in.CenterCodes, facts, exchange.MaxSessionParticipants-taken); err != nil {
			return err
		}
		var invited []uuid.UUID
		var invitedCodes []string
		for _, r := range found {
			if r.Invitation != nil && *r.Invitation == exchange.InvitationInvited {
				continue // invited already: a retried call changes nothing
			}
			if _, err := tx.Exec(ctx, `INSERT INTO exchange_session_invitations (session_id, center_id, status, message,
				invited_at, invited_by_subject) VALUES (@session, @center, 'INVITED', @message, @now, @subject)
				ON CONFLICT (session_id, center_id) DO UPDATE SET status = 'INVITED', message = excluded.message,
					invited_at = excluded.invited_at, invited_by_subject = excluded.invited_by_subject,
					responded_at = NULL, decline_reason = NULL`,
				pgx.NamedArgs{"session": sess.ID, "center": *r.ID, "message": blankNil(in.Message), "now": tx.now,
					"subject": p.Subject}); err != nil {
				return fmt.Errorf("invite to session: %w", err)
			}
			invited, invitedCodes = append(invited, *r.ID), append(invitedCodes, r.Code)
		}
		if len(invited) == 0 {
			return nil
		}
		return tx.invitationChanged(ctx, sess, exchange.ActionInvited, invited, invitedCodes)
	})
	if err != nil {
		return nil, nil, err
	}
	if sess, err = getSession(ctx, s.db.Pool, sess.ID, s.db.Now().UTC(), false); err != nil {
		return nil, nil, err
	}
	invs, err := s.SessionInvitations(ctx, sess.ID)
	return sess, invs, err
}

// DeclineExchangeSession declines the caller's center's invitation to a session.
func (s *SessionService) DeclineExchangeSession(ctx context.Context, in exchange.DeclineExchangeSessionInput) (*exchange.ExchangeSession, *exchange.SessionInvitation, error) {
	// authz: a center's publishers and coordinators answer its invitations.
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := exchange.CheckReason(in.Reason); err != nil {
		return nil, nil, err
	}
	var sess *exchange.ExchangeSession
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		if sess, err = tx.lockSession(ctx, in.SessionID, nil); err != nil {
			return err
		}
		inv, err := tx.invitationOf(ctx, sess.ID, p.CenterID, true)
		if err != nil {
			return err
		}
		// authz: DecideDecline (no invitation answers as no session).
		if err := exchange.DecideDecline(sess, inv, tx.now); err != nil {
			return err
		}
		// The version is checked once the caller is known to be invited, so a version
		// conflict never tells an uninvited center that the session exists.
		if err := exchange.CheckVersion(in.ExpectedVersion, sess.Version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE exchange_session_invitations SET status = 'DECLINED', responded_at = $3,
			decline_reason = $4 WHERE session_id = $1 AND center_id = $2`, sess.ID, p.CenterID, tx.now, blankNil(in.Reason)); err != nil {
			return fmt.Errorf("decline session invitation: %w", err)
		}
		return tx.invitationChanged(ctx, sess, exchange.ActionDeclined, []uuid.UUID{p.CenterID}, []string{p.CenterCode})
	})
	if err != nil {
		return nil, nil, err
	}
	if sess, err = getSession(ctx, s.db.Pool, sess.ID, s.db.Now().UTC(), false); err != nil {
		return nil, nil, err
	}
	invs, err := s.SessionInvitations(ctx, sess.ID)
	if err != nil || len(invs) == 0 {
		return sess, nil, err
	}
	for _, x := range invs {
		if x.CenterID == p.CenterID {
			return sess, x, nil
		}
	}
	return sess, nil, nil
}

// SessionInvitations are a session's invitations as the caller may read them: every
// one for the host and operators, its own for an invited center, none for others.
func (s *SessionService) SessionInvitations(ctx context.Context, sessionID uuid.UUID) ([]*exchange.SessionInvitation, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadSessions.
	if err := exchange.DecideReadSessions(p); err != nil {
		return nil, err
	}
	// authz: the host and operators read every invitation; an invited center its own.
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+invitationColumns+`
		FROM exchange_session_invitations i JOIN exchange_sessions s ON s.id = i.session_id
		WHERE i.session_id = @session AND (@me::uuid IS NULL OR s.host_center_id = @me OR i.center_id = @me)
		ORDER BY i.invited_at, (SELECT c.code FROM centers c WHERE c.id = i.center_id)`, pgx.NamedArgs{"session": sessionID, "me": viewerCenter(p)})
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.SessionInvitation])
	if err != nil {
		return nil, fmt.Errorf("read session invitations: %w", err)
	}
	return list, nil
}

// referralSession checks the session a new referral names (DecideReferralSession) and
// returns its ID, nil when the referral names none.
func (tx *Tx) referralSession(ctx context.Context, globalID *string, dest *exchange.Center) (*uuid.UUID, error) {
	if globalID == nil {
		return nil, nil
	}
	id, err := exchange.ParseInputID(exchange.KindExchangeSession, "sessionId", *globalID)
	if err != nil {
		return nil, err
	}
	origin := tx.caller // the origin center refers
	f := exchange.ReferralSessionFacts{Found: true, OriginCode: origin.CenterCode, DestCode: dest.Code}
	if f.Session, err = getSession(ctx, tx, id, tx.now, false); err != nil {
		if exchange.ErrorCode(err) != exchange.CodeNotFound {
			return nil, err
		}
		f.Found = false
	} else if err := tx.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM exchange_session_participants WHERE session_id = $1 AND center_id = $2),
			EXISTS (SELECT 1 FROM exchange_session_participants WHERE session_id = $1 AND center_id = $3)`,
		id, origin.CenterID, dest.ID).Scan(&f.OriginJoined, &f.DestJoined); err != nil {
		return nil, fmt.Errorf("check referral session: %w", err)
	}
	if err := exchange.DecideReferralSession(f, tx.now); err != nil {
		return nil, err
	}
	return &id, nil
}
