package exchange_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func centerActor(code string, roles ...exchange.Role) *exchange.Principal {
	return &exchange.Principal{
		CenterID:   uuid.NewSHA1(uuid.NameSpaceOID, []byte(code)),
		CenterCode: code,
		Subject:    "user@" + code,
		Roles:      roles,
	}
}

var operator = &exchange.Principal{Subject: "ops", Roles: []exchange.Role{exchange.RoleOperator}}

// outcome renders what DecideAgreement / DecideReferral returned the way the tables
// spell it: the next status, or "!" and the error code.
func outcome[S ~string](next S, err error) string {
	if err != nil {
		return "!" + string(exchange.ErrorCode(err))
	}
	return string(next)
}

// agreementState is an agreement among BKN, HDG and TNG in the given status. BKN
// proposed revision 1; every status past PROPOSED went through HDG's counter-offer,
// revision 2. Nobody has signed the current revision. "" is an agreement not yet proposed.
func agreementState(status exchange.AgreementStatus) exchange.AgreementState {
	s := exchange.AgreementState{
		Status:               status,
		CurrentRevision:      2,
		CurrentProposerCode:  "HDG",
		OriginalProposerCode: "BKN",
		PartyCodes:           []string{"BKN", "HDG", "TNG"},
	}
	switch status {
	case "":
		s.CurrentRevision, s.CurrentProposerCode, s.OriginalProposerCode = 0, "", ""
	case exchange.AgreementProposed:
		s.CurrentRevision, s.CurrentProposerCode = 1, "BKN"
	}
	return s
}

