package apitest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/webhook"
)

const (
	createWebhook = `mutation($in: CreateWebhookInput!) { createWebhook(input: $in) {
		webhook { id url entityTypes status center { code } } secret userErrors { field code message } } }`
	webhookDeliveries = `query($id: ID!) { webhookDeliveries(webhookId: $id, first: 100) {
		totalCount edges { node { sequence status attempts responseCode error nextAttemptAt deliveredAt } } } }`
)

// webhookOptions lets an instance call receivers on 127.0.0.1 only, retrying failures
// after milliseconds instead of seconds.
func webhookOptions(retry exchange.RetryPolicy) apitest.Options {
	if retry == (exchange.RetryPolicy{}) {
		retry = exchange.RetryPolicy{First: 10 * time.Millisecond, Max: 50 * time.Millisecond, DeadAfter: time.Hour}
	}
	return apitest.Options{Webhooks: webhook.Config{
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Retry: retry, Poll: 20 * time.Millisecond,
	}}
}

// delivery is one request a receiver got.
type delivery struct {
	ID, Timestamp, Signature, ContentType string
	Body                                  []byte
	Change                                map[string]any
	Status                                int // what the receiver answered
}

// receiver is a webhook endpoint on 127.0.0.1 that answers answer(n) to its n-th
// request (from 1) and records every request.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(n int) int
	ch     chan delivery
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	if answer == nil {
		answer = func(int) int { return http.StatusOK }
	}
	rc := &receiver{answer: answer, ch: make(chan delivery, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		d := delivery{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), ContentType: r.Header.Get("Content-Type"), Body: body}
		_ = json.Unmarshal(body, &d.Change)
		rc.mu.Lock()
		d.Status = rc.answer(len(rc.got) + 1)
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
		w.WriteHeader(d.Status)
		rc.ch <- d
	}))
	t.Cleanup(rc.Close)
	return rc
}

// next waits for the receiver's next request (the bound only stops a broken test).
func (rc *receiver) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-rc.ch:
		return d
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery within 30 s")
		return delivery{}
	}
}

// until reads requests until one carries the entity, and returns all read.
func (rc *receiver) until(t *testing.T, entityID string) []delivery {
	t.Helper()
	var out []delivery
	for {
		d := rc.next(t)
		out = append(out, d)
		if d.Change["entityId"] == entityID && d.Status == http.StatusOK {
			return out
		}
	}
}

func (rc *receiver) requests() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// verifies checks a delivery's signature with the secret createWebhook gave, computed
// here from the Standard Webhooks specification, not with the server's code.
func verifies(t *testing.T, secret string, d delivery) bool {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q is not whsec_ and base64", secret)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(d.ID + "." + d.Timestamp + "." + string(d.Body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(d.Signature) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return true
		}
	}
	return false
}

func mustCreateWebhook(t *testing.T, e *apitest.Env, token, url string, types []string) (id, secret string) {
	t.Helper()
	in := map[string]any{"url": url}
	if types != nil {
		in["entityTypes"] = types
	}
	r := e.Do(t, token, createWebhook, map[string]any{"in": in})
	r.NoErrors(t)
	return r.String(t, "createWebhook.webhook.id"), r.String(t, "createWebhook.secret")
}

func deliveriesOf(t *testing.T, e *apitest.Env, token, id string) []map[string]any {
	t.Helper()
	r := e.Do(t, token, webhookDeliveries, map[string]any{"id": id})
	r.NoErrors(t)
	var out []map[string]any
	for _, edge := range r.Get("webhookDeliveries.edges").([]any) {
		out = append(out, edge.(map[string]any)["node"].(map[string]any))
	}
	return out
}

// settled waits until the webhook lists n deliveries, none PENDING: a receiver gets a
// request before the worker commits its record of it.
func settled(t *testing.T, e *apitest.Env, token, id string, n int) []map[string]any {
	t.Helper()
	var list []map[string]any
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		list = deliveriesOf(t, e, token, id)
		if len(list) == n && !slices.ContainsFunc(list, func(d map[string]any) bool { return d["status"] == "PENDING" }) {
			return list
		}
	}
	t.Fatalf("webhook deliveries did not settle at %d: %v", n, list)
	return nil
}

