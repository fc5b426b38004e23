// Package pii encrypts workers' national IDs (AES-256-GCM) and derives a keyed hash
// (HMAC-SHA-256) for de-duplication, from one 32-byte master key.
//
// The encryption and MAC keys are derived from the master key with HKDF-SHA-256 under
// distinct labels, so neither use weakens the other and the configuration holds a
// single secret (LABORX_PII_KEY). A sealed value is
//
//	version (1 byte) || nonce (12 bytes) || AES-256-GCM ciphertext and tag
//
// and the version byte is authenticated along with the caller's associated data, so a
// later key can be introduced under a new version while old values still open.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// keyVersion tags what Seal writes; Open refuses any other version.
const keyVersion byte = 1

const (
	encLabel = "laborx pii v1 national-id aes-256-gcm"
	macLabel = "laborx pii v1 national-id hmac-sha-256"
)

// Protector seals and hashes national IDs. It is safe for concurrent use.
type Protector struct {
	aead   cipher.AEAD
	macKey []byte
}

// New returns a Protector for a 32-byte master key.
func New(masterKey []byte) (*Protector, error) {
	if len(masterKey) != KeySize {
		return nil, fmt.Errorf("pii: master key must be %d bytes, got %d", KeySize, len(masterKey))
	}
	encKey, err := hkdf.Key(sha256.New, masterKey, nil, encLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("pii: derive encryption key: %w", err)
	}
	macKey, err := hkdf.Key(sha256.New, masterKey, nil, macLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("pii: derive hash key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("pii: new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: new GCM: %w", err)
	}
	return &Protector{aead: aead, macKey: macKey}, nil
}

// ParseKey decodes a master key written as 64 hex characters or as base64 (standard or
// URL alphabet, padded or not). Surrounding whitespace, such as a file's trailing
// newline, is ignored.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if key, err := enc.DecodeString(s); err == nil && len(key) == KeySize {
			return key, nil
		}
	}
	return nil, fmt.Errorf("pii: key must be %d bytes written as base64 or as %d hex characters (generate one with `openssl rand -base64 32`)",
		KeySize, 2*KeySize)
}

// GenerateKey returns a new random master key in standard base64, as ParseKey reads it.
func GenerateKey() (string, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("pii: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

// Seal encrypts plaintext bound to associated, e.g. the worker's ID, so that a sealed
// value copied onto another row does not open there. Every call uses a fresh random
// nonce: sealing the same ID twice gives different bytes (use Hash to compare).
func (p *Protector) Seal(plaintext string, associated []byte) ([]byte, error) {
	out := make([]byte, 1+p.aead.NonceSize(), 1+p.aead.NonceSize()+len(plaintext)+p.aead.Overhead())
	out[0] = keyVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	return p.aead.Seal(out, out[1:], []byte(plaintext), additionalData(keyVersion, associated)), nil
}

// ErrCannotOpen is returned for a sealed value that is malformed, was tampered with,
// was sealed under another key, or with other associated data.
var ErrCannotOpen = errors.New("pii: cannot open sealed value")

// Open decrypts what Seal produced with the same key and associated data.
func (p *Protector) Open(sealed []byte, associated []byte) (string, error) {
	header := 1 + p.aead.NonceSize()
	if len(sealed) < header+p.aead.Overhead() {
		return "", fmt.Errorf("%w: %d bytes is too short", ErrCannotOpen, len(sealed))
	}
	if sealed[0] != keyVersion {
		return "", fmt.Errorf("%w: unknown key version %d", ErrCannotOpen, sealed[0])
	}
	plain, err := p.aead.Open(nil, sealed[1:header], sealed[header:], additionalData(sealed[0], associated))
	if err != nil {
		return "", fmt.Errorf("%w: authentication failed (wrong key, wrong associated data or tampered)", ErrCannotOpen)
	}
	return string(plain), nil
}

// additionalData authenticates the version byte with the caller's data, so the version
// cannot be altered to send a value to another key.
func additionalData(version byte, associated []byte) []byte {
	return append([]byte{version}, associated...)
}

// Hash returns HMAC-SHA-256 of the national ID under the derived MAC key: equal IDs
// give equal hashes under one master key, and without the key the hash cannot be
// brute-forced from the small space of 12-digit numbers. Pass the normalised ID
// (exchange.NormalizeNationalID) so that spellings do not split one person in two.
func (p *Protector) Hash(nationalID string) []byte {
	mac := hmac.New(sha256.New, p.macKey)
	mac.Write([]byte(nationalID))
	return mac.Sum(nil)
}
