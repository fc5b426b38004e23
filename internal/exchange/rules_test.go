package exchange_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// Decision tables of the rules the store calls: each case is the facts loaded, and the
// code (and field, relative to the input) the client sees. No database.

// got renders an error as "field CODE; field CODE", "" for nil.
func got(err error) string {
	var out []string
	for _, e := range exchange.AsErrors(err) {
		out = append(out, strings.TrimSpace(strings.Join(e.Field, ".")+" "+string(e.Code)))
	}
	if err != nil && out == nil {
		return "non-application error: " + err.Error()
	}
	return strings.Join(out, "; ")
}

func check(t *testing.T, name string, err error, want string) {
	t.Helper()
	if g := got(err); g != want {
		t.Errorf("%s: got %q, want %q (%v)", name, g, want, err)
	}
}

var (
	centerA = uuid.MustParse("00000000-0000-0000-0000-00000000000a")
	centerB = uuid.MustParse("00000000-0000-0000-0000-00000000000b")
	centerC = uuid.MustParse("00000000-0000-0000-0000-00000000000c")
)

func staff(center uuid.UUID, code string, roles ...exchange.Role) *exchange.Principal {
	return &exchange.Principal{CenterID: center, CenterCode: code, Subject: "s", Roles: roles}
}

var (
	pubA    = staff(centerA, "AAA", exchange.RolePublisher)
	coordA  = staff(centerA, "AAA", exchange.RoleCoordinator)
	viewerA = staff(centerA, "AAA", exchange.RoleViewer)
	noRoleA = staff(centerA, "AAA")
	op      = &exchange.Principal{Subject: "op", Roles: []exchange.Role{exchange.RoleOperator}}
)

func ptr[T any](v T) *T { return &v }

func TestDecideCallers(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"publish/anonymous", exchange.DecidePublish(nil), "UNAUTHENTICATED"},
		{"publish/viewer", exchange.DecidePublish(viewerA), "FORBIDDEN"},
		{"publish/op", exchange.DecidePublish(op), "FORBIDDEN"},
		{"publish/publisher", exchange.DecidePublish(pubA), ""},
		{"publish/coordinator", exchange.DecidePublish(coordA), ""},
		{"market/anonymous", exchange.DecideReadMarket(nil), "UNAUTHENTICATED"},
		{"market/no role", exchange.DecideReadMarket(noRoleA), "FORBIDDEN"},
		{"market/viewer", exchange.DecideReadMarket(viewerA), ""},
		{"market/op", exchange.DecideReadMarket(op), ""},
		{"sessions/no role", exchange.DecideReadSessions(noRoleA), "FORBIDDEN"},
		{"sessions/op", exchange.DecideReadSessions(op), ""},
		{"stats/no role", exchange.DecideReadStats(noRoleA), "FORBIDDEN"},
		{"stats/viewer", exchange.DecideReadStats(viewerA), ""},
		{"stats/op", exchange.DecideReadStats(op), ""},
		{"directory/publisher", exchange.DecideDirectoryChange(coordA), "FORBIDDEN"},
		{"directory/anonymous", exchange.DecideDirectoryChange(nil), "UNAUTHENTICATED"},
		{"directory/op", exchange.DecideDirectoryChange(op), ""},
		{"refer/op", exchange.DecideReferWorker(op), "FORBIDDEN"},
		{"refer/viewer", exchange.DecideReferWorker(viewerA), "FORBIDDEN"},
		{"refer/publisher", exchange.DecideReferWorker(pubA), ""},
		{"list referrals/op", exchange.DecideListReferrals(op), "FORBIDDEN"},
		{"list referrals/viewer", exchange.DecideListReferrals(viewerA), "FORBIDDEN"},
		{"list referrals/publisher", exchange.DecideListReferrals(pubA), ""},
		{"authenticated/nil", exchange.Authenticated(nil), "UNAUTHENTICATED"},
	} {
		check(t, c.name, c.err, c.want)
	}
	if exchange.MayReadPersonalData(viewerA) || exchange.MayReadPersonalData(op) || !exchange.MayReadPersonalData(pubA) {
		t.Error("MayReadPersonalData: only a center's publishers and coordinators")
	}
	if !exchange.SeesCenterKeys(op, centerA) || !exchange.SeesCenterKeys(pubA, centerA) || exchange.SeesCenterKeys(pubA, centerB) {
		t.Error("SeesCenterKeys: own center and operators only")
	}
	if exchange.SeesReferral(viewerA, centerA, centerB) || !exchange.SeesReferral(pubA, centerB, centerA) ||
		exchange.SeesReferral(op, centerA, centerB) || exchange.SeesReferral(staff(centerC, "CCC"), centerA, centerB) {
		t.Error("SeesReferral: the two ends' publishers and coordinators only")
	}
	if exchange.SeesIndividualChanges(viewerA) || exchange.SeesIndividualChanges(op) || !exchange.SeesIndividualChanges(pubA) {
		t.Error("SeesIndividualChanges: a center's publishers and coordinators only")
	}
}

