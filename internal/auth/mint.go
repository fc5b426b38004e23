package auth

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims is what Mint puts in a token.
type Claims struct {
	// Issuer is the center code, or OperatorIssuer.
	Issuer  string
	Subject string
	// Audience defaults to DefaultAudience.
	Audience []string
	// Roles are role names such as "publisher" or "coordinator".
	Roles []string
	// TTL is how long the token is valid, at most MaxLifetime.
	TTL time.Duration
	// IssuedAt defaults to now.
	IssuedAt time.Time
	// ID is the optional jti.
	ID string
}

// Mint signs a token the way a center's system would, for `laborx token mint`, demos and
// tests. The algorithm follows from the key: EdDSA, ES256 or RS256.
func Mint(signer crypto.Signer, kid string, c Claims) (string, error) {
	switch {
	case kid == "":
		return "", errors.New("mint token: kid is required")
	case c.Issuer == "" || c.Subject == "":
		return "", errors.New("mint token: issuer and subject are required")
	case c.TTL <= 0 || c.TTL > MaxLifetime:
		return "", fmt.Errorf("mint token: ttl %s is not between 0 and %s", c.TTL, MaxLifetime)
	}
	alg, err := AlgForKey(signer)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	aud := c.Audience
	if len(aud) == 0 {
		aud = []string{DefaultAudience}
	}
	t := jwt.NewWithClaims(jwt.GetSigningMethod(alg), tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    c.Issuer,
			Subject:   c.Subject,
			Audience:  aud,
			IssuedAt:  jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(iat.Add(c.TTL)),
			ID:        c.ID,
		},
		Roles: c.Roles,
	})
	t.Header["kid"] = kid
	s, err := t.SignedString(signer)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return s, nil
}
