package exchange

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AgreementStatus is where a cooperation agreement stands (DESIGN §2, Agreement lifecycle).
type AgreementStatus string

const (
	AgreementProposed    AgreementStatus = "PROPOSED"
	AgreementNegotiating AgreementStatus = "NEGOTIATING"
	AgreementSigned      AgreementStatus = "SIGNED"
	AgreementRejected    AgreementStatus = "REJECTED"
	AgreementWithdrawn   AgreementStatus = "WITHDRAWN"
	AgreementTerminated  AgreementStatus = "TERMINATED"
)

// IsTerminal reports whether no action but reading is left. SIGNED is not terminal:
// a signed agreement can still be commented on and terminated.
func (s AgreementStatus) IsTerminal() bool {
	switch s {
	case AgreementRejected, AgreementWithdrawn, AgreementTerminated:
		return true
	}
	return false
}

// AgreementAction is one of the agreement mutations.
type AgreementAction string

const (
	AgreementPropose   AgreementAction = "PROPOSE"
	AgreementRevise    AgreementAction = "REVISE"
	AgreementComment   AgreementAction = "COMMENT"
	AgreementSign      AgreementAction = "SIGN"
	AgreementReject    AgreementAction = "REJECT"
	AgreementWithdraw  AgreementAction = "WITHDRAW"
	AgreementTerminate AgreementAction = "TERMINATE"
)

// AgreementTerms are the negotiated content of one revision. They are stored as JSONB
// (hence the json tags) and identified by Hash.
type AgreementTerms struct {
	ValidFrom        time.Time        `json:"validFrom"`
	ValidUntil       time.Time        `json:"validUntil"`
	Quotas           []QuotaLine      `json:"quotas"`
	Responsibilities []Responsibility `json:"responsibilities"`
	SupportPolicy    string           `json:"supportPolicy"`
	Notes            string           `json:"notes"`
}

// QuotaLine caps how many workers of one occupation the agreement covers in one
// direction, from the origin center to the destination center.
type QuotaLine struct {
	OccupationCode string `json:"occupationCode"`
	Workers        int    `json:"workers"`
	FromCenterCode string `json:"fromCenterCode"`
	ToCenterCode   string `json:"toCenterCode"`
}

// Responsibility is what one party commits to, in free text.
type Responsibility struct {
	CenterCode string `json:"centerCode"`
	Text       string `json:"text"`
}

// Limits on agreement input. They keep one revision to a size a person can read and a
// row PostgreSQL stores inline, not a policy of the DESIGN.
const (
	MinAgreementParties    = 2
	MaxAgreementParties    = 20
	MaxQuotaLines          = 200
	MaxQuotaWorkers        = 100000
	MaxResponsibilities    = 100
	MaxResponsibilityChars = 4000
	MaxAgreementTextChars  = 10000
)