func TestDecidePosting(t *testing.T) {
	own := exchange.PostingFacts{Found: true, OwnerID: centerA, Version: 3}
	ended := own
	ended.Ended = true
	other := own
	other.OwnerID = centerB
	for _, k := range []exchange.PostingKind{exchange.DemandPosting, exchange.SupplyPosting} {
		for _, c := range []struct {
			name     string
			f        exchange.PostingFacts
			expected *int
			a        exchange.PostingAction
			want     string
			message  string
		}{
			{"missing", exchange.PostingFacts{}, nil, exchange.PostingUpdate, k.IDField + " NOT_FOUND", "no such " + k.Noun},
			{"another center's", other, nil, exchange.PostingEnd, k.IDField + " NOT_FOUND", "no such " + k.Noun},
			{"stale version", own, ptr(2), exchange.PostingUpdate, "expectedVersion VERSION_CONFLICT", ""},
			{"update", own, ptr(3), exchange.PostingUpdate, "", ""},
			{"end", own, nil, exchange.PostingEnd, "", ""},
			{"update ended", ended, nil, exchange.PostingUpdate, "INVALID_TRANSITION", "a " + k.Ended + " " + k.EndedNoun + " cannot change"},
			{"end ended", ended, nil, exchange.PostingEnd, "INVALID_TRANSITION", "the " + k.EndedNoun + " is already " + k.Ended},
			{"ended, stale version first", ended, ptr(1), exchange.PostingEnd, "expectedVersion VERSION_CONFLICT", ""},
		} {
			err := exchange.DecidePosting(k, pubA, c.f, c.expected, c.a)
			check(t, k.Noun+"/"+c.name, err, c.want)
			if c.message != "" && exchange.ErrorMessage(err) != c.message {
				t.Errorf("%s/%s: message %q, want %q", k.Noun, c.name, exchange.ErrorMessage(err), c.message)
			}
		}
	}
	if m := exchange.ErrorMessage(exchange.DecidePosting(exchange.DemandPosting, pubA, ended, nil, exchange.PostingUpdate)); m != "a closed demand cannot change" {
		t.Errorf("demand: %q", m)
	}
	if m := exchange.ErrorMessage(exchange.DecidePosting(exchange.SupplyPosting, pubA, ended, nil, exchange.PostingEnd)); m != "the supply is already withdrawn" {
		t.Errorf("supply: %q", m)
	}
}

