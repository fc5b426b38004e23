package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// AuditTrail implements exchange.AuditTrail: the reads of the append-only audit trail.
type AuditTrail struct{ db *DB }

// NewAuditTrail returns the audit trail's reader.
func NewAuditTrail(db *DB) *AuditTrail { return &AuditTrail{db: db} }

var _ exchange.AuditTrail = (*AuditTrail)(nil)

// auditColumns shows an entry without its raw details, which may hold free text: only
// the field names, purpose, operation and refusal of a read.
const auditColumns = `a.id, a.at, a.center_id, a.center_code, a.subject, a.roles, a.action, a.entity_kind, a.entity_id,
	ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(a.details->'fields') = 'array'
		THEN a.details->'fields' ELSE '[]' END)) AS fields,
	a.details->>'purpose' AS purpose, a.details->>'operation' AS operation, a.details->>'refusal' AS refusal, a.request_id`

// auditOrder is the trail's order: newest first.
var auditOrder = keysetOrder{key: "a.at", id: "a.id", desc: true}

// AuditEntries lists the trail for the operator, newest first.
func (s *AuditTrail) AuditEntries(ctx context.Context, f exchange.AuditEntryFilter, page exchange.PageArgs) (*exchange.Page[*exchange.AuditEntry], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideListAuditEntries.
	if err := exchange.DecideListAuditEntries(p); err != nil {
		return nil, err
	}
	q, err := exchange.CheckAuditEntryFilter(f)
	if err != nil {
		return nil, err
	}
	w := &sqlWhere{}
	if q.CenterCode != "" {
		w.add(`a.center_code = %s`, w.arg(q.CenterCode))
	}
	if q.WorkerID != uuid.Nil {
		w.add(`a.entity_kind = 'Worker' AND a.entity_id = %s`, w.arg(q.WorkerID))
	}
	if q.Action != "" {
		w.add(`a.action = %s`, w.arg(q.Action))
	}
	if q.From != nil {
		w.add(`a.at >= %s`, w.arg(*q.From))
	}
	if q.To != nil {
		w.add(`a.at < %s`, w.arg(*q.To))
	}
	return s.list(ctx, w, page)
}

// WorkerAccessLog lists who read the worker (and who was refused), newest first, for
// the registering center; nil for anyone else.
func (s *AuditTrail) WorkerAccessLog(ctx context.Context, worker *exchange.Worker, page exchange.PageArgs) (*exchange.Page[*exchange.AuditEntry], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: MaySeeAccessLog.
	if !exchange.MaySeeAccessLog(p, worker) {
		return nil, nil
	}
	w := &sqlWhere{}
	w.add(`a.entity_kind = 'Worker' AND a.entity_id = %s AND a.action = ANY(%s)`,
		w.arg(worker.ID), w.arg(exchange.AccessLogActions()))
	return s.list(ctx, w, page)
}

// list runs one page of the trail under w, with its total when asked.
func (s *AuditTrail) list(ctx context.Context, w *sqlWhere, page exchange.PageArgs) (*exchange.Page[*exchange.AuditEntry], error) {
	var after []any
	var at time.Time
	var id int64
	ok, err := decodeCursor(page.After, &at, &id)
	if err != nil {
		return nil, err
	}
	if ok {
		after = []any{at, id}
	}
	rows, _ := keysetQuery(ctx, s.db.Pool, auditColumns, "audit_entries a", w, auditOrder, after, page.First)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	pg := pageOf(list, page.First, func(a *exchange.AuditEntry) string { return encodeCursor(a.At, a.ID) })
	pg.HasPrevious = ok
	if page.WithTotal {
		if pg.TotalCount, err = countOf(ctx, s.db.Pool, "audit_entries a", w); err != nil {
			return nil, err
		}
	}
	return pg, nil
}

// auditRefusedWorkerChange records, after the refused transaction rolled back, that the
// caller asked to change (purpose: the mutation) a worker it may not see; err passes
// through. An ID that is no worker's names nobody and is not logged.
func auditRefusedWorkerChange(ctx context.Context, db *DB, globalID, purpose string, err error) error {
	if !workerNotFound(err) {
		return err
	}
	id, perr := exchange.ParseGlobalIDOf(exchange.KindWorker, globalID)
	if perr != nil {
		return err
	}
	if aerr := WithTx(ctx, db, func(tx *Tx) error {
		return tx.auditWorkerAccess(ctx, []exchange.WorkerRead{{ID: id, Purpose: purpose}}, exchange.WorkerReadRefusal(tx.caller))
	}); aerr != nil {
		return aerr
	}
	return err
}

// workerNotFound reports whether err (one error or a list of them) refuses the worker:
// NOT_FOUND for the whole input or at its workerId.
func workerNotFound(err error) bool {
	for _, e := range exchange.AsErrors(err) {
		if e.Code == exchange.CodeNotFound && (len(e.Field) == 0 || e.Field[len(e.Field)-1] == "workerId") {
			return true
		}
	}
	return false
}
