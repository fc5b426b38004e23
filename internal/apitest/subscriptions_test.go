package apitest_test

import (
	"context"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// TestReferralUpdatedReachesBothEndsOnly subscribes on a second instance: the origin and
// the destination receive each transition; a third center subscribed alongside gets
// nothing, and cannot subscribe to the referral by id.
func TestReferralUpdatedReachesBothEndsOnly(t *testing.T) {
	t.Parallel()
	f := newReferralFixture(t, apitest.Options{})
	_, second := f.e.NewInstance(t, apitest.Options{})
	const sub = `subscription($after: String) { referralUpdated(after: $after) { id status origin { code } worker { nationalIdMasked } } }`
	// Subscriptions start at the current feed cursor, so nothing committed between the
	// subscribe message and the server taking it up is missed.
	now := map[string]any{"after": feedCursor(t, f.e)}
	atOrigin := apitest.Subscribe(t, second.URL, f.origin, sub, now)
	atDest := apitest.Subscribe(t, second.URL, f.dest, sub, now)
	third := apitest.Subscribe(t, second.URL, f.bnh.Token(t, "coordinator"), sub, now)

	id, _ := refer(t, f.e, f.origin, referInput("001090012345", "HPG"))
	for name, s := range map[string]*apitest.Subscription{"origin": atOrigin, "destination": atDest} {
		ev := s.Next(t, 20*time.Second)["referralUpdated"].(map[string]any)
		if ev["id"] != id || ev["status"] != "REFERRED" {
			t.Errorf("%s got %v, want the new referral", name, ev)
		}
	}
	act(t, f.e, f.dest, id, "ACKNOWLEDGE").NoErrors(t)
	ev := atDest.Next(t, 20*time.Second)["referralUpdated"].(map[string]any)
	if ev["status"] != "ACKNOWLEDGED" || ev["worker"].(map[string]any)["nationalIdMasked"] != "********2345" {
		t.Errorf("destination got %v", ev)
	}
	ev = atOrigin.Next(t, 20*time.Second)["referralUpdated"].(map[string]any)
	if ev["status"] != "REFERRED" && ev["status"] != "ACKNOWLEDGED" {
		t.Errorf("origin got %v, want the acknowledged referral", ev)
	}
	third.Silent(t, 2*time.Second)

	r := apitest.SubscribeOnce(t, second.URL, f.bnh.Token(t, "coordinator"),
		`subscription($id: ID) { referralUpdated(referralId: $id) { id } }`, map[string]any{"id": id})
	if len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" {
		t.Errorf("third center subscribing to the referral: %s, want NOT_FOUND", r.Raw)
	}
}

