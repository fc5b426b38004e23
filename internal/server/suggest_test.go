package server

import (
	"strings"
	"testing"
)

func TestTidyMessage(t *testing.T) {
	if got := tidyMessage(`Unknown argument "fliter" on field "Query.laborDemands". Did you mean "filter" or "after"?`); got != `Unknown argument "fliter" on field "Query.laborDemands".` {
		t.Errorf("suggestion kept: %q", got)
	}
	long := tidyMessage(`no object has ID "` + strings.Repeat("ế", 1000) + `"`)
	if len(long) > maxMessageBytes+len("…") || !strings.HasSuffix(long, "…") || !strings.HasPrefix(long, "no object has ID") {
		t.Errorf("long message: %d bytes, %q…", len(long), long[:40])
	}
}
