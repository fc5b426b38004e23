package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// FuzzDecodeCursor: a cursor from a client is either BAD_USER_INPUT naming after, or a
// key that encodes back to the same cursor position; nothing panics.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC), uuid.MustParse("0191f1a2-7c3e-7d4a-9b2f-3c4d5e6f7a8b")))
	f.Add(encodeCursor("x", 1))
	f.Add(encodeCursor())
	f.Add("W10")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, s string) {
		var at time.Time
		var id uuid.UUID
		ok, err := decodeCursor(s, &at, &id)
		if err != nil {
			var e *exchange.Error
			if !errors.As(err, &e) || e.Code != exchange.CodeBadUserInput || len(e.Field) != 1 || e.Field[0] != "after" {
				t.Fatalf("decodeCursor(%q): %v, want BAD_USER_INPUT on after", s, err)
			}
			return
		}
		if !ok {
			return
		}
		var at2 time.Time
		var id2 uuid.UUID
		if _, err := decodeCursor(encodeCursor(at, id), &at2, &id2); err != nil || !at2.Equal(at) || id2 != id {
			t.Fatalf("decodeCursor(%q) = %v %v, which does not round-trip: %v %v %v", s, at, id, at2, id2, err)
		}
	})
}
