package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// AlgEd25519 is EdDSA over Ed25519 under its newer, fully-specified name (RFC 9864).
// Newer JOSE libraries write it in the token header; a key registered as EdDSA accepts
// both names.
const AlgEd25519 = "Ed25519"

// MinRSABits is the smallest RSA modulus accepted for RS256.
const MinRSABits = 2048

// headerAlgs are the only header algorithms the parser considers at all: none, HMAC and
// everything else are refused before a key is looked up.
var headerAlgs = []string{exchange.AlgEdDSA, AlgEd25519, exchange.AlgES256, exchange.AlgRS256}

func init() {
	jwt.RegisterSigningMethod(AlgEd25519, func() jwt.SigningMethod { return ed25519Method{jwt.SigningMethodEdDSA} })
}

// ed25519Method verifies and signs exactly like the library's EdDSA method; only its
// name differs.
type ed25519Method struct {
	*jwt.SigningMethodEd25519
}

func (ed25519Method) Alg() string { return AlgEd25519 }

// CanonicalAlg returns the name a key's algorithm is registered under (EdDSA, ES256 or
// RS256), accepting Ed25519 as EdDSA. ok is false for any other algorithm.
func CanonicalAlg(alg string) (canonical string, ok bool) {
	switch alg {
	case exchange.AlgEdDSA, AlgEd25519:
		return exchange.AlgEdDSA, true
	case exchange.AlgES256, exchange.AlgRS256:
		return alg, true
	}
	return "", false
}

// acceptsAlg reports whether a key registered for keyAlg may verify a token whose header
// names headerAlg. This is the check that stops algorithm confusion: a key verifies
// tokens of its own algorithm only.
func acceptsAlg(keyAlg, headerAlg string) bool {
	k, ok1 := CanonicalAlg(keyAlg)
	h, ok2 := CanonicalAlg(headerAlg)
	return ok1 && ok2 && k == h
}

// AlgForKey returns the algorithm a private key signs with: EdDSA, ES256 or RS256.
func AlgForKey(k crypto.Signer) (string, error) {
	alg, err := algForPublicKey(k.Public())
	if err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	return alg, nil
}

func algForPublicKey(pub crypto.PublicKey) (string, error) {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		return exchange.AlgEdDSA, nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return "", fmt.Errorf("ECDSA curve %s is not supported, use P-256", p.Curve.Params().Name)
		}
		return exchange.AlgES256, nil
	case *rsa.PublicKey:
		if p.N.BitLen() < MinRSABits {
			return "", fmt.Errorf("RSA key has %d bits, at least %d are required", p.N.BitLen(), MinRSABits)
		}
		return exchange.AlgRS256, nil
	}
	return "", fmt.Errorf("key type %T is not supported, use Ed25519, ECDSA P-256 or RSA", pub)
}

// checkKeyType returns an INVALID_KEY error unless pub is the kind of key alg needs, so
// a key registered for one algorithm can never be used with another.
func checkKeyType(pub crypto.PublicKey, alg string) error {
	want, ok := CanonicalAlg(alg)
	if !ok {
		return exchange.Errorf(exchange.CodeInvalidKey, "algorithm %q is not supported, use EdDSA, ES256 or RS256", alg)
	}
	got, err := algForPublicKey(pub)
	if err != nil {
		return exchange.Errorf(exchange.CodeInvalidKey, "%s", err.Error())
	}
	if got != want {
		return exchange.Errorf(exchange.CodeInvalidKey, "%s needs %s, not %s", want, keyKind(want), keyKind(got))
	}
	return nil
}

func keyKind(alg string) string {
	switch alg {
	case exchange.AlgEdDSA:
		return "an Ed25519 key"
	case exchange.AlgES256:
		return "an ECDSA P-256 key"
	}
	return "an RSA key"
}
