package exchange

import (
	"strings"

	"github.com/google/uuid"
)

// Who reads which statistics. Statistics never hold personal data.

// DecideReadStats is who reads statistics at all.
func DecideReadStats(p *Principal) error {
	// authz: statistics are for every role (viewer and above) and operators.
	if p.IsOperator() {
		return nil
	}
	return p.Require(RoleViewer)
}

// StatsScope decides whose figures a statistic's centerCode asks for. national is
// true for no code (national aggregates); own is the caller's center when it asked for
// its own figures. An operator's code must still be looked up (lookup true).
func StatsScope(p *Principal, code *string) (c string, own *uuid.UUID, lookup bool, err error) {
	if code == nil || strings.TrimSpace(*code) == "" {
		// authz: national aggregates are open to every caller DecideReadStats admits.
		return "", nil, false, nil
	}
	c = NormalizeCenterCode(*code)
	if p.IsOperator() {
		// authz: operators see every center's figures.
		return c, nil, true, nil
	}
	// authz: a center sees its own figures; another center's are FORBIDDEN (whether or
	// not that center exists).
	if c != p.CenterCode {
		return c, nil, false, FieldErrorf([]string{"centerCode"}, CodeForbidden,
			"centers see their own figures and national aggregates, not those of %s", c)
	}
	id := p.CenterID
	return c, &id, false, nil
}

// UnknownStatsCenter is the refusal of a centerCode that names no center.
func UnknownStatsCenter(code string) *Error {
	return FieldErrorf([]string{"centerCode"}, CodeNotFound, "no center has code %q", code)
}

// UnknownStatsProvince is the refusal of a provinceCode that names no province.
func UnknownStatsProvince(code string) *Error {
	return FieldErrorf([]string{"provinceCode"}, CodeBadUserInput, "no province has code %q", code)
}

// CheckFirst refuses a page size outside 1..MaxPageSize (lists without a cursor).
func CheckFirst(first int) error {
	if first < 1 || first > MaxPageSize {
		return FieldErrorf([]string{"first"}, CodeBadUserInput, "first must be between 1 and %d", MaxPageSize)
	}
	return nil
}
