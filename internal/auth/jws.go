package auth

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Detached JWS (RFC 7515 Appendix F) is how a center proves it signed an agreement: the
// center's own system signs the revision's termsHash with one of the keys it signs its
// tokens with, and sends "header..signature", the payload left out since both sides
// know it. golang-jwt's signing methods do the cryptography (the same code that checks
// tokens, with its EdDSA/ES256/RS256 encodings of RFC 7518); this file only frames it.
// The payload is the termsHash as 64 ASCII characters. The header names alg and kid;
// it may set "b64": false (RFC 7797, then listed in "crit") to sign those characters
// unencoded; no other critical header is understood.

// DetachedJWS is a parsed detached JWS whose signature is not yet checked.
type DetachedJWS struct {
	// Kid and Alg are the header's key id and algorithm.
	Kid, Alg string
	header   string // the protected header as sent (base64url)
	sig      []byte
	encoded  bool // b64: true, the default
}

type jwsHeader struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid"`
	B64  *bool    `json:"b64,omitempty"`
	Crit []string `json:"crit,omitempty"`
}

var strictBase64URL = base64.RawURLEncoding.Strict()

// ParseDetachedJWS reads a compact detached JWS. Every failure is an INVALID_SIGNATURE
// *exchange.Error at input.jws saying what is wrong.
func ParseDetachedJWS(s string) (*DetachedJWS, error) {
	s = strings.TrimSpace(s)
	if len(s) > exchange.MaxJWSBytes {
		return nil, exchange.InvalidSignature("the JWS is longer than %d bytes", exchange.MaxJWSBytes)
	}
	parts := strings.Split(s, ".")
	switch {
	case len(parts) != 3:
		return nil, exchange.InvalidSignature("a JWS in compact serialization has three parts separated by dots (header..signature)")
	case parts[1] != "":
		return nil, exchange.InvalidSignature("the JWS must be detached: leave the payload part empty (header..signature)")
	}
	raw, err := strictBase64URL.DecodeString(parts[0])
	if err != nil {
		return nil, exchange.InvalidSignature("the JWS header is not base64url")
	}
	var h jwsHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, exchange.InvalidSignature("the JWS header is not a JSON object")
	}
	sig, err := strictBase64URL.DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return nil, exchange.InvalidSignature("the JWS signature is not base64url")
	}
	j := &DetachedJWS{Kid: h.Kid, Alg: h.Alg, header: parts[0], sig: sig, encoded: h.B64 == nil || *h.B64}
	for _, c := range h.Crit {
		if c != "b64" {
			return nil, exchange.InvalidSignature("the JWS header marks %q critical, which is not understood", c)
		}
	}
	switch {
	case h.Kid == "":
		return nil, exchange.InvalidSignature("the JWS header has no kid: name the key that signed")
	case !slices.Contains(headerAlgs, h.Alg):
		return nil, exchange.InvalidSignature("the JWS algorithm %q is not supported (EdDSA, Ed25519, ES256 or RS256)", h.Alg)
	case !j.encoded && !slices.Contains(h.Crit, "b64"):
		return nil, exchange.InvalidSignature(`a JWS with "b64": false must list "b64" in "crit" (RFC 7797)`)
	}
	return j, nil
}

// Verify checks the signature over payload with pub, the public key registered for
// keyAlg. A key verifies signatures of its own algorithm only.
func (j *DetachedJWS) Verify(payload []byte, keyAlg string, pub crypto.PublicKey) error {
	if !acceptsAlg(keyAlg, j.Alg) {
		return exchange.InvalidSignature("the JWS algorithm %s does not fit key %q, registered for %s", j.Alg, j.Kid, keyAlg)
	}
	if err := jwt.GetSigningMethod(j.Alg).Verify(j.signingInput(payload), j.sig, pub); err != nil {
		return exchange.InvalidSignature("the JWS does not verify with key %q: it was not made over this termsHash with that key", j.Kid)
	}
	return nil
}

func (j *DetachedJWS) signingInput(payload []byte) string {
	if j.encoded {
		return j.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	}
	return j.header + "." + string(payload)
}

// SignDetached makes the detached JWS a center's system sends with signAgreement:
// payload (the termsHash) signed with signer under kid, the algorithm following from
// the key. `laborx agreement sign`, the demo and tests use it.
func SignDetached(signer crypto.Signer, kid string, payload []byte) (string, error) {
	alg, err := AlgForKey(signer)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	h, err := json.Marshal(jwsHeader{Alg: alg, Kid: kid})
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	j := &DetachedJWS{header: base64.RawURLEncoding.EncodeToString(h), encoded: true}
	sig, err := jwt.GetSigningMethod(alg).Sign(j.signingInput(payload), signer)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	return j.header + ".." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// PublicKey returns the key with kid from a JWKS document's set and the algorithm it
// is for; ok is false when the set has no such key. Offline verification
// (`laborx agreement verify`) reads a center's published JWKS with ParseJWKS.
func (s *KeySet) PublicKey(kid string) (alg string, pub crypto.PublicKey, ok bool) {
	k, ok := s.lookup(kid)
	return k.alg, k.pub, ok
}
