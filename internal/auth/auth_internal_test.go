package auth

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// The center-key path of Verify (revoked key, suspended center, a key of center A in a
// token issued by B) runs against PostgreSQL in internal/server's HTTP tests; these
// cover the pure rules it is built from.

func TestCenterRoles(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		want  []exchange.Role
		err   string
	}{
		{"OK", []string{"publisher", "Coordinator"}, []exchange.Role{exchange.RolePublisher, exchange.RoleCoordinator}, ""},
		{"OKUnknownIgnored", []string{"VIEWER", "hr-admin"}, []exchange.Role{exchange.RoleViewer}, ""},
		{"OKDuplicates", []string{"viewer", "viewer"}, []exchange.Role{exchange.RoleViewer}, ""},
		{"ErrOperator", []string{"publisher", "operator"}, nil, "center tokens may not carry the operator role"},
		{"ErrNoValidRole", []string{"admin"}, nil, "token has no valid role (roles: publisher, coordinator or viewer)"},
		{"ErrNoRoles", nil, nil, "token has no valid role (roles: publisher, coordinator or viewer)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := centerRoles(tt.roles)
			if tt.err != "" {
				if exchange.ErrorCode(err) != exchange.CodeUnauthenticated || exchange.ErrorMessage(err) != tt.err {
					t.Fatalf("centerRoles = %v, %v; want UNAUTHENTICATED %q", got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("centerRoles = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestUnusableReason(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	past := now.Add(-time.Minute)
	tests := []struct {
		name string
		key  exchange.CenterKey
		want string
	}{
		{"Revoked", exchange.CenterKey{CenterStatus: exchange.CenterActive, RevokedAt: &past}, "key revoked"},
		{"Expired", exchange.CenterKey{CenterStatus: exchange.CenterActive, NotAfter: &past}, "key expired"},
		{"Suspended", exchange.CenterKey{CenterStatus: exchange.CenterSuspended}, "center suspended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.key.Usable(now) {
				t.Fatal("key is usable")
			}
			if got := unusableReason(&tt.key, now); got != tt.want {
				t.Errorf("unusableReason = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAcceptsAlg(t *testing.T) {
	tests := []struct {
		key, header string
		want        bool
	}{
		{"EdDSA", "EdDSA", true},
		{"EdDSA", "Ed25519", true},
		{"Ed25519", "EdDSA", true},
		{"ES256", "ES256", true},
		{"RS256", "RS256", true},
		{"ES256", "RS256", false},
		{"ES256", "EdDSA", false},
		{"RS256", "HS256", false},
		{"RS256", "none", false},
		{"HS256", "HS256", false},
	}
	for _, tt := range tests {
		if got := acceptsAlg(tt.key, tt.header); got != tt.want {
			t.Errorf("acceptsAlg(%s, %s) = %v, want %v", tt.key, tt.header, got, tt.want)
		}
	}
}

func TestKeyCache(t *testing.T) {
	priv, err := GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	pemText, err := MarshalPublicKeyPEM(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	c := newKeyCache()
	for i := range keyCacheSize + 10 {
		if _, err := c.publicKey(fmt.Sprintf("kid-%d", i), "EdDSA", string(pemText)); err != nil {
			t.Fatalf("publicKey: %v", err)
		}
	}
	if n := c.keys.Len(); n != keyCacheSize {
		t.Errorf("cache holds %d keys, want the bound %d", n, keyCacheSize)
	}
	// The same kid with a key text that no longer parses is not served from the cache.
	last := fmt.Sprintf("kid-%d", keyCacheSize+9)
	if _, err := c.publicKey(last, "EdDSA", "changed"); exchange.ErrorCode(err) != exchange.CodeInvalidKey {
		t.Errorf("publicKey(changed PEM) = %v, want INVALID_KEY", err)
	}
}
