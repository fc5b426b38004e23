package postgres

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// Cursors are the sort key of the last row seen, JSON-encoded and base64url'd: keyset
// pagination continues strictly after it, so pages stay stable under inserts.

func encodeCursor(key ...any) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor fills dst from an opaque cursor; an empty cursor leaves dst untouched and
// reports false.
func decodeCursor(s string, dst ...any) (bool, error) {
	if s == "" {
		return false, nil
	}
	bad := exchange.BadCursor(false)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false, bad
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) != len(dst) {
		return false, bad
	}
	for i, p := range parts {
		if err := json.Unmarshal(p, dst[i]); err != nil {
			return false, bad
		}
	}
	return true, nil
}

// likeContains builds a LIKE pattern that matches s anywhere, with LIKE's wildcards in s
// taken literally (use with ESCAPE '\').
func likeContains(s string) string { return "%" + likeEscape.Replace(s) + "%" }

// likeEscape takes LIKE's wildcards and its escape character literally.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likePrefix is likeContains for a prefix match.
func likePrefix(s string) string { return likeEscape.Replace(s) + "%" }

// likeSuffix is likeContains for a suffix match.
func likeSuffix(s string) string { return "%" + likeEscape.Replace(s) }

// pageOf trims the limit+1 rows a query fetched to one page and computes cursors.
func pageOf[T any](rows []T, first int, cursor func(T) string) *exchange.Page[T] {
	p := &exchange.Page[T]{}
	if len(rows) > first {
		rows = rows[:first]
		p.HasNextPage = true
	}
	p.Items = rows
	p.Cursors = make([]string, len(rows))
	if cursor == nil {
		return p // no cursor selected (PageArgs.NoCursors)
	}
	for i, r := range rows {
		p.Cursors[i] = cursor(r)
	}
	return p
}

// afterCreated decodes the cursor of a list ordered by (created_at, id) descending into
// keysetQuery's after: nil for the first page.
func afterCreated(after string) ([]any, error) {
	var at time.Time
	var id uuid.UUID
	ok, err := decodeCursor(after, &at, &id)
	if err != nil || !ok {
		return nil, err
	}
	return []any{at, id}, nil
}

// afterOrdered decodes the cursor of a list that has several orders, (order, key, id)
// with a key of type K, into keysetQuery's after: nil for the first page; a cursor that
// does not decode, or was made for another order, is BAD_CURSOR.
func afterOrdered[K any](after, order string) ([]any, error) {
	var ord string
	var k K
	var id uuid.UUID
	ok, err := decodeCursor(after, &ord, &k, &id)
	if err != nil || (ok && ord != order) {
		return nil, exchange.BadCursor(true)
	}
	if !ok {
		return nil, nil
	}
	return []any{k, id}, nil
}

// textsOf converts a list of string enums into the text[] a query takes.
func textsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
