// Package redact takes secrets out of text bound for logs, error messages and HTTP
// bodies: the password of a PostgreSQL URL or key=value connection string. Everything
// that prints a configuration value or an error that may quote one goes through it.
package redact

import (
	"log/slog"
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

var (
	// scheme://user:password@host: the password ends at "@" (it cannot hold "/" or "@"
	// unescaped), so "host:5432/db" is never taken for one.
	urlPassword = regexp.MustCompile(`(://[^:/?#@\s]*:)[^@/\s]*@`)
	// password=secret or password='se cret' in a key=value connection string.
	keywordPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s'"]+)`)
)

// String returns s with every connection-string password masked.
func String(s string) string {
	if strings.Contains(s, "@") {
		s = urlPassword.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	if strings.Contains(strings.ToLower(s), "password") {
		s = keywordPassword.ReplaceAllString(s, "${1}"+Mask)
	}
	return s
}

// Attr is a slog ReplaceAttr function that redacts every string and error value
// (the message too), so no log line can carry a database password.
func Attr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(String(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(String(err.Error()))
		}
	}
	return a
}
