package server

import (
	"strings"
	"unicode/utf8"
)

// maxMessageBytes bounds an error message: messages may quote what the client sent
// (an ID, a literal), and a refusal must not echo a large request back.
const maxMessageBytes = 512

// tidyMessage drops the "Did you mean …?" sentence gqlparser's validation rules append
// (fields, arguments, enum values, input fields, types: SetDisableSuggestion covers only
// the field and leaf rules) and cuts the message to maxMessageBytes.
func tidyMessage(msg string) string {
	if i := strings.Index(msg, " Did you mean"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > maxMessageBytes {
		cut := maxMessageBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