func TestReferralLinks(t *testing.T) {
	dest := &exchange.Center{ID: centerB, Code: "BBB", Status: exchange.CenterActive}
	suspended := &exchange.Center{ID: centerB, Code: "BBB", Status: exchange.CenterSuspended}
	self := &exchange.Center{ID: centerA, Code: "AAA", Status: exchange.CenterActive}
	check(t, "destination unknown", exchange.DecideDestination(pubA, nil, "ZZZ"), "destinationCenterCode UNKNOWN_CENTER")
	check(t, "destination suspended", exchange.DecideDestination(pubA, suspended, "BBB"), "destinationCenterCode INVALID")
	check(t, "destination self", exchange.DecideDestination(pubA, self, "AAA"), "destinationCenterCode INVALID")
	check(t, "destination ok", exchange.DecideDestination(pubA, dest, "BBB"), "")

	demand := func(owner uuid.UUID, st exchange.DemandStatus) *exchange.LaborDemand {
		return &exchange.LaborDemand{CenterID: owner, Status: st}
	}
	check(t, "demand hidden", exchange.DecideReferralDemand(nil, dest), "demandId NOT_FOUND")
	check(t, "demand of another center", exchange.DecideReferralDemand(demand(centerC, exchange.DemandOpen), dest), "demandId INVALID")
	check(t, "demand filled", exchange.DecideReferralDemand(demand(centerB, exchange.DemandFilled), dest), "demandId DEMAND_FILLED")
	check(t, "demand closed", exchange.DecideReferralDemand(demand(centerB, exchange.DemandClosed), dest), "demandId INVALID")
	check(t, "demand expired", exchange.DecideReferralDemand(demand(centerB, exchange.DemandExpired), dest), "demandId INVALID")
	check(t, "demand open", exchange.DecideReferralDemand(demand(centerB, exchange.DemandOpen), dest), "")

	check(t, "agreement not a party", exchange.DecideReferralAgreement(false, true, dest), "agreementId NOT_FOUND")
	check(t, "agreement without destination", exchange.DecideReferralAgreement(true, false, dest), "agreementId INVALID")
	check(t, "agreement ok", exchange.DecideReferralAgreement(true, true, dest), "")

	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	from, until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	active := exchange.QuotaLineFacts{Found: true, Status: exchange.AgreementSigned, ValidFrom: from, ValidUntil: until, HasLine: true}
	noLine, proposed, expired := active, active, active
	noLine.HasLine = false
	proposed.Status = exchange.AgreementProposed
	expired.ValidUntil = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	check(t, "quota gone", exchange.DecideQuotaLine(exchange.QuotaLineFacts{}, "8153", now), "agreementId NOT_FOUND")
	check(t, "quota not signed", exchange.DecideQuotaLine(proposed, "8153", now), "agreementId INVALID")
	check(t, "quota expired", exchange.DecideQuotaLine(expired, "8153", now), "agreementId INVALID")
	check(t, "quota no line", exchange.DecideQuotaLine(noLine, "8153", now), "agreementId INVALID")
	check(t, "quota ok", exchange.DecideQuotaLine(active, "8153", now), "")
	check(t, "quota used up", exchange.QuotaUsedUp("8153"), "agreementId QUOTA_EXCEEDED")
	check(t, "fill gone", exchange.DecideFillPosition(false), "demandId NOT_FOUND")
	check(t, "fill full", exchange.DecideFillPosition(true), "demandId DEMAND_FILLED")
}

func TestDecideEventTime(t *testing.T) {
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	last := now.Add(-48 * time.Hour)
	for _, c := range []struct {
		name string
		at   *time.Time
		want string
		when time.Time
	}{
		{"default now", nil, "", now},
		{"in the future", ptr(now.Add(time.Second)), "at OUT_OF_RANGE", time.Time{}},
		{"before the last step", ptr(last.Add(-time.Second)), "at OUT_OF_RANGE", time.Time{}},
		{"at the last step", ptr(last), "", last},
		{"between, other zone", ptr(now.Add(-time.Hour).In(time.FixedZone("ICT", 7*3600))), "", now.Add(-time.Hour)},
	} {
		when, err := exchange.DecideEventTime(c.at, now, last)
		check(t, c.name, err, c.want)
		if !when.Equal(c.when) || (err == nil && when.Location() != time.UTC) {
			t.Errorf("%s: time %v, want %v in UTC", c.name, when, c.when)
		}
	}
}

