package exchange

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The access log (PDPL 91/2025 art. 16, Decree 356/2025): every read of a worker's
// personal data, and every refused attempt, is an audit entry that says who asked
// (center, subject, roles), for what (the GraphQL field and operation), which fields,
// and in which request. The national operator reads the whole trail; the registering
// center reads who accessed its worker. Entries name workers by ID only.

// Audit actions of the access log.
const (
	ActionRead          ChangeAction = "READ"
	ActionAccessRefused ChangeAction = "ACCESS_REFUSED"
)

// AccessRefusal says why a read of a worker was refused. NOT_VISIBLE covers another
// center's worker, an erased one and an ID that names nothing alike: the caller's answer
// is the same for the three (NOT_FOUND or null), and so is the log's.
type AccessRefusal string

const (
	// RefusalRole: the caller's roles read no personal data (viewer, operator).
	RefusalRole AccessRefusal = "ROLE"
	// RefusalNotVisible: no worker the caller's center may see has this ID.
	RefusalNotVisible AccessRefusal = "NOT_VISIBLE"
)

// WorkerReadRefusal is why the caller was refused a worker it asked for: its role, or
// the worker's visibility.
func WorkerReadRefusal(p *Principal) AccessRefusal {
	if !MayReadPersonalData(p) {
		return RefusalRole
	}
	return RefusalNotVisible
}

// AuditEntry is one entry of the append-only audit trail as the API shows it. Details
// that may hold free text (an erasure's reason) are not shown; fields are names, never
// values.
type AuditEntry struct {
	ID         int64      `db:"id"`
	At         time.Time  `db:"at"`
	CenterID   *uuid.UUID `db:"center_id"`
	CenterCode *string    `db:"center_code"`
	Subject    string     `db:"subject"`
	Roles      []Role     `db:"roles"`
	Action     string     `db:"action"`
	EntityKind *string    `db:"entity_kind"`
	EntityUUID *uuid.UUID `db:"entity_id"`
	// Fields are the GraphQL fields read (for reads) or changed (for updates).
	Fields []string `db:"fields"`
	// Purpose is the GraphQL field path the read went through ("referrals.edges.node.worker").
	Purpose *string `db:"purpose"`
	// Operation is the GraphQL operation's name, when the client gave one.
	Operation *string        `db:"operation"`
	Refusal   *AccessRefusal `db:"refusal"`
	RequestID *string        `db:"request_id"`
}

// EntityID is the entry's entity as a global ID, or nil for entries about no entity (an
// import).
func (a *AuditEntry) EntityID() *string {
	if a.EntityKind == nil || a.EntityUUID == nil {
		return nil
	}
	id := GlobalID(Kind(*a.EntityKind), *a.EntityUUID)
	return &id
}

// AuditEntryFilter narrows the audit trail; every field is optional.
type AuditEntryFilter struct {
	// CenterCode is the acting center.
	CenterCode *string
	// WorkerID keeps the entries about one worker (a Worker global ID).
	WorkerID *string
	// Action is an audit action name, e.g. "worker.read" or "worker.access_refused".
	Action *string
	// From is inclusive, To exclusive.
	From *time.Time
	To   *time.Time
}

// AuditQuery is an AuditEntryFilter checked and decoded for the store.
type AuditQuery struct {
	CenterCode string
	WorkerID   uuid.UUID
	Action     string
	From, To   *time.Time
}

// CheckAuditEntryFilter decodes a filter: a workerId that is not a worker's ID, or a
// time range that ends before it starts, is BAD_USER_INPUT at the filter's field.
func CheckAuditEntryFilter(f AuditEntryFilter) (AuditQuery, error) {
	var q AuditQuery
	if f.CenterCode != nil {
		q.CenterCode = upper(strings.TrimSpace(*f.CenterCode))
	}
	if f.Action != nil {
		q.Action = strings.TrimSpace(*f.Action)
	}
	if f.WorkerID != nil {
		id, err := ParseGlobalIDOf(KindWorker, *f.WorkerID)
		if err != nil {
			return q, FieldErrorf([]string{"filter", "workerId"}, CodeBadUserInput, "workerId is not a worker's ID")
		}
		q.WorkerID = id
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return q, FieldErrorf([]string{"filter", "to"}, CodeBadUserInput, "to must be after from")
	}
	q.From, q.To = f.From, f.To
	return q, nil
}

// DecideListAuditEntries is who reads the whole audit trail: the national operator
// (its data-protection officer), nobody else.
func DecideListAuditEntries(p *Principal) error {
	if err := Authenticated(p); err != nil {
		return err
	}
	// authz: the trail names every center's reads; only the operator oversees them all.
	if !p.IsOperator() {
		return Errorf(CodeForbidden, "only the national operator reads the audit trail")
	}
	return nil
}

// MaySeeAccessLog is who reads a worker's access log: the registering center's staff,
// who answer the worker's request to know who processed their data. A destination
// center sees the worker but not who else did.
func MaySeeAccessLog(p *Principal, w *Worker) bool {
	// authz: registering center only, and only roles that read personal data.
	return w != nil && MayReadPersonalData(p) && p.CenterID == w.RegisteredByID
}

// AccessLogActions are the actions a worker's access log shows.
func AccessLogActions() []string {
	return []string{ActionRead.AuditName("worker"), ActionAccessRefused.AuditName("worker")}
}

// AuditTrail reads the audit trail. Every method takes the caller from ctx.
type AuditTrail interface {
	// AuditEntries lists the trail, newest first (operators only).
	AuditEntries(ctx context.Context, f AuditEntryFilter, page PageArgs) (*Page[*AuditEntry], error)
	// WorkerAccessLog lists the reads of the worker and the refused attempts, newest
	// first; nil when the caller may not see the log.
	WorkerAccessLog(ctx context.Context, w *Worker, page PageArgs) (*Page[*AuditEntry], error)
}