func partners(t *testing.T, e *apitest.Env, a, b, bCode string) {
	t.Helper()
	r := e.Do(t, a, proposeAgreement, in("title", "Cung ứng lao động may", "partyCenterCodes", []string{bCode},
		"terms", terms(quota("8153", 50, "TNG", bCode))))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	e.Do(t, a, signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
	e.Do(t, b, signAgreement, in("agreementId", id, "revision", 1)).NoErrors(t)
}

// TestWebhookDeliversWhatTheCenterMaySeeSigned: TNG's webhook for demands receives
// its partner HPG's partner-only demand, not BNH's (no agreement), nor the agreement's
// own changes (not selected); each request carries the Standard Webhooks headers and
// a signature that verifies with the secret createWebhook showed.
func TestWebhookDeliversWhatTheCenterMaySeeSigned(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng, hpg, bnh := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31"), e.AddCenter(t, "BNH", "24")
	tn, hp, bn := tng.Token(t, "coordinator"), hpg.Token(t, "coordinator"), bnh.Token(t, "coordinator")
	rc := newReceiver(t, nil)
	id, secret := mustCreateWebhook(t, e, tn, rc.URL+"/hooks/laborx?src=test", []string{"LaborDemand"})
	partners(t, e, tn, hp, "HPG")

	partnerOnly := map[string]any{"visibility": "AGREEMENT_PARTNERS"}
	notPartner := mustPublishDemand(t, e, bn, partnerOnly)
	partner := mustPublishDemand(t, e, hp, partnerOnly)
	own := mustPublishDemand(t, e, tn, nil)

	got := rc.until(t, own)
	var entities []string
	for _, d := range got {
		entities = append(entities, d.Change["entityId"].(string))
		if d.ContentType != "application/json" || d.Timestamp == "" {
			t.Errorf("headers: content-type %q, webhook-timestamp %q", d.ContentType, d.Timestamp)
		}
		if ts, err := strconv.ParseInt(d.Timestamp, 10, 64); err != nil || ts < time.Now().Add(-time.Hour).Unix() {
			t.Errorf("webhook-timestamp %q is not recent Unix seconds", d.Timestamp)
		}
		if seq := d.Change["sequence"].(float64); d.ID != strconv.Itoa(int(seq)) {
			t.Errorf("webhook-id %q is not the change's sequence %v", d.ID, seq)
		}
		if !verifies(t, secret, d) {
			t.Errorf("delivery %s: signature %q does not verify", d.ID, d.Signature)
		}
		if d.Change["entityType"] != "LaborDemand" || d.Change["action"] != "PUBLISHED" || d.Change["cursor"] == "" {
			t.Errorf("body = %s", d.Body)
		}
	}
	if !slices.Equal(entities, []string{partner, own}) {
		t.Errorf("delivered %v, want the partner's demand %s and TNG's own %s (not BNH's %s)", entities, partner, own, notPartner)
	}
	if ac, _ := got[0].Change["actorCenter"].(map[string]any); ac["code"] != "HPG" {
		t.Errorf("actorCenter = %v, want HPG", got[0].Change["actorCenter"])
	}
	// The body is the Change as the feed gives it.
	r := e.Do(t, tn, `{ changes(first: 100) { edges { node { sequence entityId payload } } } }`, nil)
	for _, edge := range r.Get("changes.edges").([]any) {
		n := edge.(map[string]any)["node"].(map[string]any)
		if n["entityId"] == partner {
			want, _ := json.Marshal(n["payload"])
			have, _ := json.Marshal(got[0].Change["payload"])
			if string(want) != string(have) || n["sequence"] != got[0].Change["sequence"] {
				t.Errorf("delivered payload %s, the feed's %s", have, want)
			}
		}
	}

	list := settled(t, e, tn, id, 2)
	if len(list) != 2 || list[0]["status"] != "DELIVERED" || list[0]["attempts"] != 1.0 || list[0]["responseCode"] != 200.0 {
		t.Errorf("webhookDeliveries = %v", list)
	}
	r = e.Do(t, tn, `{ webhooks { id url status entityTypes lastSequence } }`, nil)
	if r.Len("webhooks") != 1 || r.Get("webhooks.0.id") != id || strings.Contains(string(r.Raw), secret) {
		t.Errorf("webhooks = %s", r.Raw)
	}
}

// TestWebhookRedeliversAfterFailure: a receiver answering 500 gets the same change
// again (same webhook-id, valid signature) until it answers 200; a receiver that
// never does leaves the delivery DEAD once its time is over.
func TestWebhookRedeliversAfterFailure(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, func(n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	id, secret := mustCreateWebhook(t, e, tn, rc.URL, nil)
	demand := mustPublishDemand(t, e, tn, nil)
	got := rc.until(t, demand)
	if len(got) != 2 || got[0].ID != got[1].ID || got[0].Status != 500 {
		t.Fatalf("requests = %+v, want a 500 then the same change again", got)
	}
	for _, d := range got {
		if !verifies(t, secret, d) {
			t.Errorf("attempt of %s does not verify", d.ID)
		}
	}
	list := settled(t, e, tn, id, 1)
	if len(list) != 1 || list[0]["status"] != "DELIVERED" || list[0]["attempts"] != 2.0 || list[0]["responseCode"] != 200.0 {
		t.Errorf("webhookDeliveries = %v", list)
	}
	resp, err := http.Get(e.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, line := range []string{`laborx_webhook_attempts_total{result="PENDING"} 1`, `laborx_webhook_attempts_total{result="DELIVERED"} 1`} {
		if !strings.Contains(string(metrics), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestWebhookDeadLetter: every attempt fails; past DeadAfter (shortened here) the
// delivery is DEAD and no longer tried.
func TestWebhookDeadLetter(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{First: 5 * time.Millisecond, Max: 20 * time.Millisecond,
		DeadAfter: time.Second}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	id, _ := mustCreateWebhook(t, e, tn, rc.URL, nil)
	mustPublishDemand(t, e, tn, nil)
	var list []map[string]any
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		list = deliveriesOf(t, e, tn, id)
		if len(list) == 1 && list[0]["status"] == "DEAD" {
			break
		}
	}
	if len(list) != 1 || list[0]["status"] != "DEAD" || list[0]["attempts"].(float64) < 2 ||
		list[0]["responseCode"] != 503.0 || list[0]["error"] != "HTTP 503" || list[0]["nextAttemptAt"] != nil {
		t.Fatalf("webhookDeliveries = %v, want one DEAD after several 503s", list)
	}
	attempts := len(rc.requests())
	// Another change is delivered (attempted) while the dead one stays as it is.
	other := mustPublishDemand(t, e, tn, nil)
	for d := rc.next(t); d.Change["entityId"] != other; d = rc.next(t) {
	}
	var now []map[string]any
	for deadline := time.Now().Add(30 * time.Second); len(now) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		now = deliveriesOf(t, e, tn, id) // the other's delivery commits after its request
	}
	if len(now) != 2 {
		t.Fatalf("deliveries = %v, want the dead one and the other", now)
	}
	if n := int(now[1]["attempts"].(float64)); n != int(list[0]["attempts"].(float64)) {
		t.Errorf("the dead delivery was tried again: %d attempts, was %d (receiver saw %d before)", n, int(list[0]["attempts"].(float64)), attempts)
	}
}

// TestWebhookTwoInstancesDeliverOnce: two instances on one database, both running the
// worker, changes published through both: each change reaches the receiver exactly
// once (the row lock keeps a webhook to one instance at a time).
func TestWebhookTwoInstancesDeliverOnce(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	_, second := e.NewInstance(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, nil)
	id, _ := mustCreateWebhook(t, e, tn, rc.URL, []string{"LaborDemand"})
	const n = 12
	var demands []string
	for i := range n {
		if i%2 == 0 {
			demands = append(demands, mustPublishDemand(t, e, tn, nil))
			continue
		}
		r := apitest.Post(t, second.URL, tn, publishDemand, map[string]any{"in": demandInput(nil)})
		r.NoErrors(t)
		demands = append(demands, r.String(t, "publishLaborDemand.laborDemand.id"))
	}
	rc.until(t, demands[n-1])
	// One more as a marker: deliveries of a webhook go in feed order, so once it has
	// arrived, a duplicate of an earlier change would have too.
	marker := mustPublishDemand(t, e, tn, nil)
	rc.until(t, marker)
	count := map[string]int{}
	for _, d := range rc.requests() {
		count[d.Change["entityId"].(string)]++
	}
	for _, d := range append(demands, marker) {
		if count[d] != 1 {
			t.Errorf("demand %s delivered %d times, want once", d, count[d])
		}
	}
	if got := len(rc.requests()); got != n+1 {
		t.Errorf("receiver got %d requests, want %d", got, n+1)
	}
	for _, d := range settled(t, e, tn, id, n+1) {
		if d["status"] != "DELIVERED" || d["attempts"] != 1.0 {
			t.Errorf("delivery %v, want DELIVERED at the first attempt", d)
		}
	}
}

// TestWebhookSurvivesRestart: deliveries pending (the receiver failing) and changes
// published while no worker runs are all delivered by the next instance to start.
func TestWebhookSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{First: 50 * time.Millisecond, Max: 100 * time.Millisecond,
		DeadAfter: time.Hour}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	var mu sync.Mutex
	up := false
	rc := newReceiver(t, func(int) int {
		mu.Lock()
		defer mu.Unlock()
		if up {
			return http.StatusOK
		}
		return http.StatusBadGateway
	})
	mustCreateWebhook(t, e, tn, rc.URL, []string{"LaborDemand"})
	var demands []string
	for range 3 {
		demands = append(demands, mustPublishDemand(t, e, tn, nil))
	}
	rc.next(t) // the worker has read the feed and failed at least once
	e.App.Webhooks.Close()
	for range 2 {
		demands = append(demands, mustPublishDemand(t, e, tn, nil)) // no worker runs now
	}
	mu.Lock()
	up = true
	mu.Unlock()
	e.NewInstance(t, webhookOptions(exchange.RetryPolicy{}))
	delivered := map[string]int{}
	for len(delivered) < len(demands) {
		if d := rc.next(t); d.Status == http.StatusOK {
			delivered[d.Change["entityId"].(string)]++
		}
	}
	for _, d := range demands {
		if delivered[d] != 1 {
			t.Errorf("demand %s delivered %d times after the restart, want once", d, delivered[d])
		}
	}
}

// TestWebhookAddressesAndInput: a URL whose address is outside --webhook-allow is
// refused at creation (ADDRESS_NOT_ALLOWED) and never called; so is every URL of an
// exchange with no allow list; bad URLs and entity types are INVALID.
func TestWebhookAddressesAndInput(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	ln, err := net.Listen("tcp", "127.0.0.2:0") // loopback, outside 127.0.0.1/32
	if err != nil {
		t.Fatal(err)
	}
	outside := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the address outside the allow list was called: %s %s", r.Method, r.URL)
	}))
	outside.Listener = ln
	outside.Start()
	t.Cleanup(outside.Close)

	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"url": outside.URL + "/hook"}, "ADDRESS_NOT_ALLOWED"},
		{map[string]any{"url": "http://10.0.0.1/hook"}, "ADDRESS_NOT_ALLOWED"},
		{map[string]any{"url": "http://169.254.169.254/latest/meta-data"}, "ADDRESS_NOT_ALLOWED"},
		{map[string]any{"url": "ftp://127.0.0.1/hook"}, "INVALID"},
		{map[string]any{"url": "http://user:pass@127.0.0.1/hook"}, "INVALID"},
		{map[string]any{"url": "http://127.0.0.1/hook", "entityTypes": []string{"Nonsense"}}, "INVALID"},
		{map[string]any{"url": "http://127.0.0.1/" + strings.Repeat("a", 2001)}, "TOO_LONG"},
	} {
		r := e.Do(t, tn, createWebhook, map[string]any{"in": tc.in})
		if codes := r.UserErrorCodes("createWebhook"); !slices.Equal(codes, []string{tc.want}) || r.Get("createWebhook.webhook") != nil ||
			r.Get("createWebhook.secret") != nil {
			t.Errorf("createWebhook(%v) = %s, want %s", tc.in["url"], r.Raw, tc.want)
		}
	}
	// An allowed webhook is delivered to; the refused address still never was.
	rc := newReceiver(t, nil)
	mustCreateWebhook(t, e, tn, rc.URL, nil)
	rc.until(t, mustPublishDemand(t, e, tn, nil))

	// An exchange with no --webhook-allow calls nothing.
	plain := apitest.New(t)
	bnh := plain.AddCenter(t, "BNH", "24")
	r := plain.Do(t, bnh.Token(t, "coordinator"), createWebhook, map[string]any{"in": map[string]any{"url": rc.URL}})
	if codes := r.UserErrorCodes("createWebhook"); !slices.Equal(codes, []string{"ADDRESS_NOT_ALLOWED"}) {
		t.Errorf("without an allow list: %s", r.Raw)
	}
}