// Canonical returns the terms in the form that is stored and hashed: strings trimmed
// (and made valid UTF-8), center codes upper-cased, dates reduced to their calendar
// day at UTC midnight, quota lines sorted by (fromCenterCode, toCenterCode,
// occupationCode, workers) and responsibilities by (centerCode, text), and empty lists
// non-nil. Two terms that differ only in list order or surrounding blanks are equal once
// canonical. Canonical itself does not normalise Unicode (version-1 hashes were made
// without); NFC does, and every revision stored since hash version 2 is NFC first.
func (t AgreementTerms) Canonical() AgreementTerms {
	c := AgreementTerms{
		ValidFrom:        dateOnly(t.ValidFrom),
		ValidUntil:       dateOnly(t.ValidUntil),
		Quotas:           make([]QuotaLine, 0, len(t.Quotas)),
		Responsibilities: make([]Responsibility, 0, len(t.Responsibilities)),
		SupportPolicy:    cleanText(t.SupportPolicy),
		Notes:            cleanText(t.Notes),
	}
	for _, q := range t.Quotas {
		c.Quotas = append(c.Quotas, QuotaLine{
			OccupationCode: cleanText(q.OccupationCode),
			Workers:        q.Workers,
			FromCenterCode: centerCode(q.FromCenterCode),
			ToCenterCode:   centerCode(q.ToCenterCode),
		})
	}
	slices.SortFunc(c.Quotas, func(a, b QuotaLine) int {
		return cmp.Or(
			strings.Compare(a.FromCenterCode, b.FromCenterCode),
			strings.Compare(a.ToCenterCode, b.ToCenterCode),
			strings.Compare(a.OccupationCode, b.OccupationCode),
			cmp.Compare(a.Workers, b.Workers),
		)
	})
	for _, r := range t.Responsibilities {
		c.Responsibilities = append(c.Responsibilities, Responsibility{
			CenterCode: centerCode(r.CenterCode),
			Text:       cleanText(r.Text),
		})
	}
	slices.SortFunc(c.Responsibilities, func(a, b Responsibility) int {
		return cmp.Or(strings.Compare(a.CenterCode, b.CenterCode), strings.Compare(a.Text, b.Text))
	})
	return c
}

// Hash returns the version-1 termsHash of DESIGN §2 (revisions stored before hash
// version 2, see RevisionDocument): the lowercase hex SHA-256 of the canonical JSON of
// t.Canonical(). Partners recompute it to check what they sign, so the format
// is fixed (RFC 8785 style, UTF-8, no whitespace outside strings):
//
//	{"notes":S,"quotas":[Q,...],"responsibilities":[R,...],"supportPolicy":S,"validFrom":D,"validUntil":D}
//	Q = {"fromCenterCode":S,"occupationCode":S,"toCenterCode":S,"workers":N}
//	R = {"centerCode":S,"text":S}
//
// Keys appear in that (byte-wise sorted) order and every key is always present; lists
// are in canonical order and empty lists are []. D is "YYYY-MM-DD". N is a decimal
// integer without sign, exponent or leading zeros. S is a JSON string in which only '"',
// '\\' and control characters are escaped: \b \t \n \f \r in short form, other code
// points below U+0020 as \u00XX (lowercase hex); everything else, including non-ASCII
// and '/', is written as raw UTF-8. For example, terms from 2021-03-01 to 2022-02-28
// with one quota of 50 workers of 8211 from BKN to HDG and nothing else are
//
//	{"notes":"","quotas":[{"fromCenterCode":"BKN","occupationCode":"8211","toCenterCode":"HDG","workers":50}],"responsibilities":[],"supportPolicy":"","validFrom":"2021-03-01","validUntil":"2022-02-28"}
func (t AgreementTerms) Hash() string {
	sum := sha256.Sum256(t.CanonicalJSON())
	return hex.EncodeToString(sum[:])
}

// CanonicalJSON returns the bytes Hash digests (see Hash for the format).
func (t AgreementTerms) CanonicalJSON() []byte {
	return appendTermsJSON(nil, t.Canonical())
}

// appendTermsJSON writes canonical terms c in the format Hash documents.
func appendTermsJSON(b []byte, c AgreementTerms) []byte {
	b = append(b, `{"notes":`...)
	b = appendJSONString(b, c.Notes)
	b = append(b, `,"quotas":[`...)
	for i, q := range c.Quotas {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"fromCenterCode":`...)
		b = appendJSONString(b, q.FromCenterCode)
		b = append(b, `,"occupationCode":`...)
		b = appendJSONString(b, q.OccupationCode)
		b = append(b, `,"toCenterCode":`...)
		b = appendJSONString(b, q.ToCenterCode)
		b = append(b, `,"workers":`...)
		b = strconv.AppendInt(b, int64(q.Workers), 10)
		b = append(b, '}')
	}
	b = append(b, `],"responsibilities":[`...)
	for i, r := range c.Responsibilities {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"centerCode":`...)
		b = appendJSONString(b, r.CenterCode)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, r.Text)
		b = append(b, '}')
	}
	b = append(b, `],"supportPolicy":`...)
	b = appendJSONString(b, c.SupportPolicy)
	b = append(b, `,"validFrom":`...)
	b = appendJSONString(b, c.ValidFrom.Format(time.DateOnly))
	b = append(b, `,"validUntil":`...)
	b = appendJSONString(b, c.ValidUntil.Format(time.DateOnly))
	return append(b, '}')
}

