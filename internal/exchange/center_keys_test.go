package exchange_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// TestKeyRotationRules: who may add and revoke which key, without a database.
func TestKeyRotationRules(t *testing.T) {
	tng, hpg := uuid.New(), uuid.New()
	operator := &exchange.Principal{Roles: []exchange.Role{exchange.RoleOperator}}
	coord := &exchange.Principal{CenterID: tng, CenterCode: "TNG", Roles: []exchange.Role{exchange.RoleCoordinator}}
	publisher := &exchange.Principal{CenterID: tng, CenterCode: "TNG", Roles: []exchange.Role{exchange.RolePublisher}}
	proof := "a.b.c"
	blank := " "
	for _, c := range []struct {
		name      string
		p         *exchange.Principal
		center    string
		proof     *string
		wantProof bool
		want      exchange.Code
	}{
		{"operator, no proof", operator, "HPG", nil, false, ""},
		{"coordinator, own center", coord, " tng ", &proof, true, ""},
		{"coordinator, no proof", coord, "TNG", nil, false, exchange.CodeRequired},
		{"coordinator, blank proof", coord, "TNG", &blank, false, exchange.CodeRequired},
		{"coordinator, other center", coord, "HPG", &proof, false, exchange.CodeForbidden},
		{"publisher", publisher, "TNG", &proof, false, exchange.CodeForbidden},
		{"anonymous", nil, "TNG", &proof, false, exchange.CodeUnauthenticated},
	} {
		needs, err := exchange.DecideAddKey(c.p, c.center, c.proof)
		if code := codeOf(err); code != c.want || needs != c.wantProof {
			t.Errorf("add, %s: needs proof %v, %v", c.name, needs, err)
		}
	}

	now := time.Now()
	past := now.Add(-time.Minute)
	own := &exchange.CenterKey{KID: "TNG-1", CenterID: tng, CenterStatus: exchange.CenterActive}
	revoked := &exchange.CenterKey{KID: "TNG-0", CenterID: tng, CenterStatus: exchange.CenterActive, RevokedAt: &past}
	foreign := &exchange.CenterKey{KID: "HPG-1", CenterID: hpg, CenterStatus: exchange.CenterActive}
	for _, c := range []struct {
		name   string
		p      *exchange.Principal
		k      *exchange.CenterKey
		others int
		want   exchange.Code
	}{
		{"coordinator, own key, another stays", coord, own, 1, ""},
		{"coordinator, own last key", coord, own, 0, exchange.CodeLastActiveKey},
		{"coordinator, already revoked", coord, revoked, 1, exchange.CodeInvalidTransition},
		{"coordinator, another center's key", coord, foreign, 1, exchange.CodeNotFound},
		{"coordinator, no such key", coord, nil, 0, exchange.CodeNotFound},
		{"publisher", publisher, own, 1, exchange.CodeForbidden},
		{"operator, a last key", operator, foreign, 0, ""},
		{"anonymous", nil, own, 1, exchange.CodeUnauthenticated},
	} {
		if code := codeOf(exchange.DecideRevokeOwnKey(c.p, c.k, "kid", c.others)); code != c.want {
			t.Errorf("revoke, %s: %s, want %s", c.name, code, c.want)
		}
	}
	if n := exchange.UsableKeys([]*exchange.CenterKey{own, revoked, foreign}, now); n != 2 {
		t.Errorf("UsableKeys = %d, want 2", n)
	}
}
