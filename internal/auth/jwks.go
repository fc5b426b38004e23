package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// KeySet holds the national operator's public keys, read from a JWKS file (RFC 7517)
// when the server starts. It is immutable and safe for concurrent use.
type KeySet struct {
	keys map[string]operatorKey
}

type operatorKey struct {
	alg string
	pub crypto.PublicKey
}

// lookup finds a key by kid; a nil set holds no keys.
func (s *KeySet) lookup(kid string) (operatorKey, bool) {
	if s == nil {
		return operatorKey{}, false
	}
	k, ok := s.keys[kid]
	return k, ok
}

// jwk is the subset of RFC 7517/7518/8037 members laborx reads and writes.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	D   string `json:"d,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
}

// LoadJWKS reads the operator keys from a JWKS file.
func LoadJWKS(path string) (*KeySet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load operator keys: %w", err)
	}
	ks, err := ParseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("load operator keys from %s: %w", path, err)
	}
	return ks, nil
}

// ParseJWKS reads a JWKS document: {"keys": [...]} with OKP Ed25519, EC P-256 or RSA
// signing keys, each with a unique kid. A key's alg, when given, must fit its type.
// Private key members are refused: the server must never hold operator private keys.
func ParseJWKS(data []byte) (*KeySet, error) {
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse JWKS: %w", err)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("parse JWKS: no keys")
	}
	ks := &KeySet{keys: make(map[string]operatorKey, len(doc.Keys))}
	for i, k := range doc.Keys {
		key, err := k.operatorKey()
		if err != nil {
			return nil, fmt.Errorf("parse JWKS: key %d (kid %q): %w", i, k.Kid, err)
		}
		if _, dup := ks.keys[k.Kid]; dup {
			return nil, fmt.Errorf("parse JWKS: kid %q appears twice", k.Kid)
		}
		ks.keys[k.Kid] = key
	}
	return ks, nil
}

func (k *jwk) operatorKey() (operatorKey, error) {
	switch {
	case k.Kid == "":
		return operatorKey{}, errors.New("kid is required")
	case k.D != "":
		return operatorKey{}, errors.New("contains private key material; give the server public keys only")
	case k.Use != "" && k.Use != "sig":
		return operatorKey{}, fmt.Errorf("use %q is not sig", k.Use)
	}
	pub, err := k.publicKey()
	if err != nil {
		return operatorKey{}, err
	}
	alg, err := algForPublicKey(pub)
	if err != nil {
		return operatorKey{}, err
	}
	if k.Alg != "" && !acceptsAlg(alg, k.Alg) {
		return operatorKey{}, fmt.Errorf("alg %q does not fit a %s key", k.Alg, k.Kty)
	}
	return operatorKey{alg: alg, pub: pub}, nil
}

func (k *jwk) publicKey() (crypto.PublicKey, error) {
	switch {
	case k.Kty == "OKP" && k.Crv == "Ed25519":
		x, err := decodeMember("x", k.X, ed25519.PublicKeySize)
		if err != nil {
			return nil, err
		}
		return ed25519.PublicKey(x), nil
	case k.Kty == "EC" && k.Crv == "P-256":
		x, err := decodeMember("x", k.X, 32)
		if err != nil {
			return nil, err
		}
		y, err := decodeMember("y", k.Y, 32)
		if err != nil {
			return nil, err
		}
		// ParseUncompressedPublicKey also checks that the point is on the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("EC key: %w", err)
		}
		return pub, nil
	case k.Kty == "RSA":
		n, err := decodeMember("n", k.N, 0)
		if err != nil {
			return nil, err
		}
		e, err := decodeMember("e", k.E, 0)
		if err != nil {
			return nil, err
		}
		exp := new(big.Int).SetBytes(e)
		if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 || exp.Bit(0) == 0 {
			return nil, errors.New("RSA exponent e is invalid")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
	}
	return nil, fmt.Errorf("kty %q crv %q is not supported, use OKP Ed25519, EC P-256 or RSA", k.Kty, k.Crv)
}

// decodeMember decodes a base64url member; size, when not zero, is its required length.
func decodeMember(name, value string, size int) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("member %s is not base64url", name)
	}
	if size != 0 && len(b) != size {
		return nil, fmt.Errorf("member %s has %d bytes, want %d", name, len(b), size)
	}
	return b, nil
}

// PublicJWK returns pub as a JWK signing key with the given kid and alg, the form
// operator JWKS files hold and the API shows center keys in. It refuses a key that does
// not fit alg.
func PublicJWK(pub crypto.PublicKey, kid, alg string) (map[string]any, error) {
	if err := checkKeyType(pub, alg); err != nil {
		return nil, fmt.Errorf("public JWK: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	j := map[string]any{"kid": kid, "alg": alg, "use": "sig"}
	switch p := pub.(type) {
	case ed25519.PublicKey:
		j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", b64(p)
	case *ecdsa.PublicKey:
		raw, err := p.Bytes() // 0x04 || X || Y, each 32 bytes for P-256
		if err != nil {
			return nil, fmt.Errorf("public JWK: %w", err)
		}
		j["kty"], j["crv"], j["x"], j["y"] = "EC", "P-256", b64(raw[1:33]), b64(raw[33:])
	case *rsa.PublicKey:
		j["kty"], j["n"], j["e"] = "RSA", b64(p.N.Bytes()), b64(big.NewInt(int64(p.E)).Bytes())
	}
	return j, nil
}

// MarshalJWKS writes keys made by PublicJWK as a JWKS document.
func MarshalJWKS(keys ...map[string]any) ([]byte, error) {
	if keys == nil {
		keys = []map[string]any{}
	}
	data, err := json.MarshalIndent(map[string]any{"keys": keys}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal JWKS: %w", err)
	}
	return append(data, '\n'), nil
}
