package auth

import (
	"crypto"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// A proof of possession is how a center's coordinator shows, when adding a key, that
// the center holds its private half (exchange.DecideAddKey): a JWT signed with the new
// key, header kid the new kid, claims iss the center code, sub the new kid, aud
// exchange.KeyPossessionAudience, iat and exp at most an hour apart. It binds the key
// to the center and the kid, and it expires, so an old proof found in a log cannot
// register the key for anyone later.

// MintKeyPossession signs the proof that the holder of signer registers it as kid for
// centerCode (`laborx token proof`, tests).
func MintKeyPossession(signer crypto.Signer, kid, centerCode string, ttl time.Duration) (string, error) {
	return Mint(signer, kid, Claims{Issuer: centerCode, Subject: kid, Audience: []string{exchange.KeyPossessionAudience}, TTL: ttl})
}

// VerifyKeyPossession checks proof against pub, the new key registered for alg as kid
// of centerCode, at now. Every refusal is an INVALID_SIGNATURE *exchange.Error at
// input.proof that says what to fix.
func VerifyKeyPossession(proof string, pub crypto.PublicKey, alg, kid, centerCode string, now time.Time) error {
	if len(proof) > MaxTokenBytes {
		return exchange.InvalidKeyProof("the proof is longer than %d bytes", MaxTokenBytes)
	}
	var claims tokenClaims
	parser := jwt.NewParser(append(parserOptions(now, exchange.KeyPossessionAudience),
		jwt.WithIssuer(centerCode), jwt.WithSubject(kid))...)
	_, err := parser.ParseWithClaims(proof, &claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, exchange.InvalidKeyProof("the proof has a critical header, which is not understood")
		}
		if h, _ := t.Header["kid"].(string); h != kid {
			return nil, exchange.InvalidKeyProof("the proof's kid header is %q, not the new key's %q", h, kid)
		}
		if !acceptsAlg(alg, t.Method.Alg()) {
			return nil, exchange.InvalidKeyProof("the proof is signed with %s, but the new key is for %s", t.Method.Alg(), alg)
		}
		return pub, nil
	})
	var refusal *exchange.Error
	switch {
	case err == nil:
	case errors.As(err, &refusal):
		return refusal
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return exchange.InvalidKeyProof("the proof is not signed with the new key: sign it with the private half of publicKeyPem")
	case errors.Is(err, jwt.ErrTokenExpired):
		return exchange.InvalidKeyProof("the proof has expired: make a new one")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return exchange.InvalidKeyProof("the proof's aud must be %q", exchange.KeyPossessionAudience)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return exchange.InvalidKeyProof("the proof's iss must be the center code %s", centerCode)
	case errors.Is(err, jwt.ErrTokenInvalidSubject):
		return exchange.InvalidKeyProof("the proof's sub must be the new kid %q", kid)
	default:
		return exchange.InvalidKeyProof("the proof is not a valid JWT (iss, sub, aud, iat and exp required)")
	}
	if claims.ExpiresAt != nil && claims.IssuedAt != nil && claims.ExpiresAt.Sub(claims.IssuedAt.Time) > MaxLifetime {
		return exchange.InvalidKeyProof("the proof's lifetime exceeds 1 hour")
	}
	if claims.IssuedAt == nil {
		return exchange.InvalidKeyProof("the proof has no iat")
	}
	return nil
}
