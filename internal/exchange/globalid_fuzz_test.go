package exchange_test

import (
	"encoding/base64"
	"testing"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// FuzzParseGlobalID: any string is either NOT_FOUND or a (kind, key) that encodes
// back to an ID naming the same object; nothing panics.
func FuzzParseGlobalID(f *testing.F) {
	f.Add(exchange.GlobalID(exchange.KindWorker, uuid.MustParse("0191f1a2-7c3e-7d4a-9b2f-3c4d5e6f7a8b")))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("Referral:urn:uuid:0191f1a2-7c3e-7d4a-9b2f-3c4d5e6f7a8b")))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("Center:not-a-uuid")))
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		kind, id, err := exchange.ParseGlobalID(s)
		if err != nil {
			if exchange.ErrorCode(err) != exchange.CodeNotFound {
				t.Fatalf("ParseGlobalID(%q): %v, want NOT_FOUND", s, err)
			}
			return
		}
		kind2, id2, err := exchange.ParseGlobalID(exchange.GlobalID(kind, id))
		if err != nil || kind2 != kind || id2 != id {
			t.Fatalf("ParseGlobalID(%q) = %s %s, which does not round-trip: %s %s %v", s, kind, id, kind2, id2, err)
		}
	})
}

// TestGlobalIDSpelling: IDs stay what clients have stored, base64url of "Kind:uuid".
func TestGlobalIDSpelling(t *testing.T) {
	kinds := []exchange.Kind{exchange.KindCenter, exchange.KindLaborDemand, exchange.KindBenefitDocument, ""}
	ids := []uuid.UUID{uuid.Nil, uuid.Max, uuid.MustParse("0191f1a2-7c3e-7d4a-9b2f-3c4d5e6f7a8b"), uuid.New(), uuid.New()}
	for _, k := range kinds {
		for _, id := range ids {
			want := base64.RawURLEncoding.EncodeToString([]byte(string(k) + ":" + id.String()))
			if got := exchange.GlobalID(k, id); got != want {
				t.Errorf("GlobalID(%q, %s) = %s, want %s", k, id, got, want)
			}
		}
	}
}
