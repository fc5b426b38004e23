package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/pgtest"
	"github.com/laborx/laborx/internal/postgres"
)

type fixture struct {
	db         *postgres.DB
	agreements *postgres.AgreementService
	centers    map[string]*exchange.Center
}

func newFixture(t *testing.T, codes ...string) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.New(ctx, pgtest.NewPool(t, pgtest.Laborx))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, agreements: postgres.NewAgreementService(db), centers: map[string]*exchange.Center{}}
	op := auth.NewContext(ctx, &exchange.Principal{Subject: "test", Roles: []exchange.Role{exchange.RoleOperator}})
	provinces := map[string]string{"TNG": "19", "HPG": "31", "BNH": "24"}
	for _, code := range codes {
		c, err := postgres.NewCenterService(db).RegisterCenter(op, exchange.RegisterCenterInput{
			Code: code, Name: "Trung tâm " + code, ProvinceCode: provinces[code]})
		if err != nil {
			t.Fatal(err)
		}
		f.centers[code] = c
	}
	return f
}

func (f *fixture) as(code string) context.Context {
	c := f.centers[code]
	return auth.NewContext(context.Background(), &exchange.Principal{
		CenterID: c.ID, CenterCode: c.Code, Subject: "director@" + code, Roles: []exchange.Role{exchange.RoleCoordinator}})
}