// appendJSONString writes s as an RFC 8785 JSON string. encoding/json is not used
// because it also escapes <, >, & and U+2028/9, which partners' canonicalisers do not.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func dateOnly(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func cleanText(s string) string {
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

func centerCode(s string) string {
	return strings.ToUpper(cleanText(s))
}

var unitGroupCodePattern = regexp.MustCompile(`^[0-9]{4}$`)

// AgreementParties returns the parties of a proposed agreement: the codes given,
// trimmed and upper-cased, with the proposer added when it is not listed (a center
// always proposes an agreement it is party to, so listing itself is optional), in
// input order with the proposer first. Call ValidateParties on the same input first.
func AgreementParties(proposer string, partyCodes []string) []string {
	parties := []string{centerCode(proposer)}
	for _, code := range partyCodes {
		if c := centerCode(code); !slices.Contains(parties, c) {
			parties = append(parties, c)
		}
	}
	return parties
}

// ValidateParties checks input.partyCenterCodes of proposeAgreement: every code is
// well formed and listed once, and together with the proposer (added implicitly, see
// AgreementParties) there are 2 to 20 distinct parties. Whether the centers exist is
// for the caller to check (UNKNOWN_CENTER).
func ValidateParties(proposer string, partyCodes []string) error {
	var errs Errors
	field := []string{"partyCenterCodes"}
	proposer = centerCode(proposer)
	seen := map[string]bool{}
	for i, code := range partyCodes {
		f := append(slices.Clip(field), strconv.Itoa(i))
		c := centerCode(code)
		switch {
		case c == "":
			errs.Add(f, CodeRequired, "center code is required")
		case !centerCodePattern.MatchString(c):
			errs.Add(f, CodeInvalid, "%q is not a center code (2 to 16 of A-Z, 0-9, -)", code)
		case seen[c]:
			errs.Add(f, CodeInvalid, "center %s is listed twice", c)
		}
		seen[c] = true
	}
	if len(errs) > 0 {
		return errs
	}
	n := len(AgreementParties(proposer, partyCodes))
	if n < MinAgreementParties || n > MaxAgreementParties {
		errs.Add(field, CodeOutOfRange,
			"an agreement has %d to %d parties including the proposer, got %d",
			MinAgreementParties, MaxAgreementParties, n)
	}
	return errs.Err()
}