// TestWebhookAccess: only a center's coordinators manage its webhooks; another
// center's webhook is NOT_FOUND everywhere, as an unknown ID.
func TestWebhookAccess(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	rc := newReceiver(t, nil)
	id, _ := mustCreateWebhook(t, e, tng.Token(t, "coordinator"), rc.URL, nil)
	in := map[string]any{"in": map[string]any{"url": rc.URL}}
	for name, tok := range map[string]string{
		"publisher": tng.Token(t, "publisher"), "viewer": tng.Token(t, "viewer"), "operator": e.OperatorToken(t),
	} {
		r := e.Do(t, tok, createWebhook, in)
		if codes := r.ErrorCodes(); !slices.Equal(codes, []string{"FORBIDDEN"}) || r.Get("createWebhook.webhook") != nil {
			t.Errorf("%s: createWebhook = %s, want FORBIDDEN", name, r.Raw)
		}
		if codes := e.Do(t, tok, `{ webhooks { id } }`, nil).ErrorCodes(); !slices.Equal(codes, []string{"FORBIDDEN"}) {
			t.Errorf("%s: webhooks errors = %v, want FORBIDDEN", name, codes)
		}
	}
	hp := hpg.Token(t, "coordinator")
	if r := e.Do(t, hp, `{ webhooks { id } }`, nil); r.Len("webhooks") != 0 {
		t.Errorf("HPG lists %s", r.Raw)
	}
	for _, q := range []string{
		`query($id: ID!) { webhookDeliveries(webhookId: $id) { totalCount } }`,
		`mutation($id: ID!) { rotateWebhookSecret(input: {webhookId: $id}) { secret webhook { id } } }`,
		`mutation($id: ID!) { disableWebhook(input: {webhookId: $id}) { webhook { id status } } }`,
	} {
		r := e.Do(t, hp, q, map[string]any{"id": id})
		if codes := r.ErrorCodes(); !slices.Equal(codes, []string{"NOT_FOUND"}) || strings.Contains(string(r.Raw), "whsec_") {
			t.Errorf("HPG on TNG's webhook: %s, want NOT_FOUND", r.Raw)
		}
		unknown := exchangeID(t, id)
		if codes := e.Do(t, hp, q, map[string]any{"id": unknown}).ErrorCodes(); !slices.Equal(codes, []string{"NOT_FOUND"}) {
			t.Errorf("unknown webhook: %v, want NOT_FOUND", codes)
		}
	}
	if r := e.Do(t, tng.Token(t, "coordinator"), `{ webhooks { status } }`, nil); r.Get("webhooks.0.status") != "ACTIVE" {
		t.Errorf("HPG's attempts changed TNG's webhook: %s", r.Raw)
	}
}