func TestDecideAgreement_EveryActionStatusActor(t *testing.T) {
	actors := []struct {
		name string
		p    *exchange.Principal
	}{
		{"coordinator of original proposer BKN", centerActor("BKN", exchange.RoleCoordinator)},
		{"coordinator of HDG (proposed revision 2)", centerActor("HDG", exchange.RoleCoordinator)},
		{"coordinator of party TNG", centerActor("TNG", exchange.RoleCoordinator)},
		{"publisher of party TNG", centerActor("TNG", exchange.RolePublisher)},
		{"viewer of party TNG", centerActor("TNG", exchange.RoleViewer)},
		{"coordinator of non-party HNI", centerActor("HNI", exchange.RoleCoordinator)},
		{"operator", operator},
	}
	const (
		F  = "!FORBIDDEN"
		NF = "!NOT_FOUND"
		IT = "!INVALID_TRANSITION"
	)
	type (
		A = exchange.AgreementAction
		S = exchange.AgreementStatus
	)
	const (
		none = S("")
		PRO  = exchange.AgreementProposed
		NEG  = exchange.AgreementNegotiating
		SIG  = exchange.AgreementSigned
		REJ  = exchange.AgreementRejected
		WDN  = exchange.AgreementWithdrawn
		TRM  = exchange.AgreementTerminated
	)
	// Columns follow actors: BKN coord, HDG coord, TNG coord, TNG publisher,
	// TNG viewer, HNI coord, operator.
	tests := []struct {
		action A
		from   S
		want   [7]string
	}{
		{exchange.AgreementPropose, none, [7]string{"PROPOSED", "PROPOSED", "PROPOSED", F, F, F, F}},
		{exchange.AgreementPropose, PRO, [7]string{IT, IT, IT, F, F, F, F}},
		{exchange.AgreementPropose, NEG, [7]string{IT, IT, IT, F, F, F, F}},
		{exchange.AgreementPropose, SIG, [7]string{IT, IT, IT, F, F, F, F}},
		{exchange.AgreementPropose, REJ, [7]string{IT, IT, IT, F, F, F, F}},
		{exchange.AgreementPropose, WDN, [7]string{IT, IT, IT, F, F, F, F}},
		{exchange.AgreementPropose, TRM, [7]string{IT, IT, IT, F, F, F, F}},

		{exchange.AgreementRevise, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementRevise, PRO, [7]string{"NEGOTIATING", "NEGOTIATING", "NEGOTIATING", F, F, NF, F}},
		{exchange.AgreementRevise, NEG, [7]string{"NEGOTIATING", "NEGOTIATING", "NEGOTIATING", F, F, NF, F}},
		{exchange.AgreementRevise, SIG, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementRevise, REJ, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementRevise, WDN, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementRevise, TRM, [7]string{IT, IT, IT, F, F, NF, F}},

		{exchange.AgreementComment, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementComment, PRO, [7]string{"PROPOSED", "PROPOSED", "PROPOSED", "PROPOSED", F, NF, F}},
		{exchange.AgreementComment, NEG, [7]string{"NEGOTIATING", "NEGOTIATING", "NEGOTIATING", "NEGOTIATING", F, NF, F}},
		{exchange.AgreementComment, SIG, [7]string{"SIGNED", "SIGNED", "SIGNED", "SIGNED", F, NF, F}},
		{exchange.AgreementComment, REJ, [7]string{IT, IT, IT, IT, F, NF, F}},
		{exchange.AgreementComment, WDN, [7]string{IT, IT, IT, IT, F, NF, F}},
		{exchange.AgreementComment, TRM, [7]string{IT, IT, IT, IT, F, NF, F}},

		// Signing the current revision while other parties have not: status unchanged.
		{exchange.AgreementSign, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementSign, PRO, [7]string{"PROPOSED", "PROPOSED", "PROPOSED", F, F, NF, F}},
		{exchange.AgreementSign, NEG, [7]string{"NEGOTIATING", "NEGOTIATING", "NEGOTIATING", F, F, NF, F}},
		{exchange.AgreementSign, SIG, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementSign, REJ, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementSign, WDN, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementSign, TRM, [7]string{IT, IT, IT, F, F, NF, F}},

		// The proposer of the current revision (BKN for PROPOSED, HDG after) may not reject it.
		{exchange.AgreementReject, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementReject, PRO, [7]string{F, "REJECTED", "REJECTED", F, F, NF, F}},
		{exchange.AgreementReject, NEG, [7]string{"REJECTED", F, "REJECTED", F, F, NF, F}},
		{exchange.AgreementReject, SIG, [7]string{IT, F, IT, F, F, NF, F}},
		{exchange.AgreementReject, REJ, [7]string{IT, F, IT, F, F, NF, F}},
		{exchange.AgreementReject, WDN, [7]string{IT, F, IT, F, F, NF, F}},
		{exchange.AgreementReject, TRM, [7]string{IT, F, IT, F, F, NF, F}},

		// Only the original proposer BKN may withdraw, even after HDG's revision.
		{exchange.AgreementWithdraw, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementWithdraw, PRO, [7]string{"WITHDRAWN", F, F, F, F, NF, F}},
		{exchange.AgreementWithdraw, NEG, [7]string{"WITHDRAWN", F, F, F, F, NF, F}},
		{exchange.AgreementWithdraw, SIG, [7]string{IT, F, F, F, F, NF, F}},
		{exchange.AgreementWithdraw, REJ, [7]string{IT, F, F, F, F, NF, F}},
		{exchange.AgreementWithdraw, WDN, [7]string{IT, F, F, F, F, NF, F}},
		{exchange.AgreementWithdraw, TRM, [7]string{IT, F, F, F, F, NF, F}},

		{exchange.AgreementTerminate, none, [7]string{NF, NF, NF, NF, NF, NF, NF}},
		{exchange.AgreementTerminate, PRO, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementTerminate, NEG, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementTerminate, SIG, [7]string{"TERMINATED", "TERMINATED", "TERMINATED", F, F, NF, F}},
		{exchange.AgreementTerminate, REJ, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementTerminate, WDN, [7]string{IT, IT, IT, F, F, NF, F}},
		{exchange.AgreementTerminate, TRM, [7]string{IT, IT, IT, F, F, NF, F}},
	}
	if len(tests) != 7*7 {
		t.Fatalf("table has %d rows, want every one of 7 actions x 7 statuses", len(tests))
	}
	for _, tt := range tests {
		for i, actor := range actors {
			name := fmt.Sprintf("%s from %q by %s", tt.action, tt.from, actor.name)
			t.Run(name, func(t *testing.T) {
				s := agreementState(tt.from)
				next, err := exchange.DecideAgreement(s, actor.p, tt.action, s.CurrentRevision)
				if got := outcome(next, err); got != tt.want[i] {
					t.Errorf("got %s, want %s (err: %v)", got, tt.want[i], err)
				}
				if err != nil && exchange.ErrorMessage(err) == "internal error" {
					t.Errorf("error %v is not an application error", err)
				}
			})
		}
	}
}