func TestTextLimits(t *testing.T) {
	long := func(n int) *string { s := strings.Repeat("ạ", n); return &s }
	check(t, "note ok", exchange.CheckReferralNote(long(exchange.MaxReferralNoteLen)), "")
	check(t, "note long", exchange.CheckReferralNote(long(exchange.MaxReferralNoteLen+1)), "note TOO_LONG")
	check(t, "reason ok", exchange.CheckReason(long(exchange.MaxReasonLen)), "")
	check(t, "reason long", exchange.CheckReason(long(exchange.MaxReasonLen+1)), "reason TOO_LONG")
	check(t, "erase reason long", exchange.CheckEraseReason(long(exchange.MaxEraseReasonLen+1)), "reason TOO_LONG")
	check(t, "erase reason ok", exchange.CheckEraseReason(nil), "")
	var errs exchange.Errors
	exchange.ValidateAgreementTitle(&errs, " ")
	exchange.ValidateAgreementTitle(&errs, *long(exchange.MaxAgreementTitleChars + 1))
	exchange.ValidateAgreementNote(&errs, "text", "", true)
	exchange.ValidateAgreementNote(&errs, "note", "", false)
	exchange.ValidateAgreementNote(&errs, "reason", *long(exchange.MaxAgreementNoteChars + 1), false)
	check(t, "agreement texts", errs.Err(), "title REQUIRED; title TOO_LONG; text REQUIRED; reason TOO_LONG")
	_, err := exchange.CheckIdempotencyKey(" ")
	check(t, "idempotency blank", err, "idempotencyKey INVALID")
	_, err = exchange.CheckIdempotencyKey(strings.Repeat("k", 256))
	check(t, "idempotency long", err, "idempotencyKey INVALID")
	k, err := exchange.CheckIdempotencyKey(" k1 ")
	check(t, "idempotency ok", err, "")
	if k != "k1" {
		t.Errorf("key %q", k)
	}
	check(t, "idempotency reuse", exchange.DecideIdempotentReplay("k", false, true), "idempotencyKey IDEMPOTENCY_KEY_REUSED")
	check(t, "idempotency unfinished", exchange.DecideIdempotentReplay("k", true, false), "idempotencyKey IDEMPOTENCY_KEY_REUSED")
	check(t, "idempotency replay", exchange.DecideIdempotentReplay("k", true, true), "")
	check(t, "version", exchange.CheckVersion(ptr(1), 2), "expectedVersion VERSION_CONFLICT")
	check(t, "version ok", exchange.CheckVersion(nil, 2), "")
	_, err = exchange.ParseInputID(exchange.KindLaborDemand, "laborDemandId", "nonsense")
	check(t, "bad id", err, "laborDemandId NOT_FOUND")
	_, err = exchange.ParseInputID(exchange.KindLaborDemand, "laborDemandId", exchange.GlobalID(exchange.KindLaborSupply, centerA))
	check(t, "id of another kind", err, "laborDemandId NOT_FOUND")
	check(t, "bad cursor", exchange.BadCursor(true), "after BAD_USER_INPUT")
	check(t, "first", exchange.CheckFirst(101), "first BAD_USER_INPUT")
}

