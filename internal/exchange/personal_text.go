package exchange

import (
	"regexp"
	"strings"
)

// Free text that every center (or every party) sees must not carry a worker's personal
// data: laborx keeps that only in Worker records, where it is encrypted, masked,
// audited and erasable. These patterns find what looks like a national ID, a
// Vietnamese phone number or an e-mail address.

var (
	// digitRun is a run of digits that may be grouped by spaces or hyphens, as people
	// write IDs and phone numbers ("0912 345 678", "006-195-001-234"), optionally after
	// a "+". Dot-grouped numbers are amounts of money ("100.000.000") and stay apart.
	digitRun  = regexp.MustCompile(`\+?[0-9](?:[ \-]?[0-9])*`)
	emailLike = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
)

// PersonalDataIn names the kind of personal data text appears to contain ("a national
// ID", "a phone number", "an e-mail address"), or "" when it contains none.
func PersonalDataIn(text string) string {
	if emailLike.MatchString(text) {
		return "an e-mail address"
	}
	for _, run := range digitRun.FindAllString(text, -1) {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, run)
		switch {
		case !strings.HasPrefix(run, "+") && (len(digits) == 9 || len(digits) == 12):
			return "a national ID"
		case looksLikeVietnamPhone(digits):
			return "a phone number"
		}
	}
	return ""
}

func looksLikeVietnamPhone(digits string) bool {
	if rest, ok := strings.CutPrefix(digits, "84"); ok && len(digits) >= 11 {
		digits = "0" + strings.TrimPrefix(rest, "0")
	}
	return isVietnamNumber(digits)
}

// checkNoPersonalData refuses free text that looks like it holds personal data, with
// PERSONAL_DATA_IN_TEXT at its field.
func checkNoPersonalData(errs *Errors, field []string, s *string) {
	if s == nil {
		return
	}
	if kind := PersonalDataIn(*s); kind != "" {
		errs.Add(field, CodePersonalDataInText,
			"%s seems to contain %s; personal data belongs in the worker's record, not in text other centers see",
			field[len(field)-1], kind)
	}
}