// signed proposes and signs an agreement between TNG and HPG valid from..until.
func (f *fixture) signed(t *testing.T, from, until time.Time, quotas ...exchange.QuotaLine) *exchange.Agreement {
	t.Helper()
	a, err := f.agreements.ProposeAgreement(f.as("TNG"), exchange.ProposeAgreementInput{
		Title: "t", PartyCenterCodes: []string{"HPG"},
		Terms: exchange.AgreementTerms{ValidFrom: from, ValidUntil: until, Quotas: quotas},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := exchange.GlobalID(exchange.KindAgreement, a.ID)
	for _, code := range []string{"TNG", "HPG"} {
		if a, err = f.agreements.SignAgreement(f.as(code), exchange.SignAgreementInput{AgreementID: id, Revision: 1}); err != nil {
			t.Fatal(err)
		}
	}
	today := exchange.Today(time.Now())
	if want := !today.Before(from) && !today.After(until); a.Status != exchange.AgreementSigned || a.IsActive != want {
		t.Fatalf("agreement is %s, active %v, want SIGNED, active %v", a.Status, a.IsActive, want)
	}
	return a
}

// TestConsumeQuota_NeverPassesTheLine: 200 parallel hires against a line of 10 workers.
func TestConsumeQuota_NeverPassesTheLine(t *testing.T) {
	f := newFixture(t, "TNG", "HPG")
	today := exchange.Today(time.Now())
	a := f.signed(t, today.AddDate(0, 0, -1), today.AddDate(1, 0, 0),
		exchange.QuotaLine{OccupationCode: "8153", Workers: 10, FromCenterCode: "TNG", ToCenterCode: "HPG"})
	tng, hpg := f.centers["TNG"].ID, f.centers["HPG"].ID

	const n = 200
	var ok, exceeded atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := f.db.ConsumeQuota(context.Background(), a.ID, "8153", tng, hpg)
			switch {
			case err == nil:
				ok.Add(1)
			case exchange.ErrorCode(err) == exchange.CodeQuotaExceeded:
				exceeded.Add(1)
			default:
				t.Errorf("consumeQuota: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 10 || exceeded.Load() != n-10 {
		t.Fatalf("%d hires counted and %d QUOTA_EXCEEDED, want 10 and %d", ok.Load(), exceeded.Load(), n-10)
	}
	lines, err := f.agreements.AgreementQuotaLines(f.as("HPG"), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].Hired != 10 || lines[0].Referred != 0 {
		t.Fatalf("quota line after the race: %+v", lines)
	}
}

func TestConsumeQuota_Refusals(t *testing.T) {
	f := newFixture(t, "TNG", "HPG", "BNH")
	today := exchange.Today(time.Now())
	a := f.signed(t, today.AddDate(0, 0, -1), today.AddDate(1, 0, 0),
		exchange.QuotaLine{OccupationCode: "8153", Workers: 1, FromCenterCode: "TNG", ToCenterCode: "HPG"})
	tng, hpg := f.centers["TNG"].ID, f.centers["HPG"].ID
	ctx := context.Background()

	for range 3 {
		if err := f.db.CountQuotaReferral(ctx, a.ID, "8153", tng, hpg); err != nil {
			t.Fatal(err)
		}
	}
	// No line for the other direction or another occupation.
	for _, c := range []struct {
		occ      string
		from, to uuid.UUID
	}{{"8153", hpg, tng}, {"8212", tng, hpg}} {
		if err := f.db.ConsumeQuota(ctx, a.ID, c.occ, c.from, c.to); exchange.ErrorCode(err) != exchange.CodeInvalid {
			t.Fatalf("consumeQuota without a line: %v", err)
		}
	}
	if err := f.db.ConsumeQuota(ctx, uuid.New(), "8153", tng, hpg); exchange.ErrorCode(err) != exchange.CodeNotFound {
		t.Fatalf("consumeQuota of a missing agreement: %v", err)
	}
	// An agreement not yet valid is not active.
	later := f.signed(t, today.AddDate(0, 1, 0), today.AddDate(1, 0, 0),
		exchange.QuotaLine{OccupationCode: "8153", Workers: 1, FromCenterCode: "TNG", ToCenterCode: "HPG"})
	if err := f.db.ConsumeQuota(ctx, later.ID, "8153", tng, hpg); exchange.ErrorCode(err) != exchange.CodeInvalid {
		t.Fatalf("consumeQuota of an agreement not yet valid: %v", err)
	}
	if err := f.db.ConsumeQuota(ctx, a.ID, "8153", tng, hpg); err != nil {
		t.Fatal(err)
	}
	if err := f.db.ConsumeQuota(ctx, a.ID, "8153", tng, hpg); exchange.ErrorCode(err) != exchange.CodeQuotaExceeded {
		t.Fatalf("second hire on a line of 1: %v", err)
	}
	lines, err := f.agreements.AgreementQuotaLines(f.as("TNG"), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lines[0].Referred != 3 || lines[0].Hired != 1 {
		t.Fatalf("quota line: %+v", lines[0])
	}
	// Outsiders see no quota lines.
	if lines, err := f.agreements.AgreementQuotaLines(f.as("BNH"), a.ID); err != nil || len(lines) != 0 {
		t.Fatalf("outsider quota lines: %v %v", lines, err)
	}
}

// TestArePartners: the real rule replaces the stub of 00003_partners.sql.
func TestArePartners(t *testing.T) {
	f := newFixture(t, "TNG", "HPG", "BNH")
	ctx := context.Background()
	today := exchange.Today(time.Now())
	tng, hpg, bnh := f.centers["TNG"].ID, f.centers["HPG"].ID, f.centers["BNH"].ID
	partners := func(a, b uuid.UUID, day time.Time) bool {
		t.Helper()
		var ok bool
		if err := f.db.Pool.QueryRow(ctx, `SELECT are_partners($1, $2, $3)`, a, b, day).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !partners(bnh, bnh, today) || partners(tng, hpg, today) {
		t.Fatal("before any agreement: only a center is its own partner")
	}
	// Proposed, not signed: not partners.
	_, err := f.agreements.ProposeAgreement(f.as("TNG"), exchange.ProposeAgreementInput{Title: "t", PartyCenterCodes: []string{"BNH"},
		Terms: exchange.AgreementTerms{ValidFrom: today, ValidUntil: today.AddDate(0, 1, 0),
			Quotas: []exchange.QuotaLine{{OccupationCode: "8153", Workers: 1, FromCenterCode: "TNG", ToCenterCode: "BNH"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if partners(tng, bnh, today) {
		t.Fatal("a proposed agreement made partners")
	}
	a := f.signed(t, today.AddDate(0, 0, -1), today.AddDate(0, 0, 10),
		exchange.QuotaLine{OccupationCode: "8153", Workers: 1, FromCenterCode: "TNG", ToCenterCode: "HPG"})
	switch {
	case !partners(tng, hpg, today), !partners(hpg, tng, today.AddDate(0, 0, 10)), !partners(tng, hpg, today.AddDate(0, 0, -1)):
		t.Fatal("signed agreement within validity: not partners")
	case partners(tng, hpg, today.AddDate(0, 0, 11)), partners(tng, hpg, today.AddDate(0, 0, -2)):
		t.Fatal("partners outside the validity period")
	case partners(tng, bnh, today), partners(hpg, bnh, today):
		t.Fatal("partners without a signed agreement")
	}
	if _, err := f.agreements.TerminateAgreement(f.as("HPG"), exchange.TerminateAgreementInput{
		AgreementID: exchange.GlobalID(exchange.KindAgreement, a.ID), Reason: "end"}); err != nil {
		t.Fatal(err)
	}
	if partners(tng, hpg, today) {
		t.Fatal("partners after termination")
	}
}

// TestAgreementListFetchers_RecheckParties: the batch fetchers behind the loaders give
// an outsider empty lists, whatever ids it passes, and a party the lists of its own
// agreements only.
func TestAgreementListFetchers_RecheckParties(t *testing.T) {
	f := newFixture(t, "TNG", "HPG", "BNH")
	today := exchange.Today(time.Now())
	terms := exchange.AgreementTerms{ValidFrom: today, ValidUntil: today.AddDate(1, 0, 0),
		Quotas: []exchange.QuotaLine{{OccupationCode: "8153", Workers: 5, FromCenterCode: "TNG", ToCenterCode: "HPG"}}}
	mine, err := f.agreements.ProposeAgreement(f.as("TNG"), exchange.ProposeAgreementInput{Title: "TNG–HPG", PartyCenterCodes: []string{"HPG"}, Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	terms.Quotas[0].ToCenterCode = "BNH"
	theirs, err := f.agreements.ProposeAgreement(f.as("TNG"), exchange.ProposeAgreementInput{Title: "TNG–BNH", PartyCenterCodes: []string{"BNH"}, Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	ids := []uuid.UUID{mine.ID, theirs.ID}
	for _, c := range []struct {
		who        string
		ctx        context.Context
		mine, them int
	}{
		{"HPG", f.as("HPG"), 1, 0},
		{"BNH", f.as("BNH"), 0, 1},
		{"TNG", f.as("TNG"), 1, 1},
		{"operator", auth.NewContext(context.Background(), &exchange.Principal{Subject: "op", Roles: []exchange.Role{exchange.RoleOperator}}), 1, 1},
	} {
		revs, err := f.agreements.RevisionsByAgreement(c.ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		events, err := f.agreements.EventsByAgreement(c.ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := f.agreements.QuotaLinesByAgreement(c.ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		comments, err := f.agreements.CommentsByAgreement(c.ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string][2]int{
			"revisions":  {len(revs[mine.ID]), len(revs[theirs.ID])},
			"events":     {len(events[mine.ID]), len(events[theirs.ID])},
			"quotaLines": {len(lines[mine.ID]), len(lines[theirs.ID])},
		} {
			if got != [2]int{c.mine, c.them} {
				t.Errorf("%s: %s = %v, want [%d %d]", c.who, name, got, c.mine, c.them)
			}
		}
		if comments[mine.ID] == nil || comments[theirs.ID] == nil || len(comments[mine.ID])+len(comments[theirs.ID]) != 0 {
			t.Errorf("%s: comments = %v, want two empty lists", c.who, comments)
		}
	}
}