func TestCenterRules(t *testing.T) {
	cat := testCatalog()
	in := exchange.RegisterCenterInput{Code: "HPG", Name: "Trung tâm", ProvinceCode: "31", Email: ptr("a@b.vn"), Phone: ptr("+84 225")}
	check(t, "register ok", exchange.ValidateRegisterCenter(cat, in).Err(), "")
	bad := in
	bad.Code, bad.Name, bad.ProvinceCode, bad.Email, bad.Phone = "h", " ", "06", ptr("Bob <a@b.vn>"), ptr(strings.Repeat("9", 33))
	check(t, "register bad", exchange.ValidateRegisterCenter(cat, bad).Err(),
		"code INVALID; name INVALID; provinceCode PROVINCE_DISSOLVED; email INVALID; phone TOO_LONG")
	check(t, "update clears contact", exchange.ValidateCenterDetails(cat, nil, nil, ptr(""), ptr("")).Err(), "")
	check(t, "update unknown province", exchange.ValidateCenterDetails(cat, nil, ptr("99"), nil, nil).Err(), "provinceCode UNKNOWN_PROVINCE")

	active := &exchange.Center{Code: "HPG", Status: exchange.CenterActive}
	suspended := &exchange.Center{Code: "HPG", Status: exchange.CenterSuspended}
	check(t, "suspend active", exchange.DecideCenterStatus(active, exchange.CenterSuspended), "")
	check(t, "suspend suspended", exchange.DecideCenterStatus(suspended, exchange.CenterSuspended), "INVALID_TRANSITION")
	check(t, "reinstate active", exchange.DecideCenterStatus(active, exchange.CenterActive), "INVALID_TRANSITION")
	check(t, "reinstate suspended", exchange.DecideCenterStatus(suspended, exchange.CenterActive), "")
	check(t, "suspend without reason", exchange.CheckSuspendReason("  "), "reason REQUIRED")
	check(t, "no center", exchange.NoCenter("X").At("centerCode"), "centerCode NOT_FOUND")

	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	key := exchange.AddCenterKeyInput{CenterCode: "HPG", Kid: "hpg-2026", Alg: "Ed25519", NotAfter: ptr(now.Add(time.Hour))}
	check(t, "key ok", exchange.ValidateCenterKey(key, nil, now).Err(), "")
	if exchange.NormalizeKeyAlg("Ed25519") != exchange.AlgEdDSA || exchange.NormalizeKeyAlg("ES256") != "ES256" {
		t.Error("NormalizeKeyAlg")
	}
	badKey := key
	badKey.Kid, badKey.NotAfter = "a b", ptr(now)
	errs := exchange.ValidateCenterKey(badKey, exchange.Errorf(exchange.CodeInternal, "x509: boom"), now)
	check(t, "key bad", errs.Err(), "kid INVALID; publicKeyPem INVALID_KEY; notAfter OUT_OF_RANGE")
	if errs[1].Message != "the public key is not a PEM-encoded key of the given algorithm" {
		t.Errorf("an internal parse error leaked: %q", errs[1].Message)
	}
	errs = exchange.ValidateCenterKey(key, exchange.Errorf(exchange.CodeInvalidKey, "an RSA key must have at least 2048 bits"), now)
	if errs[0].Message != "an RSA key must have at least 2048 bits" {
		t.Errorf("an application parse error lost its message: %q", errs[0].Message)
	}
	check(t, "key of unknown center", exchange.UnknownKeyCenter("ZZZ"), "centerCode UNKNOWN_CENTER")
	check(t, "revoke unknown", exchange.DecideRevokeKey(nil, "k"), "kid NOT_FOUND")
	check(t, "revoke revoked", exchange.DecideRevokeKey(&exchange.CenterKey{RevokedAt: &now}, "k"), "kid INVALID_TRANSITION")
	check(t, "revoke ok", exchange.DecideRevokeKey(&exchange.CenterKey{}, "k"), "")
}

func TestWorkerChangeRules(t *testing.T) {
	check(t, "registering center", exchange.DecideWorkerChange(pubA, centerA, "erase them"), "")
	check(t, "destination center", exchange.DecideWorkerChange(pubA, centerB, "erase them"), "FORBIDDEN")
	check(t, "nothing left to withdraw", exchange.DecideWithdrawConsent(0), "workerId INVALID_TRANSITION")
	check(t, "withdraw", exchange.DecideWithdrawConsent(2), "")
	check(t, "not found", exchange.WorkerNotFound(), "NOT_FOUND")
}

