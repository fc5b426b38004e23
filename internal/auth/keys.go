package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/laborx/laborx/internal/exchange"
)

// GenerateEd25519 returns a new Ed25519 private key, the default for new center and
// operator keys.
func GenerateEd25519() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate Ed25519 key: %w", err)
	}
	return priv, nil
}

// MarshalPrivateKeyPEM encodes a private key as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("marshal private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM decodes a PKCS#8 "PRIVATE KEY" block, or the older "EC PRIVATE KEY"
// and "RSA PRIVATE KEY" blocks that openssl still writes.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse private key: no PEM block found")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("parse private key: unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("parse private key: %T cannot sign", key)
	}
	return signer, nil
}

// MarshalPublicKeyPEM encodes a public key as a PKIX "PUBLIC KEY" PEM block, the form
// addCenterKey takes.
func MarshalPublicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM decodes one PEM public key ("PUBLIC KEY", or PKCS#1 "RSA PUBLIC KEY")
// and checks that it fits alg: EdDSA (or Ed25519) needs an Ed25519 key, ES256 an ECDSA
// P-256 key, RS256 an RSA key of at least 2048 bits. Every failure is an INVALID_KEY
// *exchange.Error whose message tells the user what to fix.
func ParsePublicKeyPEM(pemText string, alg string) (crypto.PublicKey, error) {
	if _, ok := CanonicalAlg(alg); !ok {
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "algorithm %q is not supported, use EdDSA, ES256 or RS256", alg)
	}
	block, rest := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "not a PEM-encoded public key")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "expected exactly one PEM block")
	}
	var (
		pub any
		err error
	)
	switch {
	case block.Type == "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case block.Type == "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case strings.Contains(block.Type, "PRIVATE KEY"):
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "this is a private key: register only its public half")
	default:
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "expected a PUBLIC KEY PEM block, got %q", block.Type)
	}
	if err != nil {
		return nil, exchange.Errorf(exchange.CodeInvalidKey, "cannot parse the public key")
	}
	if err := checkKeyType(pub, alg); err != nil {
		return nil, err
	}
	return pub, nil
}

// keyCacheSize bounds the parsed-key cache. Centers hold a handful of keys each; the
// bound only stops endless key rotation from growing memory.
const keyCacheSize = 1024

// keyCache keeps parsed center public keys, least recently used first out. It caches
// parsing only, never the decision to trust a key: the key row is read on every
// request. Entries are keyed by a hash of the PEM, so a kid whose key text changes is
// parsed afresh.
type keyCache struct {
	keys *lru.Cache[cacheKey, crypto.PublicKey]
}

type cacheKey struct {
	kid, alg string
	pemHash  [sha256.Size]byte
}

func newKeyCache() *keyCache {
	c, err := lru.New[cacheKey, crypto.PublicKey](keyCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &keyCache{keys: c}
}

// publicKey returns the parsed key, parsing and caching it on a miss. A nil cache
// parses every time.
func (c *keyCache) publicKey(kid, alg, pemText string) (crypto.PublicKey, error) {
	if c == nil {
		return ParsePublicKeyPEM(pemText, alg)
	}
	ck := cacheKey{kid: kid, alg: alg, pemHash: sha256.Sum256([]byte(pemText))}
	if pub, ok := c.keys.Get(ck); ok {
		return pub, nil
	}
	pub, err := ParsePublicKeyPEM(pemText, alg)
	if err != nil {
		return nil, err
	}
	c.keys.Add(ck, pub)
	return pub, nil
}
