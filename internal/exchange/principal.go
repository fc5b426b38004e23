package exchange

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// Role is what a token lets its bearer do.
type Role string

const (
	RolePublisher   Role = "PUBLISHER"
	RoleCoordinator Role = "COORDINATOR"
	RoleViewer      Role = "VIEWER"
	RoleOperator    Role = "OPERATOR"
)

// ParseRole accepts a role claim in any case ("publisher", "PUBLISHER").
func ParseRole(s string) (Role, bool) {
	r := Role(upper(s))
	switch r {
	case RolePublisher, RoleCoordinator, RoleViewer, RoleOperator:
		return r, true
	}
	return "", false
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Principal is the authenticated caller: a center's user, or a national operator.
type Principal struct {
	// CenterID and CenterCode are zero for operators.
	CenterID   uuid.UUID
	CenterCode string
	Subject    string
	Roles      []Role
	// KeyID is the kid of the key that signed the token, for the audit trail.
	KeyID string
	// ExpiresAt is when the token stops being valid; long-lived connections
	// (subscriptions) end then.
	ExpiresAt time.Time
}

// IsOperator reports whether the caller is the national operator.
func (p *Principal) IsOperator() bool {
	return p != nil && p.CenterID == uuid.Nil && slices.Contains(p.Roles, RoleOperator)
}

// Has reports whether the caller may act in role r. A coordinator may do what a
// publisher may; both may read what a viewer may (DESIGN §1).
func (p *Principal) Has(r Role) bool {
	if p == nil {
		return false
	}
	for _, have := range p.Roles {
		if have == r {
			return true
		}
		switch {
		case have == RoleCoordinator && (r == RolePublisher || r == RoleViewer):
			return true
		case have == RolePublisher && r == RoleViewer:
			return true
		}
	}
	return false
}

// Require returns FORBIDDEN unless the caller holds role r (or one that implies it).
func (p *Principal) Require(r Role) error {
	if err := Authenticated(p); err != nil {
		return err
	}
	if !p.Has(r) {
		return Errorf(CodeForbidden, "this action needs the %s role", r)
	}
	return nil
}

// Authenticated returns UNAUTHENTICATED when there is no caller.
func Authenticated(p *Principal) error {
	if p == nil {
		return Errorf(CodeUnauthenticated, "authentication required")
	}
	return nil
}