func TestSessionRules(t *testing.T) {
	sess := &exchange.ExchangeSession{HostCenterID: centerA}
	check(t, "cancel by host", exchange.DecideCancelSession(pubA, sess), "")
	check(t, "cancel by guest", exchange.DecideCancelSession(staff(centerB, "BBB", exchange.RolePublisher), sess), "sessionId FORBIDDEN")
	check(t, "outcome own", exchange.DecideOutcomeCenter(pubA, ptr(" aaa ")), "")
	check(t, "outcome default", exchange.DecideOutcomeCenter(pubA, nil), "")
	check(t, "outcome other", exchange.DecideOutcomeCenter(pubA, ptr("BBB")), "centerCode FORBIDDEN")
	check(t, "outcome not joined", exchange.DecideRecordOutcome(pubA, false), "sessionId FORBIDDEN")
	check(t, "outcome joined", exchange.DecideRecordOutcome(pubA, true), "")
	check(t, "no such session", exchange.NoSuchSession(), "sessionId NOT_FOUND")

	good := exchange.GlobalID(exchange.KindLaborDemand, centerA)
	_, err := exchange.ParseFeaturedDemandIDs([]string{good, "x", exchange.GlobalID(exchange.KindLaborSupply, centerA)})
	check(t, "featured ids", err, "featuredDemandIds.1 NOT_FOUND; featuredDemandIds.2 NOT_FOUND")
	open := exchange.FeaturedDemand{Found: true, CenterID: centerA, Status: exchange.DemandOpen}
	others := open
	others.CenterID = centerB
	closed, featured := open, open
	closed.Status = exchange.DemandClosed
	featured.Featured = true
	facts := []exchange.FeaturedDemand{open, {}, others, closed, featured}
	check(t, "featured by host", exchange.DecideFeaturedDemands(pubA, facts, false),
		"featuredDemandIds.1 NOT_FOUND; featuredDemandIds.3 INVALID; featuredDemandIds.4 INVALID")
	check(t, "featured by guest", exchange.DecideFeaturedDemands(pubA, facts, true),
		"featuredDemandIds.1 NOT_FOUND; featuredDemandIds.2 NOT_FOUND; featuredDemandIds.3 INVALID; featuredDemandIds.4 INVALID")
	// Not the guest's own and not there at all answer alike.
	_, malformed := exchange.ParseFeaturedDemandIDs([]string{"x"})
	if a, b, c := exchange.ErrorMessage(exchange.DecideFeaturedDemands(pubA, []exchange.FeaturedDemand{{}}, true)),
		exchange.ErrorMessage(exchange.DecideFeaturedDemands(pubA, []exchange.FeaturedDemand{others}, true)),
		exchange.ErrorMessage(malformed); a != b || a != c {
		t.Errorf("featured refusals differ: %q, %q, %q", a, b, c)
	}
}

func TestStatsScope(t *testing.T) {
	c, own, lookup, err := exchange.StatsScope(viewerA, nil)
	if c != "" || own != nil || lookup || err != nil {
		t.Errorf("national: %q %v %v %v", c, own, lookup, err)
	}
	c, own, lookup, err = exchange.StatsScope(viewerA, ptr(" aaa"))
	if c != "AAA" || own == nil || *own != centerA || lookup || err != nil {
		t.Errorf("own: %q %v %v %v", c, own, lookup, err)
	}
	_, _, _, err = exchange.StatsScope(viewerA, ptr("BBB"))
	check(t, "another center's", err, "centerCode FORBIDDEN")
	c, own, lookup, err = exchange.StatsScope(op, ptr("bbb"))
	if c != "BBB" || own != nil || !lookup || err != nil {
		t.Errorf("op: %q %v %v %v", c, own, lookup, err)
	}
	check(t, "unknown center", exchange.UnknownStatsCenter("ZZZ"), "centerCode NOT_FOUND")
	check(t, "unknown province", exchange.UnknownStatsProvince("99"), "provinceCode BAD_USER_INPUT")
}

func TestAgreementServiceRefusals(t *testing.T) {
	check(t, "not found", exchange.NoSuchAgreement("x"), "agreementId NOT_FOUND")
	check(t, "stale revision", exchange.SignatureField(exchange.Errorf(exchange.CodeStaleRevision, "x")), "revision STALE_REVISION")
	check(t, "signed twice", exchange.SignatureField(exchange.Errorf(exchange.CodeAlreadySigned, "x")), "revision ALREADY_SIGNED")
	check(t, "other refusal", exchange.SignatureField(exchange.Errorf(exchange.CodeForbidden, "x")), "FORBIDDEN")
	known := map[string]bool{"AAA": true}
	err := exchange.CheckCentersExist([]string{"AAA", "ZZZ"}, func(c string) bool { return known[c] },
		func(i int) []string { return []string{"partyCenterCodes", string(rune('0' + i))} })
	check(t, "unknown party", err, "partyCenterCodes.1 UNKNOWN_CENTER")
}