func TestDecideAgreement_Sign(t *testing.T) {
	hdg := centerActor("HDG", exchange.RoleCoordinator)
	tests := []struct {
		name     string
		status   exchange.AgreementStatus
		signed   []string
		revision int
		want     string
	}{
		{"last party signs", exchange.AgreementNegotiating, []string{"BKN", "TNG"}, 2, "SIGNED"},
		{"last party signs a first revision", exchange.AgreementProposed, []string{"BKN", "TNG"}, 2, "SIGNED"},
		{"one party still missing", exchange.AgreementNegotiating, []string{"TNG"}, 2, "NEGOTIATING"},
		{"signing twice", exchange.AgreementNegotiating, []string{"HDG"}, 2, "!ALREADY_SIGNED"},
		{"older revision", exchange.AgreementNegotiating, nil, 1, "!STALE_REVISION"},
		{"future revision", exchange.AgreementNegotiating, nil, 3, "!STALE_REVISION"},
		{"older revision of a signed agreement", exchange.AgreementSigned, nil, 1, "!INVALID_TRANSITION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := agreementState(exchange.AgreementNegotiating)
			s.Status, s.SignedCurrent = tt.status, tt.signed
			next, err := exchange.DecideAgreement(s, hdg, exchange.AgreementSign, tt.revision)
			if got := outcome(next, err); got != tt.want {
				t.Errorf("got %s, want %s (err: %v)", got, tt.want, err)
			}
		})
	}

	t.Run("two-party agreement completes with the second signature", func(t *testing.T) {
		s := exchange.AgreementState{
			Status: exchange.AgreementProposed, CurrentRevision: 1,
			CurrentProposerCode: "BKN", OriginalProposerCode: "BKN",
			PartyCodes: []string{"BKN", "HDG"}, SignedCurrent: []string{"BKN"},
		}
		next, err := exchange.DecideAgreement(s, hdg, exchange.AgreementSign, 1)
		if got := outcome(next, err); got != "SIGNED" {
			t.Errorf("got %s, want SIGNED (err: %v)", got, err)
		}
	})
}

func TestDecideAgreement_Refusals(t *testing.T) {
	s := agreementState(exchange.AgreementNegotiating)
	tests := []struct {
		name   string
		actor  *exchange.Principal
		action exchange.AgreementAction
		want   string
	}{
		{"no caller", nil, exchange.AgreementComment, "!UNAUTHENTICATED"},
		{"unknown action", centerActor("BKN", exchange.RoleCoordinator), "APPROVE", "!INVALID"},
		{"coordinator and publisher roles together", centerActor("TNG", exchange.RolePublisher, exchange.RoleCoordinator), exchange.AgreementSign, "NEGOTIATING"},
		{"viewer and publisher may comment", centerActor("TNG", exchange.RoleViewer, exchange.RolePublisher), exchange.AgreementComment, "NEGOTIATING"},
		{"token without roles", centerActor("TNG"), exchange.AgreementComment, "!FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := exchange.DecideAgreement(s, tt.actor, tt.action, s.CurrentRevision)
			if got := outcome(next, err); got != tt.want {
				t.Errorf("got %s, want %s (err: %v)", got, tt.want, err)
			}
		})
	}
}