// ValidateTerms checks terms as the user sent them, before Canonical, so that field
// paths (["terms", "quotas", "2", "workers"]) point at the user's own list
// positions. partyCodes are the agreement's parties (upper case); occupationExists
// looks an occupation code up in the reference data.
//
// At least one quota line is required: quotas are what referrals under the agreement
// count against and what agreementFulfillment reports, so an agreement without one
// could never be fulfilled.
func ValidateTerms(t AgreementTerms, partyCodes []string, occupationExists func(code string) bool) error {
	var errs Errors
	field := func(path ...string) []string {
		return append([]string{"terms"}, path...)
	}

	if t.ValidFrom.IsZero() {
		errs.Add(field("validFrom"), CodeRequired, "validFrom is required")
	}
	if t.ValidUntil.IsZero() {
		errs.Add(field("validUntil"), CodeRequired, "validUntil is required")
	}
	if !t.ValidFrom.IsZero() && !t.ValidUntil.IsZero() && !dateOnly(t.ValidFrom).Before(dateOnly(t.ValidUntil)) {
		errs.Add(field("validUntil"), CodeOutOfRange, "validUntil (%s) must be after validFrom (%s)",
			t.ValidUntil.Format(time.DateOnly), t.ValidFrom.Format(time.DateOnly))
	}

	isParty := func(code string) bool { return slices.Contains(partyCodes, code) }
	switch {
	case len(t.Quotas) == 0:
		errs.Add(field("quotas"), CodeRequired, "an agreement needs at least one quota line")
	case len(t.Quotas) > MaxQuotaLines:
		errs.Add(field("quotas"), CodeOutOfRange, "at most %d quota lines, got %d", MaxQuotaLines, len(t.Quotas))
	}
	seen := map[QuotaLine]int{}
	for i, q := range t.Quotas {
		qf := func(name string) []string { return field("quotas", strconv.Itoa(i), name) }
		occ := cleanText(q.OccupationCode)
		switch {
		case occ == "":
			errs.Add(qf("occupationCode"), CodeRequired, "occupationCode is required")
		case !occupationExists(occ):
			errs.Add(qf("occupationCode"), CodeUnknownOccupation, "no occupation has code %q", occ)
		case !unitGroupCodePattern.MatchString(occ):
			errs.Add(qf("occupationCode"), CodeInvalid, "quota lines name a unit group (a 4-digit code), not %q", occ)
		}
		if q.Workers <= 0 || q.Workers > MaxQuotaWorkers {
			errs.Add(qf("workers"), CodeOutOfRange, "workers must be 1 to %d, got %d", MaxQuotaWorkers, q.Workers)
		}
		from, to := centerCode(q.FromCenterCode), centerCode(q.ToCenterCode)
		validateQuotaCenter(&errs, qf("fromCenterCode"), from, isParty)
		validateQuotaCenter(&errs, qf("toCenterCode"), to, isParty)
		if from != "" && from == to {
			errs.Add(qf("toCenterCode"), CodeInvalid, "a quota line moves workers between two different centers, not %s to itself", from)
		}
		key := QuotaLine{OccupationCode: occ, FromCenterCode: from, ToCenterCode: to}
		if first, dup := seen[key]; dup {
			errs.Add(field("quotas", strconv.Itoa(i)), CodeInvalid,
				"quota line repeats line %d (%s from %s to %s); merge them into one", first, occ, from, to)
		} else if occ != "" && from != "" && to != "" {
			seen[key] = i
		}
	}

	if len(t.Responsibilities) > MaxResponsibilities {
		errs.Add(field("responsibilities"), CodeOutOfRange, "at most %d responsibilities, got %d",
			MaxResponsibilities, len(t.Responsibilities))
	}
	for i, r := range t.Responsibilities {
		rf := func(name string) []string { return field("responsibilities", strconv.Itoa(i), name) }
		switch c := centerCode(r.CenterCode); {
		case c == "":
			errs.Add(rf("centerCode"), CodeRequired, "centerCode is required")
		case !isParty(c):
			errs.Add(rf("centerCode"), CodeInvalid, "center %s is not a party to this agreement", c)
		}
		validateText(&errs, rf("text"), r.Text, MaxResponsibilityChars, true)
	}
	validateText(&errs, field("supportPolicy"), t.SupportPolicy, MaxAgreementTextChars, false)
	validateText(&errs, field("notes"), t.Notes, MaxAgreementTextChars, false)
	return errs.Err()
}

func validateQuotaCenter(errs *Errors, field []string, code string, isParty func(string) bool) {
	switch {
	case code == "":
		errs.Add(field, CodeRequired, "center code is required")
	case !isParty(code):
		errs.Add(field, CodeInvalid, "center %s is not a party to this agreement", code)
	}
}

// validateText counts characters (code points), not bytes: Vietnamese letters take
// two or three bytes each in UTF-8.
func validateText(errs *Errors, field []string, s string, maxChars int, required bool) {
	s = cleanText(s)
	switch n := utf8.RuneCountInString(s); {
	case required && n == 0:
		errs.Add(field, CodeRequired, "%s is required", field[len(field)-1])
	case n > maxChars:
		errs.Add(field, CodeTooLong, "at most %d characters, got %d", maxChars, n)
	}
	// Agreement texts and comments are read by every party: no personal data.
	checkNoPersonalData(errs, field, &s)
}

