package postgres

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// TestAfterOrdered: a cursor resumes only the order it was made for; another order's
// cursor, or one that does not decode, is BAD_CURSOR; no cursor is the first page.
func TestAfterOrdered(t *testing.T) {
	at, id := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), uuid.New()
	cur := encodeCursor("NEWEST", at, id)
	after, err := afterOrdered[time.Time](cur, "NEWEST")
	if err != nil || len(after) != 2 || !after[0].(time.Time).Equal(at) || after[1] != id {
		t.Errorf("own order: %v, %v", after, err)
	}
	if after, err := afterOrdered[time.Time]("", "NEWEST"); after != nil || err != nil {
		t.Errorf("no cursor: %v, %v", after, err)
	}
	for name, c := range map[string]string{"another order": cur, "not a cursor": "!!", "another key type": encodeCursor("WAGE_DESC", "x", id)} {
		order := "WAGE_DESC"
		if name == "not a cursor" {
			order = "NEWEST"
		}
		_, err := afterOrdered[int64](c, order)
		var e *exchange.Error
		if !errors.As(err, &e) || e.Error() != exchange.BadCursor(true).Error() {
			t.Errorf("%s: %v, want %v", name, err, exchange.BadCursor(true))
		}
	}
}
