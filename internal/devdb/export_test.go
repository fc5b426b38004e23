package devdb

import "testing"

// SetLibGlob points the search of /usr/lib/postgresql/*/bin elsewhere until tb ends.
func SetLibGlob(tb testing.TB, glob string) {
	old := libGlob
	libGlob = glob
	tb.Cleanup(func() { libGlob = old })
}