// AgreementState is what DecideAgreement needs to know about an agreement, loaded (and
// locked) by the caller.
type AgreementState struct {
	// Status is empty for PROPOSE: the agreement does not exist yet.
	Status          AgreementStatus
	CurrentRevision int
	// CurrentProposerCode proposed the current revision (the last reviser);
	// OriginalProposerCode proposed revision 1.
	CurrentProposerCode  string
	OriginalProposerCode string
	PartyCodes           []string
	// SignedCurrent are the centers that signed the current revision.
	SignedCurrent []string
	// TerminatesOn is the day a scheduled termination takes effect (nil: none).
	TerminatesOn *time.Time
}

// agreementRule is one row of the DESIGN §2 table.
type agreementRule struct {
	role Role
	from []AgreementStatus
}

var agreementRules = map[AgreementAction]agreementRule{
	AgreementPropose:   {RoleCoordinator, []AgreementStatus{""}},
	AgreementRevise:    {RoleCoordinator, []AgreementStatus{AgreementProposed, AgreementNegotiating}},
	AgreementComment:   {RolePublisher, []AgreementStatus{AgreementProposed, AgreementNegotiating, AgreementSigned}},
	AgreementSign:      {RoleCoordinator, []AgreementStatus{AgreementProposed, AgreementNegotiating}},
	AgreementReject:    {RoleCoordinator, []AgreementStatus{AgreementProposed, AgreementNegotiating}},
	AgreementWithdraw:  {RoleCoordinator, []AgreementStatus{AgreementProposed, AgreementNegotiating}},
	AgreementTerminate: {RoleCoordinator, []AgreementStatus{AgreementSigned}},
}

// DecideAgreement decides whether actor may apply action a to the agreement in state s
// and returns the status the agreement moves to (unchanged for COMMENT and for a SIGN
// that leaves parties unsigned). revision is the revision a SIGN names; other actions
// ignore it (REVISE guards against concurrent edits with expectedVersion instead).
//
// Checks run in this order, so each caller sees the most fundamental refusal (an
// empty s.Status means the agreement does not exist: NOT_FOUND for all but PROPOSE):
//  1. visibility: operators may read agreements but never act (FORBIDDEN); a center
//     that is not a party gets NOT_FOUND, as if the agreement did not exist. For PROPOSE
//     the caller passes the would-be parties, which must include the actor (FORBIDDEN).
//  2. role: COMMENT needs any party member who can write (PUBLISHER or COORDINATOR;
//     a VIEWER may not); every other action needs COORDINATOR (FORBIDDEN).
//  3. which party: REJECT by the center that proposed the current revision, WITHDRAW
//     by any center but the original proposer (FORBIDDEN).
//  4. status: the action is not allowed from s.Status (INVALID_TRANSITION).
//  5. SIGN only: revision is not current (STALE_REVISION), or the actor's center already
//     signed it (ALREADY_SIGNED). The SIGN that completes every party's signature moves
//     the agreement to SIGNED.
//
// REVISE moves to NEGOTIATING and voids every signature of the previous revision: the
// caller deletes them (signatures always name the current revision). PROPOSE moves to
// PROPOSED.
func DecideAgreement(s AgreementState, actor *Principal, a AgreementAction, revision int) (AgreementStatus, error) {
	rule, ok := agreementRules[a]
	if !ok {
		return "", Errorf(CodeInvalid, "unknown agreement action %q", a)
	}
	if s.Status == "" && a != AgreementPropose {
		return "", Errorf(CodeNotFound, "agreement not found")
	}
	if err := authorizeAgreement(s, actor, a, rule.role); err != nil {
		return "", err
	}
	if !slices.Contains(rule.from, s.Status) {
		return "", invalidAgreementTransition(s.Status, a, rule.from)
	}
	switch a {
	case AgreementPropose:
		return AgreementProposed, nil
	case AgreementRevise:
		return AgreementNegotiating, nil
	case AgreementReject:
		return AgreementRejected, nil
	case AgreementWithdraw:
		return AgreementWithdrawn, nil
	case AgreementTerminate:
		if s.TerminatesOn != nil {
			return "", Errorf(CodeInvalidTransition, "the agreement's termination already takes effect on %s",
				s.TerminatesOn.Format(time.DateOnly))
		}
		return AgreementTerminated, nil
	case AgreementSign:
		return decideSign(s, actor.CenterCode, revision)
	}
	return s.Status, nil // COMMENT
}

