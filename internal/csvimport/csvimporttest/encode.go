// Package csvimporttest makes import files in the encodings the importer accepts, for
// tests.
package csvimporttest

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// Windows1258 encodes text as Vietnamese Windows (and Excel) saves it: letters with a
// circumflex, breve or horn are one byte, tone marks a combining byte after them.
func Windows1258(tb testing.TB, text string) []byte {
	tb.Helper()
	enc := charmap.Windows1258.NewEncoder()
	var out []byte
	for _, r := range text {
		if b, err := enc.Bytes([]byte(string(r))); err == nil {
			out = append(out, b...)
			continue
		}
		d := []rune(norm.NFD.String(string(r)))
		b, err := enc.Bytes([]byte(norm.NFC.String(string(d[:len(d)-1])) + string(d[len(d)-1])))
		if err != nil {
			tb.Fatalf("cannot encode %q in Windows-1258: %v", r, err)
		}
		out = append(out, b...)
	}
	return out
}

// CodePoints is what a client that read the bytes of a file as a binary string sends
// in JSON: each byte as the code point of the same number.
func CodePoints(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