// exchangeID is another webhook ID of the same shape that names nothing.
func exchangeID(t *testing.T, id string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(raw[:len(raw)-4]) + "0000"))
}

// TestWebhookRotateAndDisable: after rotateWebhookSecret only the new secret verifies;
// after disableWebhook nothing more is delivered (a second webhook of the center shows
// the worker went on).
func TestWebhookRotateAndDisable(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, nil)
	id, old := mustCreateWebhook(t, e, tn, rc.URL, []string{"LaborDemand"})
	first := rc.until(t, mustPublishDemand(t, e, tn, nil))
	if !verifies(t, old, first[len(first)-1]) {
		t.Fatal("the first delivery does not verify with the secret of createWebhook")
	}

	r := e.Do(t, tn, `mutation($id: ID!) { rotateWebhookSecret(input: {webhookId: $id}) { secret webhook { id secretRotatedAt } userErrors { code } } }`,
		map[string]any{"id": id})
	r.NoErrors(t)
	fresh := r.String(t, "rotateWebhookSecret.secret")
	if fresh == old || !strings.HasPrefix(fresh, "whsec_") || r.Get("rotateWebhookSecret.webhook.secretRotatedAt") == nil {
		t.Fatalf("rotateWebhookSecret = %s", r.Raw)
	}
	after := rc.until(t, mustPublishDemand(t, e, tn, nil))
	d := after[len(after)-1]
	if !verifies(t, fresh, d) || verifies(t, old, d) {
		t.Errorf("after rotation: new secret verifies %t, old secret verifies %t; want true, false", verifies(t, fresh, d), verifies(t, old, d))
	}

	other := newReceiver(t, nil)
	mustCreateWebhook(t, e, tn, other.URL, []string{"LaborDemand"})
	r = e.Do(t, tn, `mutation($id: ID!) { disableWebhook(input: {webhookId: $id}) { webhook { status disabledAt } userErrors { code } } }`,
		map[string]any{"id": id})
	r.NoErrors(t)
	if r.Get("disableWebhook.webhook.status") != "DISABLED" {
		t.Fatalf("disableWebhook = %s", r.Raw)
	}
	listed := len(settled(t, e, tn, id, 2))
	before := len(rc.requests())
	late := mustPublishDemand(t, e, tn, nil)
	other.until(t, late)
	again := mustPublishDemand(t, e, tn, nil) // a second round of the worker, to be sure
	other.until(t, again)
	if n := len(rc.requests()); n != before {
		t.Errorf("the disabled webhook received %d more requests", n-before)
	}
	if n := len(deliveriesOf(t, e, tn, id)); n != listed {
		t.Errorf("the disabled webhook has %d new deliveries", n-listed)
	}
}

