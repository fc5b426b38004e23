package scalar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalJSON writes stored JSON compacted (PostgreSQL's jsonb text has a space after
// every colon and comma). The response is written as gqlgen marshalled it, so this is
// where the JSON is checked too: what does not compact is written as null.
func MarshalJSON(v json.RawMessage) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		var b bytes.Buffer
		if len(v) == 0 || json.Compact(&b, v) != nil {
			_, _ = io.WriteString(w, "null")
			return
		}
		_, _ = w.Write(b.Bytes())
	})
}

// UnmarshalJSON accepts any JSON value.
func UnmarshalJSON(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	return b, nil
}