// authorizeAgreement runs checks 1 to 3 of DecideAgreement.
func authorizeAgreement(s AgreementState, actor *Principal, a AgreementAction, role Role) error {
	// authz: only parties see an agreement; operators see all but act on none.
	switch {
	case actor == nil:
		return Errorf(CodeUnauthenticated, "authentication required")
	case actor.IsOperator():
		return Errorf(CodeForbidden, "operators may read agreements but not %s them", verb(a))
	case !slices.Contains(s.PartyCodes, actor.CenterCode):
		if a == AgreementPropose {
			return Errorf(CodeForbidden, "center %s may only propose agreements it is a party to", actor.CenterCode)
		}
		return Errorf(CodeNotFound, "agreement not found")
	}
	// authz: role needed for the action.
	if !actor.Has(role) {
		return Errorf(CodeForbidden, "to %s an agreement needs the %s role", verb(a), role)
	}
	// authz: which party may act.
	switch {
	case a == AgreementReject && actor.CenterCode == s.CurrentProposerCode:
		return Errorf(CodeForbidden,
			"center %s proposed revision %d and cannot reject it; revise or withdraw instead",
			actor.CenterCode, s.CurrentRevision)
	case a == AgreementWithdraw && actor.CenterCode != s.OriginalProposerCode:
		return Errorf(CodeForbidden,
			"only the original proposer %s may withdraw this agreement; reject it instead",
			s.OriginalProposerCode)
	}
	return nil
}

func decideSign(s AgreementState, center string, revision int) (AgreementStatus, error) {
	if revision != s.CurrentRevision {
		return "", Errorf(CodeStaleRevision,
			"revision %d is no longer current; the current revision is %d", revision, s.CurrentRevision)
	}
	if slices.Contains(s.SignedCurrent, center) {
		return "", Errorf(CodeAlreadySigned, "center %s already signed revision %d", center, revision)
	}
	for _, party := range s.PartyCodes {
		if party != center && !slices.Contains(s.SignedCurrent, party) {
			return s.Status, nil
		}
	}
	return AgreementSigned, nil
}

func invalidAgreementTransition(from AgreementStatus, a AgreementAction, allowed []AgreementStatus) error {
	if a == AgreementPropose {
		return Errorf(CodeInvalidTransition, "the agreement was already proposed (it is %s)", from)
	}
	names := make([]string, 0, len(allowed))
	for _, s := range allowed {
		names = append(names, string(s))
	}
	return Errorf(CodeInvalidTransition, "cannot %s an agreement that is %s (only when %s)",
		verb(a), from, strings.Join(names, " or "))
}

func verb(a AgreementAction) string {
	if a == AgreementComment {
		return "comment on"
	}
	return strings.ToLower(string(a))
}

// IsActive reports Agreement.isActive: SIGNED and today within the validity period,
// both ends included. Dates compare as calendar days.
func IsActive(status AgreementStatus, validFrom, validUntil, today time.Time) bool {
	d := dateOnly(today)
	return status == AgreementSigned && !d.Before(dateOnly(validFrom)) && !d.After(dateOnly(validUntil))
}