// TestWebhookDemandFilter: a webhook's filter keeps the demands that match it (here
// wageAtLeast), as laborDemandPublished(filter:) does.
func TestWebhookDemandFilter(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, nil)
	r := e.Do(t, tn, createWebhook, map[string]any{"in": map[string]any{"url": rc.URL,
		"filter": map[string]any{"wageAtLeast": 8000000, "provinceCodes": []string{"31"}}}})
	r.NoErrors(t)
	low := mustPublishDemand(t, e, tn, map[string]any{"wageMin": 5000000, "wageMax": 6000000})
	high := mustPublishDemand(t, e, tn, nil)
	got := rc.until(t, high)
	for _, d := range got {
		if d.Change["entityId"] == low {
			t.Errorf("the demand below wageAtLeast was delivered: %s", d.Body)
		}
	}
}

// TestWebhookSecretNotInTheClear: the database holds the secret sealed with the PII
// key, and neither the secret nor its key bytes appear in any webhook row or audit
// entry; the webhooks query does not return it.
func TestWebhookSecretNotInTheClear(t *testing.T) {
	t.Parallel()
	e := apitest.NewWith(t, webhookOptions(exchange.RetryPolicy{}))
	tng := e.AddCenter(t, "TNG", "19")
	tn := tng.Token(t, "coordinator")
	rc := newReceiver(t, nil)
	id, secret := mustCreateWebhook(t, e, tn, rc.URL+"/in?token=receiver-token", nil)
	r := e.Do(t, tn, `mutation($id: ID!) { rotateWebhookSecret(input: {webhookId: $id}) { secret } }`, map[string]any{"id": id})
	rotated := r.String(t, "rotateWebhookSecret.secret")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.OwnerDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, audit string
	if err := conn.QueryRow(ctx, `SELECT (SELECT string_agg(w::text, ' ') FROM webhooks w),
		(SELECT string_agg(a::text, ' ') FROM audit_entries a WHERE entity_kind = 'Webhook')`).Scan(&rows, &audit); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, rotated} {
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		for _, text := range []string{rows, audit} {
			if strings.Contains(text, strings.TrimPrefix(s, "whsec_")) || strings.Contains(text, hex.EncodeToString(key)) {
				t.Errorf("a secret is stored in the clear: %s", text)
			}
		}
	}
	if strings.Contains(audit, "receiver-token") {
		t.Errorf("the audit trail holds the URL's token: %s", audit)
	}
	if r := e.Do(t, tn, `{ webhooks { id url } }`, nil); strings.Contains(string(r.Raw), "whsec_") {
		t.Errorf("webhooks returns a secret: %s", r.Raw)
	}
}