func TestDecideAgreement_MessagesSayWhy(t *testing.T) {
	tests := []struct {
		name   string
		status exchange.AgreementStatus
		actor  *exchange.Principal
		action exchange.AgreementAction
		want   string
	}{
		{"reject own revision", exchange.AgreementNegotiating, centerActor("HDG", exchange.RoleCoordinator),
			exchange.AgreementReject, "center HDG proposed revision 2 and cannot reject it"},
		{"withdraw by other party", exchange.AgreementNegotiating, centerActor("HDG", exchange.RoleCoordinator),
			exchange.AgreementWithdraw, "only the original proposer BKN may withdraw"},
		{"publisher signs", exchange.AgreementNegotiating, centerActor("HDG", exchange.RolePublisher),
			exchange.AgreementSign, "needs the COORDINATOR role"},
		{"terminate unsigned", exchange.AgreementNegotiating, centerActor("HDG", exchange.RoleCoordinator),
			exchange.AgreementTerminate, "cannot terminate an agreement that is NEGOTIATING (only when SIGNED)"},
		{"comment on rejected", exchange.AgreementRejected, centerActor("HDG", exchange.RolePublisher),
			exchange.AgreementComment, "cannot comment on an agreement that is REJECTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := agreementState(tt.status)
			_, err := exchange.DecideAgreement(s, tt.actor, tt.action, s.CurrentRevision)
			if msg := exchange.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestAgreementStatus_IsTerminal(t *testing.T) {
	terminal := map[exchange.AgreementStatus]bool{
		exchange.AgreementProposed: false, exchange.AgreementNegotiating: false, exchange.AgreementSigned: false,
		exchange.AgreementRejected: true, exchange.AgreementWithdrawn: true, exchange.AgreementTerminated: true,
	}
	for s, want := range terminal {
		if got := s.IsTerminal(); got != want {
			t.Errorf("%s.IsTerminal() = %v, want %v", s, got, want)
		}
	}
}

func TestIsActive(t *testing.T) {
	from, until := date("2021-03-01"), date("2022-02-28")
	tests := []struct {
		status exchange.AgreementStatus
		today  time.Time
		want   bool
	}{
		{exchange.AgreementSigned, date("2021-02-28"), false},
		{exchange.AgreementSigned, date("2021-03-01"), true},
		{exchange.AgreementSigned, date("2021-03-01").Add(23 * time.Hour), true},
		{exchange.AgreementSigned, date("2021-09-15"), true},
		{exchange.AgreementSigned, date("2022-02-28").Add(23*time.Hour + 59*time.Minute), true},
		{exchange.AgreementSigned, date("2022-03-01"), false},
		{exchange.AgreementNegotiating, date("2021-09-15"), false},
		{exchange.AgreementTerminated, date("2021-09-15"), false},
	}
	for _, tt := range tests {
		if got := exchange.IsActive(tt.status, from, until, tt.today); got != tt.want {
			t.Errorf("IsActive(%s, today %s) = %v, want %v", tt.status, tt.today.Format(time.DateTime), got, tt.want)
		}
	}
}

// bknHdgTerms is the example of AgreementTerms.Hash's documentation.
func bknHdgTerms() exchange.AgreementTerms {
	return exchange.AgreementTerms{
		ValidFrom:  date("2021-03-01"),
		ValidUntil: date("2022-02-28"),
		Quotas:     []exchange.QuotaLine{{OccupationCode: "8211", Workers: 50, FromCenterCode: "BKN", ToCenterCode: "HDG"}},
	}
}

func TestAgreementTerms_HashKnownValues(t *testing.T) {
	tests := []struct {
		name      string
		terms     exchange.AgreementTerms
		canonical string
		// hash was computed outside Go: printf '%s' "$canonical" | sha256sum
		hash string
	}{
		{
			name:      "documented example",
			terms:     bknHdgTerms(),
			canonical: `{"notes":"","quotas":[{"fromCenterCode":"BKN","occupationCode":"8211","toCenterCode":"HDG","workers":50}],"responsibilities":[],"supportPolicy":"","validFrom":"2021-03-01","validUntil":"2022-02-28"}`,
			hash:      "2b23318fb8a062d561430fa51e22e6fdf33a5f0b8b165041e57420b92ef5bf84",
		},
		{
			name: "escapes, Vietnamese text, sorting and trimming",
			terms: exchange.AgreementTerms{
				ValidFrom:  time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC),
				ValidUntil: time.Date(2022, 2, 28, 0, 0, 0, 0, time.UTC),
				Quotas: []exchange.QuotaLine{
					{OccupationCode: "8211", Workers: 5, FromCenterCode: "hdg", ToCenterCode: "bkn"},
					{OccupationCode: " 8211 ", Workers: 50, FromCenterCode: "BKN", ToCenterCode: "HDG"},
					{OccupationCode: "7212", Workers: 20, FromCenterCode: "BKN ", ToCenterCode: "HDG"},
				},
				Responsibilities: []exchange.Responsibility{
					{CenterCode: "HDG", Text: "Hỗ trợ nhà ở\n"},
					{CenterCode: "BKN", Text: "  Tuyển chọn lao động"},
				},
				SupportPolicy: "Hỗ trợ đi lại 500.000 đồng/người",
				Notes:         " Ghi chú \"A\" <b>&\\ line\nnext\x01 tab\there/ok ",
			},
			canonical: `{"notes":"Ghi chú \"A\" <b>&\\ line\nnext\u0001 tab\there/ok","quotas":[{"fromCenterCode":"BKN","occupationCode":"7212","toCenterCode":"HDG","workers":20},{"fromCenterCode":"BKN","occupationCode":"8211","toCenterCode":"HDG","workers":50},{"fromCenterCode":"HDG","occupationCode":"8211","toCenterCode":"BKN","workers":5}],"responsibilities":[{"centerCode":"BKN","text":"Tuyển chọn lao động"},{"centerCode":"HDG","text":"Hỗ trợ nhà ở"}],"supportPolicy":"Hỗ trợ đi lại 500.000 đồng/người","validFrom":"2021-03-01","validUntil":"2022-02-28"}`,
			hash:      "5ca40f4e19ba4c32e97b3902586965d84513949eaf77a884654967bd2b066740",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.terms.CanonicalJSON()); got != tt.canonical {
				t.Errorf("canonical JSON\n got %s\nwant %s", got, tt.canonical)
			}
			if sum := sha256.Sum256([]byte(tt.canonical)); hex.EncodeToString(sum[:]) != tt.hash {
				t.Fatalf("test data: sha256 of the canonical string is not %s", tt.hash)
			}
			if got := tt.terms.Hash(); got != tt.hash {
				t.Errorf("Hash() = %s, want %s", got, tt.hash)
			}
			// The canonical form is ordinary JSON that decodes back to the canonical terms.
			var decoded struct {
				Notes            string                    `json:"notes"`
				Quotas           []exchange.QuotaLine      `json:"quotas"`
				Responsibilities []exchange.Responsibility `json:"responsibilities"`
				SupportPolicy    string                    `json:"supportPolicy"`
				ValidFrom        string                    `json:"validFrom"`
				ValidUntil       string                    `json:"validUntil"`
			}
			if err := json.Unmarshal([]byte(tt.canonical), &decoded); err != nil {
				t.Fatalf("canonical JSON does not parse: %v", err)
			}
			c := tt.terms.Canonical()
			if decoded.Notes != c.Notes || decoded.SupportPolicy != c.SupportPolicy ||
				!slices.Equal(decoded.Quotas, c.Quotas) || !slices.Equal(decoded.Responsibilities, c.Responsibilities) ||
				decoded.ValidFrom != "2021-03-01" || decoded.ValidUntil != "2022-02-28" {
				t.Errorf("decoded %+v, want %+v", decoded, c)
			}
		})
	}
}

