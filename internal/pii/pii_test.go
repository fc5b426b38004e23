package pii_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/laborx/laborx/internal/pii"
)

const nationalID = "001085012345"

func mustProtector(t *testing.T, keyByte byte) *pii.Protector {
	t.Helper()
	p, err := pii.New(bytes.Repeat([]byte{keyByte}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSealOpen(t *testing.T) {
	p := mustProtector(t, 1)
	workerID := []byte("worker 7d0c9c6e")

	sealed, err := p.Seal(nationalID, workerID)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("round trip", func(t *testing.T) {
		got, err := p.Open(sealed, workerID)
		if err != nil || got != nationalID {
			t.Fatalf("Open = %q, %v; want %q", got, err, nationalID)
		}
	})
	t.Run("layout: version, nonce, ciphertext and tag", func(t *testing.T) {
		if sealed[0] != 1 {
			t.Errorf("version byte %d, want 1", sealed[0])
		}
		if want := 1 + 12 + len(nationalID) + 16; len(sealed) != want {
			t.Errorf("sealed is %d bytes, want %d", len(sealed), want)
		}
	})
	t.Run("ciphertext does not contain the digits", func(t *testing.T) {
		for range 100 {
			s, err := p.Seal(nationalID, workerID)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{nationalID, nationalID[:6], nationalID[8:]} {
				if bytes.Contains(s, []byte(part)) {
					t.Fatalf("sealed value %q contains %q", s, part)
				}
			}
		}
	})
	t.Run("fresh nonce each time", func(t *testing.T) {
		again, err := p.Seal(nationalID, workerID)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(again, sealed) {
			t.Error("sealing the same ID twice gave the same bytes")
		}
	})
	t.Run("empty plaintext", func(t *testing.T) {
		s, err := p.Seal("", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.Open(s, nil); err != nil || got != "" {
			t.Errorf("Open = %q, %v; want empty", got, err)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	p := mustProtector(t, 1)
	workerID := []byte("worker 1")
	sealed, err := p.Seal(nationalID, workerID)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name       string
		p          *pii.Protector
		sealed     []byte
		associated []byte
	}{
		{"tampered ciphertext", p, flip(14), workerID},
		{"tampered tag", p, flip(len(sealed) - 1), workerID},
		{"tampered nonce", p, flip(1), workerID},
		{"tampered version", p, flip(0), workerID},
		{"truncated", p, sealed[:len(sealed)-1], workerID},
		{"too short to hold a tag", p, sealed[:20], workerID},
		{"empty", p, nil, workerID},
		{"wrong key", mustProtector(t, 2), sealed, workerID},
		{"other worker's row", p, sealed, []byte("worker 2")},
		{"no associated data", p, sealed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Open(tt.sealed, tt.associated)
			if !errors.Is(err, pii.ErrCannotOpen) {
				t.Errorf("Open = %q, %v; want ErrCannotOpen", got, err)
			}
			if got != "" {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
		})
	}
}

func TestHash(t *testing.T) {
	p1, p1again, p2 := mustProtector(t, 1), mustProtector(t, 1), mustProtector(t, 2)
	h := p1.Hash(nationalID)
	if len(h) != 32 {
		t.Errorf("hash is %d bytes, want 32", len(h))
	}
	if !bytes.Equal(h, p1again.Hash(nationalID)) {
		t.Error("same key and ID hash differently")
	}
	if bytes.Equal(h, p1.Hash("001085012346")) {
		t.Error("different IDs hash equally")
	}
	if bytes.Equal(h, p2.Hash(nationalID)) {
		t.Error("different keys hash equally")
	}
}

func TestNewRefusesWrongKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := pii.New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-byte key", n)
		}
	}
}

func TestParseKey(t *testing.T) {
	key := make([]byte, pii.KeySize)
	for i := range key {
		key[i] = byte(0xf0 + i) // bytes that differ between base64 alphabets
	}
	valid := map[string]string{
		"hex":                hex.EncodeToString(key),
		"upper-case hex":     strings.ToUpper(hex.EncodeToString(key)),
		"base64":             base64.StdEncoding.EncodeToString(key),
		"base64 unpadded":    base64.RawStdEncoding.EncodeToString(key),
		"base64url":          base64.URLEncoding.EncodeToString(key),
		"base64url unpadded": base64.RawURLEncoding.EncodeToString(key),
		"with a newline":     base64.StdEncoding.EncodeToString(key) + "\n",
		"with spaces":        "  " + hex.EncodeToString(key) + " ",
	}
	for name, s := range valid {
		t.Run(name, func(t *testing.T) {
			got, err := pii.ParseKey(s)
			if err != nil || !bytes.Equal(got, key) {
				t.Errorf("ParseKey(%q) = %x, %v; want %x", s, got, err, key)
			}
		})
	}
	invalid := map[string]string{
		"empty":        "",
		"short base64": base64.StdEncoding.EncodeToString(key[:16]),
		"long base64":  base64.StdEncoding.EncodeToString(append(key, 0)),
		"short hex":    hex.EncodeToString(key[:31]),
		"not hex":      strings.Repeat("g", 64),
		"passphrase":   "correct horse battery staple",
	}
	for name, s := range invalid {
		t.Run(name, func(t *testing.T) {
			got, err := pii.ParseKey(s)
			if err == nil {
				t.Fatalf("ParseKey(%q) = %x, want an error", s, got)
			}
			if !strings.Contains(err.Error(), "32 bytes written as base64 or as 64 hex characters") {
				t.Errorf("error %q does not say what a key looks like", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := pii.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := pii.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("two generated keys are equal")
	}
	key, err := pii.ParseKey(a)
	if err != nil {
		t.Fatalf("generated key %q does not parse: %v", a, err)
	}
	if _, err := pii.New(key); err != nil {
		t.Fatalf("generated key is refused: %v", err)
	}
}
