package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// ChangesChannel is the NOTIFY channel that carries the sequence of each new change.
const ChangesChannel = "laborx_changes"

// publish appends a change to the outbox and notifies listeners when the transaction
// commits. Call it last in a transaction: the sequence row lock is held until commit.
func (tx *Tx) publish(ctx context.Context, ch exchange.Change, payload any) (int64, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("publish change: %w", err)
	}
	var seq int64
	if err := tx.QueryRow(ctx, `UPDATE change_sequence SET last = last + 1 RETURNING last`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("publish change: next sequence: %w", err)
	}
	var actorCenter *uuid.UUID
	subject := "system"
	if tx.caller != nil {
		subject = tx.caller.Subject
		if tx.caller.CenterID != uuid.Nil {
			id := tx.caller.CenterID
			actorCenter = &id
		}
	}
	if ch.AudienceCenterIDs == nil {
		ch.AudienceCenterIDs = []uuid.UUID{}
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO changes (sequence, entity_kind, entity_id, action, actor_center_id, actor_subject,
			audience, audience_center_ids, owner_center_id, payload, occurred_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		seq, ch.EntityKind, ch.EntityID, ch.Action, actorCenter, subject,
		ch.Audience, ch.AudienceCenterIDs, ch.OwnerCenterID, body, tx.now)
	if err != nil {
		return 0, fmt.Errorf("publish change: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, fmt.Sprint(seq)); err != nil {
		return 0, fmt.Errorf("publish change: notify: %w", err)
	}
	return seq, nil
}

// audit appends an entry to the append-only audit trail.
func (tx *Tx) audit(ctx context.Context, action string, kind exchange.Kind, id uuid.UUID, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	var centerID *uuid.UUID
	var centerCode *string
	subject, roles := "system", []string{}
	if p := tx.caller; p != nil {
		subject = p.Subject
		if p.CenterID != uuid.Nil {
			centerID, centerCode = &p.CenterID, &p.CenterCode
		}
		for _, r := range p.Roles {
			roles = append(roles, string(r))
		}
	}
	var entityID *uuid.UUID
	if id != uuid.Nil {
		entityID = &id
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_entries (at, center_id, center_code, subject, roles, action, entity_kind, entity_id, details, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''))`,
		tx.now, centerID, centerCode, subject, roles, action, string(kind), entityID, details, exchange.RequestID(ctx))
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