func TestAgreementTerms_HashIgnoresOrderAndBlanks(t *testing.T) {
	a := exchange.AgreementTerms{
		ValidFrom:  date("2025-01-01"),
		ValidUntil: date("2025-12-31"),
		Quotas: []exchange.QuotaLine{
			{OccupationCode: "8211", Workers: 50, FromCenterCode: "BKN", ToCenterCode: "HDG"},
			{OccupationCode: "7212", Workers: 20, FromCenterCode: "BKN", ToCenterCode: "HDG"},
			{OccupationCode: "9329", Workers: 10, FromCenterCode: "HDG", ToCenterCode: "BKN"},
		},
		Responsibilities: []exchange.Responsibility{{CenterCode: "HDG", Text: "b"}, {CenterCode: "BKN", Text: "a"}},
		Notes:            "ghi chú",
	}
	b := a
	b.Quotas = []exchange.QuotaLine{a.Quotas[2], a.Quotas[0], a.Quotas[1]}
	b.Quotas[1].FromCenterCode = " bkn"
	b.Responsibilities = []exchange.Responsibility{a.Responsibilities[1], a.Responsibilities[0]}
	b.Notes = "  ghi chú\n"
	b.ValidFrom = time.Date(2025, 1, 1, 15, 30, 0, 0, time.UTC)
	if a.Hash() != b.Hash() {
		t.Errorf("reordered terms hash differently:\n%s\n%s", a.CanonicalJSON(), b.CanonicalJSON())
	}

	// Every change of substance changes the hash.
	changes := map[string]func(*exchange.AgreementTerms){
		"workers":     func(t *exchange.AgreementTerms) { t.Quotas[0].Workers++ },
		"direction":   func(t *exchange.AgreementTerms) { t.Quotas[0].FromCenterCode, t.Quotas[0].ToCenterCode = "HDG", "BKN" },
		"occupation":  func(t *exchange.AgreementTerms) { t.Quotas[0].OccupationCode = "8212" },
		"validUntil":  func(t *exchange.AgreementTerms) { t.ValidUntil = date("2026-01-01") },
		"notes":       func(t *exchange.AgreementTerms) { t.Notes = "ghi chu" },
		"policy":      func(t *exchange.AgreementTerms) { t.SupportPolicy = "x" },
		"responsible": func(t *exchange.AgreementTerms) { t.Responsibilities[0].CenterCode = "TNG" },
		"extra quota": func(t *exchange.AgreementTerms) { t.Quotas = append(t.Quotas, t.Quotas[0]) },
	}
	for name, change := range changes {
		c := a
		c.Quotas = slices.Clone(a.Quotas)
		c.Responsibilities = slices.Clone(a.Responsibilities)
		change(&c)
		if c.Hash() == a.Hash() {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
}

func TestAgreementTerms_CanonicalDoesNotModifyInput(t *testing.T) {
	a := bknHdgTerms()
	a.Quotas = append(a.Quotas, exchange.QuotaLine{OccupationCode: "7212", Workers: 1, FromCenterCode: "BKN", ToCenterCode: "HDG"})
	before := slices.Clone(a.Quotas)
	_ = a.Canonical()
	if !slices.Equal(a.Quotas, before) {
		t.Errorf("Canonical reordered the caller's quotas: %v", a.Quotas)
	}
}

// fieldCodes renders validation errors as "terms.quotas.0.workers OUT_OF_RANGE".
func fieldCodes(err error) []string {
	var out []string
	for _, e := range exchange.AsErrors(err) {
		out = append(out, strings.Join(e.Field, ".")+" "+string(e.Code))
	}
	return out
}

func validTerms() exchange.AgreementTerms {
	return exchange.AgreementTerms{
		ValidFrom:  date("2025-07-01"),
		ValidUntil: date("2026-06-30"),
		Quotas: []exchange.QuotaLine{
			{OccupationCode: "8211", Workers: 50, FromCenterCode: "BKN", ToCenterCode: "HDG"},
			{OccupationCode: "8211", Workers: 10, FromCenterCode: "HDG", ToCenterCode: "BKN"},
		},
		Responsibilities: []exchange.Responsibility{{CenterCode: "HDG", Text: "Bố trí chỗ ở cho người lao động"}},
		SupportPolicy:    "Hỗ trợ tiền tàu xe",
	}
}

func TestValidateTerms(t *testing.T) {
	occupations := map[string]bool{"8211": true, "7212": true, "82": true, "821": true, "8": true}
	for i := range exchange.MaxQuotaLines {
		occupations[fmt.Sprint(1000+i)] = true
	}
	exists := func(code string) bool { return occupations[code] }
	parties := []string{"BKN", "HDG"}

	tests := []struct {
		name   string
		change func(*exchange.AgreementTerms)
		want   []string
	}{
		{"valid", func(*exchange.AgreementTerms) {}, nil},
		{"valid with blanks and lower-case codes", func(t *exchange.AgreementTerms) {
			t.Quotas[0].FromCenterCode, t.Quotas[0].OccupationCode = " bkn", "8211 "
		}, nil},
		{"missing dates", func(t *exchange.AgreementTerms) { t.ValidFrom, t.ValidUntil = time.Time{}, time.Time{} },
			[]string{"terms.validFrom REQUIRED", "terms.validUntil REQUIRED"}},
		{"until equals from", func(t *exchange.AgreementTerms) { t.ValidUntil = t.ValidFrom },
			[]string{"terms.validUntil OUT_OF_RANGE"}},
		{"until before from", func(t *exchange.AgreementTerms) { t.ValidUntil = date("2025-06-30") },
			[]string{"terms.validUntil OUT_OF_RANGE"}},
		{"one day", func(t *exchange.AgreementTerms) { t.ValidUntil = date("2025-07-02") }, nil},
		{"no quotas", func(t *exchange.AgreementTerms) { t.Quotas = nil },
			[]string{"terms.quotas REQUIRED"}},
		{"too many quotas", func(t *exchange.AgreementTerms) {
			for i := range exchange.MaxQuotaLines {
				t.Quotas = append(t.Quotas, exchange.QuotaLine{OccupationCode: fmt.Sprint(1000 + i), Workers: 1, FromCenterCode: "BKN", ToCenterCode: "HDG"})
			}
		}, []string{"terms.quotas OUT_OF_RANGE"}},
		{"unknown occupation", func(t *exchange.AgreementTerms) { t.Quotas[1].OccupationCode = "9999" },
			[]string{"terms.quotas.1.occupationCode UNKNOWN_OCCUPATION"}},
		{"occupation not a unit group", func(t *exchange.AgreementTerms) { t.Quotas[1].OccupationCode = "821" },
			[]string{"terms.quotas.1.occupationCode INVALID"}},
		{"occupation missing", func(t *exchange.AgreementTerms) { t.Quotas[0].OccupationCode = " " },
			[]string{"terms.quotas.0.occupationCode REQUIRED"}},
		{"zero workers", func(t *exchange.AgreementTerms) { t.Quotas[0].Workers = 0 },
			[]string{"terms.quotas.0.workers OUT_OF_RANGE"}},
		{"negative workers", func(t *exchange.AgreementTerms) { t.Quotas[0].Workers = -5 },
			[]string{"terms.quotas.0.workers OUT_OF_RANGE"}},
		{"most workers", func(t *exchange.AgreementTerms) { t.Quotas[0].Workers = exchange.MaxQuotaWorkers }, nil},
		{"too many workers", func(t *exchange.AgreementTerms) { t.Quotas[0].Workers = exchange.MaxQuotaWorkers + 1 },
			[]string{"terms.quotas.0.workers OUT_OF_RANGE"}},
		{"from a non-party", func(t *exchange.AgreementTerms) { t.Quotas[0].FromCenterCode = "TNG" },
			[]string{"terms.quotas.0.fromCenterCode INVALID"}},
		{"to a non-party", func(t *exchange.AgreementTerms) { t.Quotas[0].ToCenterCode = "TNG" },
			[]string{"terms.quotas.0.toCenterCode INVALID"}},
		{"missing to", func(t *exchange.AgreementTerms) { t.Quotas[0].ToCenterCode = "" },
			[]string{"terms.quotas.0.toCenterCode REQUIRED"}},
		{"from and to equal", func(t *exchange.AgreementTerms) { t.Quotas[0].ToCenterCode = "bkn" },
			[]string{"terms.quotas.0.toCenterCode INVALID"}},
		{"duplicate line", func(t *exchange.AgreementTerms) {
			t.Quotas = append(t.Quotas, exchange.QuotaLine{OccupationCode: "8211", Workers: 3, FromCenterCode: "bkn", ToCenterCode: "HDG"})
		}, []string{"terms.quotas.2 INVALID"}},
		{"same occupation other direction is no duplicate", func(t *exchange.AgreementTerms) {
			t.Quotas[1].OccupationCode = "8211"
		}, nil},
		{"responsibility of a non-party", func(t *exchange.AgreementTerms) { t.Responsibilities[0].CenterCode = "TNG" },
			[]string{"terms.responsibilities.0.centerCode INVALID"}},
		{"responsibility without center or text", func(t *exchange.AgreementTerms) {
			t.Responsibilities[0] = exchange.Responsibility{Text: "  "}
		}, []string{"terms.responsibilities.0.centerCode REQUIRED", "terms.responsibilities.0.text REQUIRED"}},
		{"longest responsibility in Vietnamese", func(t *exchange.AgreementTerms) {
			t.Responsibilities[0].Text = strings.Repeat("ệ", exchange.MaxResponsibilityChars)
		}, nil},
		{"responsibility too long", func(t *exchange.AgreementTerms) {
			t.Responsibilities[0].Text = strings.Repeat("a", exchange.MaxResponsibilityChars+1)
		}, []string{"terms.responsibilities.0.text TOO_LONG"}},
		{"support policy and notes too long", func(t *exchange.AgreementTerms) {
			t.SupportPolicy = strings.Repeat("ư", exchange.MaxAgreementTextChars+1)
			t.Notes = strings.Repeat("n", exchange.MaxAgreementTextChars+1)
		}, []string{"terms.supportPolicy TOO_LONG", "terms.notes TOO_LONG"}},
		{"several errors at once", func(t *exchange.AgreementTerms) {
			t.Quotas[0].Workers = 0
			t.Quotas[1].OccupationCode = "0000"
			t.ValidUntil = t.ValidFrom
		}, []string{
			"terms.validUntil OUT_OF_RANGE",
			"terms.quotas.0.workers OUT_OF_RANGE",
			"terms.quotas.1.occupationCode UNKNOWN_OCCUPATION",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := validTerms()
			tt.change(&terms)
			err := exchange.ValidateTerms(terms, parties, exists)
			if got := fieldCodes(err); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q (err: %v)", got, tt.want, err)
			}
			if err != nil && len(exchange.AsErrors(err)) == 0 {
				t.Errorf("error %v is not an application error", err)
			}
		})
	}
}

func TestValidateParties(t *testing.T) {
	many := func(n int) []string {
		var codes []string
		for i := range n {
			codes = append(codes, fmt.Sprintf("C%02d", i))
		}
		return codes
	}
	tests := []struct {
		name     string
		proposer string
		codes    []string
		want     []string
		parties  []string
	}{
		{"other party only", "BKN", []string{"HDG"}, nil, []string{"BKN", "HDG"}},
		{"proposer listed too", "BKN", []string{"HDG", "BKN"}, nil, []string{"BKN", "HDG"}},
		{"lower case and blanks", "BKN", []string{" hdg", "tng "}, nil, []string{"BKN", "HDG", "TNG"}},
		{"proposer alone", "BKN", []string{"BKN"}, []string{"partyCenterCodes OUT_OF_RANGE"}, nil},
		{"nobody", "BKN", nil, []string{"partyCenterCodes OUT_OF_RANGE"}, nil},
		{"19 others make 20", "BKN", many(19), nil, append([]string{"BKN"}, many(19)...)},
		{"20 others make 21", "BKN", many(20), []string{"partyCenterCodes OUT_OF_RANGE"}, nil},
		{"20 including the proposer", "C00", many(20), nil, many(20)},
		{"listed twice", "BKN", []string{"HDG", "hdg"}, []string{"partyCenterCodes.1 INVALID"}, nil},
		{"empty code", "BKN", []string{"HDG", " "}, []string{"partyCenterCodes.1 REQUIRED"}, nil},
		{"malformed code", "BKN", []string{"HĐG", "H"}, []string{"partyCenterCodes.0 INVALID", "partyCenterCodes.1 INVALID"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := exchange.ValidateParties(tt.proposer, tt.codes)
			if got := fieldCodes(err); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q (err: %v)", got, tt.want, err)
			}
			if tt.parties != nil {
				if got := exchange.AgreementParties(tt.proposer, tt.codes); !slices.Equal(got, tt.parties) {
					t.Errorf("AgreementParties = %q, want %q", got, tt.parties)
				}
			}
		})
	}
}
