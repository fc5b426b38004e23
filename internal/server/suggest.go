package server

import "strings"

// withoutSuggestion drops the "Did you mean …?" sentence gqlparser's validation rules
// append (fields, arguments, enum values, input fields, types). SetDisableSuggestion
// covers only the field and leaf rules, so the hint is cut from every message here.
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean"); i >= 0 {
		return msg[:i]
	}
	return msg
}
