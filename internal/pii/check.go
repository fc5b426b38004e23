package pii

import (
	"crypto/hmac"
	"crypto/sha256"
)

// keyCheckText is what KeyCheck authenticates: fixed, so every holder of the same key
// computes the same value.
const keyCheckText = "laborx PII key check v1"

// KeyCheck identifies the key without revealing it: an HMAC of a fixed text under the
// hashing key. A database stores the value of the first key used on it, so an instance
// started with another key can refuse to start rather than write national IDs that the
// others cannot read or match.
func (p *Protector) KeyCheck() []byte {
	m := hmac.New(sha256.New, p.macKey)
	m.Write([]byte(keyCheckText))
	return m.Sum(nil)
}
