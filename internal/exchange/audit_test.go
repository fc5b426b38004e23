package exchange_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestDecideListAuditEntries(t *testing.T) {
	center := uuid.New()
	tests := []struct {
		name string
		p    *exchange.Principal
		code exchange.Code
	}{
		{"nobody", nil, exchange.CodeUnauthenticated},
		{"operator", &exchange.Principal{Subject: "dpo", Roles: []exchange.Role{exchange.RoleOperator}}, ""},
		{"center coordinator", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RoleCoordinator}}, exchange.CodeForbidden},
		{"center viewer", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RoleViewer}}, exchange.CodeForbidden},
		// An OPERATOR role claim on a center's token is not the national operator.
		{"center token claiming operator", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RoleOperator}}, exchange.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := exchange.DecideListAuditEntries(tt.p)
			if got := codeOf(err); got != tt.code {
				t.Errorf("code %q, want %q (%v)", got, tt.code, err)
			}
		})
	}
}

func codeOf(err error) exchange.Code {
	if err == nil {
		return ""
	}
	return exchange.ErrorCode(err)
}

func TestMaySeeAccessLog(t *testing.T) {
	origin, dest := uuid.New(), uuid.New()
	w := &exchange.Worker{ID: uuid.New(), RegisteredByID: origin}
	publisher := func(c uuid.UUID) *exchange.Principal {
		return &exchange.Principal{CenterID: c, Roles: []exchange.Role{exchange.RolePublisher}}
	}
	tests := []struct {
		name string
		p    *exchange.Principal
		w    *exchange.Worker
		want bool
	}{
		{"registering center", publisher(origin), w, true},
		{"destination center", publisher(dest), w, false},
		{"registering center's viewer", &exchange.Principal{CenterID: origin, Roles: []exchange.Role{exchange.RoleViewer}}, w, false},
		{"operator", &exchange.Principal{Roles: []exchange.Role{exchange.RoleOperator}}, w, false},
		{"no worker", publisher(origin), nil, false},
	}
	for _, tt := range tests {
		if got := exchange.MaySeeAccessLog(tt.p, tt.w); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWorkerReadRefusal(t *testing.T) {
	if got := exchange.WorkerReadRefusal(&exchange.Principal{CenterID: uuid.New(), Roles: []exchange.Role{exchange.RoleViewer}}); got != exchange.RefusalRole {
		t.Errorf("viewer: %s", got)
	}
	if got := exchange.WorkerReadRefusal(&exchange.Principal{Roles: []exchange.Role{exchange.RoleOperator}}); got != exchange.RefusalRole {
		t.Errorf("operator: %s", got)
	}
	if got := exchange.WorkerReadRefusal(&exchange.Principal{CenterID: uuid.New(), Roles: []exchange.Role{exchange.RolePublisher}}); got != exchange.RefusalNotVisible {
		t.Errorf("publisher: %s", got)
	}
	if got := exchange.AccessLogActions(); !slices.Equal(got, []string{"worker.read", "worker.access_refused"}) {
		t.Errorf("access log actions: %v", got)
	}
}

func TestCheckAuditEntryFilter(t *testing.T) {
	worker := uuid.New()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	ptr := func(s string) *string { return &s }
	q, err := exchange.CheckAuditEntryFilter(exchange.AuditEntryFilter{CenterCode: ptr(" bkn "), Action: ptr("worker.read"),
		WorkerID: ptr(exchange.GlobalID(exchange.KindWorker, worker)), From: &from, To: &to})
	if err != nil || q.CenterCode != "BKN" || q.Action != "worker.read" || q.WorkerID != worker || *q.From != from || *q.To != to {
		t.Errorf("filter: %+v, %v", q, err)
	}
	tests := []struct {
		name  string
		f     exchange.AuditEntryFilter
		field string
	}{
		{"a referral's ID", exchange.AuditEntryFilter{WorkerID: ptr(exchange.GlobalID(exchange.KindReferral, worker))}, "workerId"},
		{"not an ID", exchange.AuditEntryFilter{WorkerID: ptr("nope")}, "workerId"},
		{"to before from", exchange.AuditEntryFilter{From: &to, To: &from}, "to"},
		{"empty range", exchange.AuditEntryFilter{From: &from, To: &from}, "to"},
	}
	for _, tt := range tests {
		_, err := exchange.CheckAuditEntryFilter(tt.f)
		es := exchange.AsErrors(err)
		if len(es) != 1 || es[0].Code != exchange.CodeBadUserInput || !slices.Equal(es[0].Field, []string{"filter", tt.field}) {
			t.Errorf("%s: %v, want BAD_USER_INPUT at filter.%s", tt.name, err, tt.field)
		}
	}
}

func TestAuditEntryEntityID(t *testing.T) {
	id := uuid.New()
	kind := string(exchange.KindWorker)
	a := &exchange.AuditEntry{EntityKind: &kind, EntityUUID: &id}
	if got := a.EntityID(); got == nil || *got != exchange.GlobalID(exchange.KindWorker, id) {
		t.Errorf("entity ID %v", got)
	}
	if got := (&exchange.AuditEntry{}).EntityID(); got != nil {
		t.Errorf("no entity: %v", *got)
	}
}
