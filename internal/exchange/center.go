package exchange

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// CenterStatus is ACTIVE or SUSPENDED; a suspended center's tokens are refused.
type CenterStatus string

const (
	CenterActive    CenterStatus = "ACTIVE"
	CenterSuspended CenterStatus = "SUSPENDED"
)

// Center is a provincial public employment service center.
type Center struct {
	ID           uuid.UUID    `db:"id"`
	Code         string       `db:"code"`
	Name         string       `db:"name"`
	ProvinceCode string       `db:"province_code"`
	Email        *string      `db:"email"`
	Phone        *string      `db:"phone"`
	Status       CenterStatus `db:"status"`
	CreatedAt    time.Time    `db:"created_at"`
	UpdatedAt    time.Time    `db:"updated_at"`
	Version      int          `db:"version"`
}

// Key algorithms a center may register (DESIGN §4). HMAC and none are never accepted.
const (
	AlgEdDSA = "EdDSA"
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
)

// CenterKey is the public half of a key a center signs its tokens with.
type CenterKey struct {
	ID           uuid.UUID    `db:"id"`
	KID          string       `db:"kid"`
	CenterID     uuid.UUID    `db:"center_id"`
	CenterCode   string       `db:"center_code"`
	CenterStatus CenterStatus `db:"center_status"`
	Alg          string       `db:"alg"`
	PublicKeyPEM string       `db:"public_key_pem"`
	CreatedAt    time.Time    `db:"created_at"`
	NotAfter     *time.Time   `db:"not_after"`
	RevokedAt    *time.Time   `db:"revoked_at"`
	Version      int          `db:"version"`
}

// Usable reports whether the key may verify a token at time now.
func (k *CenterKey) Usable(now time.Time) bool {
	if k.RevokedAt != nil && !k.RevokedAt.After(now) {
		return false
	}
	if k.NotAfter != nil && !k.NotAfter.After(now) {
		return false
	}
	return k.CenterStatus == CenterActive
}

// KeyLookup finds a center key by kid, with its center's code and status, for token
// verification. It returns a NOT_FOUND *Error when no key has that kid.
type KeyLookup interface {
	CenterKeyByKID(ctx context.Context, kid string) (*CenterKey, error)
}

// RegisterCenterInput registers a center (operator only).
type RegisterCenterInput struct {
	IdempotencyKey *string `json:"-"`
	Code           string  `json:"code"`
	Name           string  `json:"name"`
	ProvinceCode   string  `json:"provinceCode"`
	Email          *string `json:"email"`
	Phone          *string `json:"phone"`
}

// UpdateCenterInput changes a center's details (operator only); nil fields stay.
type UpdateCenterInput struct {
	CenterCode      string
	Name            *string
	ProvinceCode    *string
	Email           *string
	Phone           *string
	ExpectedVersion *int
}

// SuspendCenterInput suspends a center; its tokens are refused from then on.
type SuspendCenterInput struct {
	CenterCode      string
	Reason          string
	ExpectedVersion *int
}

// ReinstateCenterInput makes a suspended center active again.
type ReinstateCenterInput struct {
	CenterCode      string
	ExpectedVersion *int
}

// AddCenterKeyInput registers a public key for a center's tokens.
type AddCenterKeyInput struct {
	CenterCode   string
	Kid          string
	Alg          string
	PublicKeyPem string
	NotAfter     *time.Time
	// Proof is the proof of possession of the new key a center's coordinator sends
	// (DecideAddKey); the operator need not.
	Proof *string
}

// RevokeCenterKeyInput revokes a key by kid.
type RevokeCenterKeyInput struct {
	Kid string
}

// CenterFilter narrows the center directory.
type CenterFilter struct {
	ProvinceCodes []string
	Statuses      []CenterStatus
}

// CenterService manages the directory of centers and their keys. Every method takes
// the caller from ctx and checks what it may see or do.
type CenterService interface {
	Center(ctx context.Context, id uuid.UUID) (*Center, error)
	CenterByCode(ctx context.Context, code string) (*Center, error)
	Centers(ctx context.Context, f CenterFilter, page PageArgs) (*Page[*Center], error)
	RegisterCenter(ctx context.Context, in RegisterCenterInput) (*Center, error)
	UpdateCenter(ctx context.Context, in UpdateCenterInput) (*Center, error)
	SuspendCenter(ctx context.Context, in SuspendCenterInput) (*Center, error)
	ReinstateCenter(ctx context.Context, in ReinstateCenterInput) (*Center, error)
	AddCenterKey(ctx context.Context, in AddCenterKeyInput) (*CenterKey, error)
	RevokeCenterKey(ctx context.Context, in RevokeCenterKeyInput) (*CenterKey, error)
	CenterKey(ctx context.Context, id uuid.UUID) (*CenterKey, error)
}
