package redact_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/laborx/laborx/internal/redact"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://laborx:S3cr%40t@db:5432/laborx?sslmode=require": "postgres://laborx:xxxxx@db:5432/laborx?sslmode=require",
		"connect postgresql://u:p@h/d: refused":                     "connect postgresql://u:xxxxx@h/d: refused",
		"postgres://db:5432/laborx?user=a@b":                        "postgres://db:5432/laborx?user=a@b",
		"host=db user=laborx password=S3cret dbname=x":              "host=db user=laborx password=xxxxx dbname=x",
		"host=db password = 'se cr\\'et' dbname=x":                  "host=db password = xxxxx dbname=x",
		"nothing to hide": "nothing to hide",
	} {
		if got := redact.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttr(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: redact.Attr}))
	logger.Error("open postgres://a:hunter2@db/x", "url", "postgres://a:hunter2@db/x",
		"err", errors.New("dial postgres://a:hunter2@db/x"))
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("log line leaks the password: %s", buf.String())
	}
}
