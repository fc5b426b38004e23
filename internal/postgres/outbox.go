package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// ChangesChannel is the NOTIFY channel that carries the sequence of each new change.
const ChangesChannel = "laborx_changes"

// publish appends a change to the outbox. Its feed sequence is given after the commit
// (sequencer.go), before the mutation answers.
func (tx *Tx) publish(ctx context.Context, ch exchange.Change, payload any) error {
	return tx.publishAll(ctx, []exchange.Change{ch}, []any{payload})
}

// outboxColumns are the outbox columns publishAll writes, in its values' order.
var outboxColumns = []string{"sequence", "entity_kind", "entity_id", "action", "actor_center_id", "actor_subject",
	"audience", "audience_center_ids", "owner_center_id", "payload", "occurred_at"}

// pendingInsertSQL inserts one change into pending_changes: outboxColumns without the
// sequence.
var pendingInsertSQL = `INSERT INTO pending_changes (` + strings.Join(outboxColumns[1:], ", ") + `)
	VALUES (` + placeholders(1, len(outboxColumns)-1) + `)`

// publishAll is the one way changes enter the outbox, one or a whole import's worth.
// One change is inserted unnumbered into pending_changes: the transaction locks no
// shared row, so concurrent publishers' commits share WAL flushes, and withTxAt has it
// numbered after the commit, in a round shared with the other publishers of the
// moment. Many (an import) are numbered here, in three statements: one sequence
// range (the change_sequence row, locked until commit, which numbering rounds wait
// for), the rows by COPY, and one notification carrying the last sequence (listeners
// read everything up to it); call it last, just before the commit.
func (tx *Tx) publishAll(ctx context.Context, changes []exchange.Change, payloads []any) error {
	if len(changes) == 0 {
		return nil
	}
	rows, err := tx.outboxRows(changes, payloads)
	if err != nil {
		return err
	}
	return tx.publishRows(ctx, rows)
}

// publishRows is publishAll of outbox rows already built (outboxRow's).
func (tx *Tx) publishRows(ctx context.Context, rows [][]any) error {
	switch len(rows) {
	case 0:
		return nil
	case 1:
		if _, err := tx.Exec(ctx, pendingInsertSQL, rows[0][1:]...); err != nil {
			return fmt.Errorf("publish change: %w", err)
		}
		tx.pending = true
		return nil
	}
	var last int64
	if err := tx.QueryRow(ctx, `UPDATE change_sequence SET last = last + $1 RETURNING last`, len(rows)).Scan(&last); err != nil {
		return fmt.Errorf("publish change: next sequence: %w", err)
	}
	first := last - int64(len(rows)) + 1
	for i := range rows {
		rows[i][0] = first + int64(i)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"changes"}, outboxColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("publish change: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, fmt.Sprint(last)); err != nil {
		return fmt.Errorf("publish change: notify: %w", err)
	}
	return nil
}

// outboxRows are the outbox rows of changes in outboxColumns' order, the sequence
// (first) still to be set.
func (tx *Tx) outboxRows(changes []exchange.Change, payloads []any) ([][]any, error) {
	a := actorOf(tx.caller)
	rows := make([][]any, len(changes))
	for i, ch := range changes {
		row, err := a.outboxRow(ch, payloads[i], tx.now)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	return rows, nil
}

// outboxActor is who a change's outbox row names as its actor.
type outboxActor struct {
	center  *uuid.UUID
	subject string
}

func actorOf(p *exchange.Principal) outboxActor {
	a := outboxActor{subject: "system"}
	if p != nil {
		a.subject = p.Subject
		if p.CenterID != uuid.Nil {
			id := p.CenterID
			a.center = &id
		}
	}
	return a
}

// outboxRow is one change's outbox row in outboxColumns' order, the sequence still to
// be set. It needs no transaction, so an import builds its rows while checking the file.
func (a outboxActor) outboxRow(ch exchange.Change, payload any, now time.Time) ([]any, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("publish change: %w", err)
	}
	if ch.AudienceCenterIDs == nil {
		ch.AudienceCenterIDs = []uuid.UUID{}
	}
	return copyValues([]any{int64(0), string(ch.EntityKind), ch.EntityID, string(ch.Action), a.center,
		a.subject, string(ch.Audience), ch.AudienceCenterIDs, ch.OwnerCenterID, body, now}), nil
}

// audit appends an entry to the append-only audit trail.
func (tx *Tx) audit(ctx context.Context, action string, kind exchange.Kind, id uuid.UUID, details map[string]any) error {
	exchange.NoteAudit(ctx)
	if details == nil {
		details = map[string]any{}
	}
	var entityID *uuid.UUID
	if id != uuid.Nil {
		entityID = &id
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_entries (`+auditEntryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''))`,
		append(tx.auditActor(), action, string(kind), entityID, details, exchange.RequestID(ctx))...)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// auditEntryColumns are the columns of an audit entry the store writes: the actor's
// (auditActor), then action, entity_kind, entity_id, details, request_id.
const auditEntryColumns = `at, center_id, center_code, subject, roles, action, entity_kind, entity_id, details, request_id`

// auditActor is the start of an audit entry's values: when and who (the transaction's
// caller, "system" without one).
func (tx *Tx) auditActor() []any {
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
	return []any{tx.now, centerID, centerCode, subject, roles}
}

// twoCenters are the two ends of a worker's referral or transfer: the first owns it.
type twoCenters [2]uuid.UUID

// twoCentersChanged audits a change to an entity of a worker's story between two
// centers (the audit names the worker by opaque ID) and publishes it to both, with a
// payload that holds no personal data.
func (tx *Tx) twoCentersChanged(ctx context.Context, kind exchange.Kind, auditNoun string, id uuid.UUID,
	action exchange.ChangeAction, centers twoCenters, workerID uuid.UUID, status any, version int, payload any) error {
	if err := tx.audit(ctx, action.AuditName(auditNoun), kind, id, map[string]any{
		"workerId": exchange.GlobalID(exchange.KindWorker, workerID), "status": status, "version": version,
	}); err != nil {
		return err
	}
	owner := centers[0]
	return tx.publish(ctx, exchange.Change{
		EntityKind: kind, EntityID: id, Action: action, OwnerCenterID: &owner,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: centers[:],
	}, payload)
}
