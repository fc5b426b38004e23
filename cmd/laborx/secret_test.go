package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

// TestAbuse_SecretsInHelp: with the PII key and database URLs (with passwords) set in
// the environment, neither `--help` nor a mistyped flag prints them.
func TestAbuse_SecretsInHelp(t *testing.T) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(raw)
	const password = "Pw-9f3a1c7e"
	t.Setenv("LABORX_PII_KEY", key)
	t.Setenv("LABORX_DATABASE_URL", "postgres://laborx:"+password+"@127.0.0.1:1/laborx")
	t.Setenv("LABORX_READ_DATABASE_URL", "postgres://reader:"+password+"@127.0.0.1:1/laborx")
	for _, args := range [][]string{
		{"serve", "--help"}, {"serve", "--bogus"}, {"serve", "--max-depth", "many"},
		{"seed", "--help"}, {"seed", "--bogus"}, {"migrate", "status", "--bogus"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if err != nil {
			out += err.Error()
		}
		if strings.Contains(out, key) || strings.Contains(out, password) {
			t.Errorf("laborx %s prints a secret:\n%s", strings.Join(args, " "), out)
		}
		if args[1] == "--help" && !strings.Contains(out, "(set)") {
			t.Errorf("laborx %s does not say the secrets are set:\n%s", strings.Join(args, " "), out)
		}
		if strings.Join(args, " ") == "serve --help" && (!strings.Contains(out, "-max-depth") || !strings.Contains(out, "-max-aliases") ||
			!strings.Contains(out, "raise it if a legitimate query is refused with QUERY_TOO_COMPLEX")) {
			t.Errorf("serve --help does not say how to raise the query limits:\n%s", out)
		}
	}
}