// TestAgreementUpdatedReachesPartiesOnly: both parties follow a negotiation live; a
// fourth center subscribed at the same time receives nothing of it.
func TestAgreementUpdatedReachesPartiesOnly(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, hni := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "HNI", "01")
	const sub = `subscription($after: String) { agreementUpdated(after: $after) { id status currentRevision { number } } }`
	now := map[string]any{"after": feedCursor(t, e)}
	atHPG := apitest.Subscribe(t, e.Server.URL, hpg.Token(t, "viewer"), sub, now)
	outsider := apitest.Subscribe(t, e.Server.URL, hni.Token(t, "coordinator"), sub, now)

	r := e.Do(t, tng.Token(t, "coordinator"), proposeAgreement, in("title", "Cung ứng lao động",
		"partyCenterCodes", []string{"HPG"}, "terms", terms(quota("8153", 10, "TNG", "HPG"))))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	ev := atHPG.Next(t, 20*time.Second)["agreementUpdated"].(map[string]any)
	if ev["id"] != id || ev["status"] != "PROPOSED" {
		t.Fatalf("HPG got %v, want the proposal", ev)
	}
	e.Do(t, hpg.Token(t, "coordinator"), signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
	e.Do(t, tng.Token(t, "coordinator"), signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
	// Two signatures, two events; the second shows the agreement SIGNED.
	atHPG.Next(t, 20*time.Second)
	ev = atHPG.Next(t, 20*time.Second)["agreementUpdated"].(map[string]any)
	if ev["status"] != "SIGNED" {
		t.Errorf("HPG's last event = %v, want SIGNED", ev)
	}
	outsider.Silent(t, 2*time.Second)
}

// TestLaborDemandPublishedAcrossInstances: a subscriber on one instance receives the
// demands published through another, filtered like the laborDemands query, and never a
// partner-only demand of a center it has no agreement with.
func TestLaborDemandPublishedAcrossInstances(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	const sub = `subscription($f: LaborDemandFilter, $after: String) { laborDemandPublished(filter: $f, after: $after) {
		id title occupation { code } center { code } } }`
	now := feedCursor(t, e)
	sewing := apitest.Subscribe(t, second.URL, tng.Token(t, "viewer"), sub,
		map[string]any{"f": map[string]any{"occupationCode": "81", "text": "may cong nghiep"}, "after": now})
	all := apitest.Subscribe(t, second.URL, tng.Token(t, "viewer"), sub, map[string]any{"after": now})

	hp := hpg.Token(t, "publisher")
	mustPublishDemand(t, e, hp, map[string]any{"occupationCode": "8212", "title": "Lắp ráp linh kiện điện tử"})
	partnerOnly := mustPublishDemand(t, e, hp, map[string]any{"title": "May công nghiệp (đối tác)", "visibility": "AGREEMENT_PARTNERS"})
	sewingID := mustPublishDemand(t, e, hp, map[string]any{"title": "Công nhân may công nghiệp"})

	ev := all.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
	if ev["title"] != "Lắp ráp linh kiện điện tử" || ev["center"].(map[string]any)["code"] != "HPG" {
		t.Errorf("first event = %v", ev)
	}
	ev = all.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
	if ev["id"] == partnerOnly {
		t.Fatal("TNG received HPG's partner-only demand without an agreement")
	}
	if ev["id"] != sewingID {
		t.Errorf("second event = %v, want the sewing demand", ev)
	}
	ev = sewing.Next(t, 20*time.Second)["laborDemandPublished"].(map[string]any)
	if ev["id"] != sewingID {
		t.Errorf("filtered subscription got %v, want only the sewing demand (8153, 'may công nghiệp')", ev)
	}
	sewing.Silent(t, time.Second)
}

// feedCursor is the change-feed cursor after the newest committed change.
func feedCursor(t testing.TB, e *apitest.Env) string {
	t.Helper()
	seq, err := postgres.NewChangeService(e.App.DB).LatestSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return exchange.ChangeCursor(seq)
}

// TestRevokedKeyEndsLiveSubscriptions: revoking a key, or suspending a center, ends
// the subscriptions opened with its tokens at once on another instance, not when the
// tokens expire: with UNAUTHENTICATED, and the connection closed with 4403 (not a bare
// complete a client would take for a normal end); another center's stream goes on.
func TestRevokedKeyEndsLiveSubscriptions(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	_, second := e.NewInstance(t, apitest.Options{})
	const sub = `subscription($after: String) { changes(after: $after) { entityType action } }`
	now := map[string]any{"after": feedCursor(t, e)}
	tngFeed := apitest.Subscribe(t, second.URL, tng.Token(t, "viewer"), sub, now)
	bnhDemands := apitest.Subscribe(t, second.URL, bnh.Token(t, "viewer"),
		`subscription($after: String) { laborDemandPublished(after: $after) { id } }`, now)
	hpgFeed := apitest.Subscribe(t, second.URL, hpg.Token(t, "viewer"), sub, now)

	e.Do(t, e.OperatorToken(t), `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) { userErrors { code } } }`,
		map[string]any{"kid": tng.KID}).NoErrors(t)
	if errs := tngFeed.Failed(t, 20*time.Second); len(errs) != 1 || errs[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("TNG's feed after its revocation ended with %v, want UNAUTHENTICATED", errs)
	}
	if tngFeed.CloseCode != 4403 {
		t.Errorf("TNG's connection after its revocation: close code %d (0: complete), want 4403", tngFeed.CloseCode)
	}
	e.Do(t, e.OperatorToken(t), `mutation { suspendCenter(input: {centerCode: "BNH", reason: "audit"}) { userErrors { code } } }`, nil).NoErrors(t)
	if errs := bnhDemands.Failed(t, 20*time.Second); len(errs) != 1 || errs[0].Code() != "UNAUTHENTICATED" || bnhDemands.CloseCode != 4403 {
		t.Errorf("BNH's demands after its suspension ended with %v and close code %d, want UNAUTHENTICATED and 4403", errs, bnhDemands.CloseCode)
	}

	e.AddCenter(t, "HNI", "01")
	for { // the suspension may come first
		ev := hpgFeed.Next(t, 20*time.Second)["changes"].(map[string]any)
		if ev["entityType"] == "Center" && ev["action"] == "CREATED" {
			break
		}
	}
}
