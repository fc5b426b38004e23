package exchange_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestAuthorizeWebhooks(t *testing.T) {
	t.Parallel()
	center := uuid.New()
	for _, tc := range []struct {
		name string
		p    *exchange.Principal
		want exchange.Code
	}{
		{"coordinator", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RoleCoordinator}}, ""},
		{"publisher", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RolePublisher}}, exchange.CodeForbidden},
		{"viewer", &exchange.Principal{CenterID: center, Roles: []exchange.Role{exchange.RoleViewer}}, exchange.CodeForbidden},
		{"operator", &exchange.Principal{Roles: []exchange.Role{exchange.RoleOperator}}, exchange.CodeForbidden},
		{"nobody", nil, exchange.CodeUnauthenticated},
	} {
		err := exchange.AuthorizeWebhooks(tc.p)
		if (tc.want == "" && err != nil) || (tc.want != "" && exchange.ErrorCode(err) != tc.want) {
			t.Errorf("%s: AuthorizeWebhooks = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDecideNewWebhook(t *testing.T) {
	t.Parallel()
	if err := exchange.DecideNewWebhook(exchange.MaxWebhooksPerCenter - 1); err != nil {
		t.Errorf("DecideNewWebhook(%d) = %v, want allowed", exchange.MaxWebhooksPerCenter-1, err)
	}
	err := exchange.DecideNewWebhook(exchange.MaxWebhooksPerCenter)
	if exchange.ErrorCode(err) != exchange.CodeOutOfRange {
		t.Fatalf("DecideNewWebhook(%d) = %v, want OUT_OF_RANGE", exchange.MaxWebhooksPerCenter, err)
	}
	if want := "a center has at most 20 active webhooks; disable one first"; exchange.ErrorMessage(err) != want {
		t.Errorf("message %q, want %q", exchange.ErrorMessage(err), want)
	}
	id := uuid.New()
	nf := exchange.WebhookNotFound(id)
	if nf.Code != exchange.CodeNotFound || !strings.Contains(nf.Message, exchange.GlobalID(exchange.KindWebhook, id)) {
		t.Errorf("WebhookNotFound = %+v, want NOT_FOUND naming the global ID", nf)
	}
}

func TestValidateWebhook(t *testing.T) {
	t.Parallel()
	long := "http://127.0.0.1/" + strings.Repeat("a", exchange.MaxWebhookURLLen)
	text := strings.Repeat("x", exchange.MaxWebhookFilterTextLen+1)
	for _, tc := range []struct {
		name string
		in   exchange.CreateWebhookInput
		want exchange.Code // "" accepts
	}{
		{"https", exchange.CreateWebhookInput{URL: "https://hooks.example.vn/laborx?t=1"}, ""},
		{"http with port and types", exchange.CreateWebhookInput{URL: "http://127.0.0.1:9000/h", EntityTypes: []string{"LaborDemand", "Referral"}}, ""},
		{"empty", exchange.CreateWebhookInput{URL: " "}, exchange.CodeRequired},
		{"too long", exchange.CreateWebhookInput{URL: long}, exchange.CodeTooLong},
		{"relative", exchange.CreateWebhookInput{URL: "/hook"}, exchange.CodeInvalid},
		{"ftp", exchange.CreateWebhookInput{URL: "ftp://127.0.0.1/h"}, exchange.CodeInvalid},
		{"javascript", exchange.CreateWebhookInput{URL: "javascript:alert(1)"}, exchange.CodeInvalid},
		{"credentials", exchange.CreateWebhookInput{URL: "https://user:pw@hooks.example.vn/"}, exchange.CodeInvalid},
		{"user only", exchange.CreateWebhookInput{URL: "https://user@hooks.example.vn/"}, exchange.CodeInvalid},
		{"no host", exchange.CreateWebhookInput{URL: "http:///h"}, exchange.CodeInvalid},
		{"fragment", exchange.CreateWebhookInput{URL: "https://hooks.example.vn/#x"}, exchange.CodeInvalid},
		{"unknown type", exchange.CreateWebhookInput{URL: "https://h.vn/", EntityTypes: []string{"Demand"}}, exchange.CodeInvalid},
		{"type twice", exchange.CreateWebhookInput{URL: "https://h.vn/", EntityTypes: []string{"Center", "Center"}}, exchange.CodeInvalid},
		{"too many types", exchange.CreateWebhookInput{URL: "https://h.vn/", EntityTypes: make([]string, exchange.MaxWebhookEntityTypes+1)}, exchange.CodeOutOfRange},
		{"filter text", exchange.CreateWebhookInput{URL: "https://h.vn/", Filter: &exchange.LaborDemandFilter{Text: &text}}, exchange.CodeTooLong},
		{"filter codes", exchange.CreateWebhookInput{URL: "https://h.vn/", Filter: &exchange.LaborDemandFilter{ProvinceCodes: make([]string, exchange.MaxWebhookFilterCodes+1)}}, exchange.CodeOutOfRange},
	} {
		_, errs := exchange.ValidateWebhook(&tc.in)
		switch {
		case tc.want == "" && len(errs) > 0:
			t.Errorf("%s: refused: %v", tc.name, errs)
		case tc.want != "" && (len(errs) == 0 || errs[0].Code != tc.want):
			t.Errorf("%s: errors = %v, want %s", tc.name, errs, tc.want)
		}
	}
}

func TestWebhookAddresses(t *testing.T) {
	t.Parallel()
	allow, err := exchange.ParseAllowList([]string{"127.0.0.1/32", " 10.20.0.0/16 ", "2001:db8::1", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(allow) != 3 {
		t.Fatalf("allow list = %v", allow)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "127.0.0.2": false, "10.20.255.1": true, "10.21.0.1": false,
		"2001:db8::1": true, "2001:db8::2": false, "::1": false, "169.254.169.254": false,
	} {
		if got := exchange.AddressAllowed(allow, netip.MustParseAddr(addr)); got != want {
			t.Errorf("AddressAllowed(%s) = %t, want %t", addr, got, want)
		}
	}
	if exchange.AddressAllowed(nil, netip.MustParseAddr("127.0.0.1")) {
		t.Error("an empty allow list allows something")
	}
	if _, err := exchange.ParseAllowList([]string{"localhost"}); err == nil {
		t.Error("ParseAllowList accepted a host name")
	}
	ok := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	mixed := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	for _, tc := range []struct {
		name  string
		allow []netip.Prefix
		addrs []netip.Addr
		want  exchange.Code
	}{
		{"allowed", allow, ok, ""},
		{"one address outside", allow, mixed, exchange.CodeAddressNotAllowed},
		{"unresolved", allow, nil, exchange.CodeAddressNotAllowed},
		{"nothing allowed", nil, ok, exchange.CodeAddressNotAllowed},
	} {
		err := exchange.CheckWebhookAddresses(tc.allow, "h", tc.addrs)
		if (tc.want == "" && err != nil) || (tc.want != "" && exchange.ErrorCode(err) != tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestWebhookSecret(t *testing.T) {
	t.Parallel()
	s, key, err := exchange.NewWebhookSecret()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "whsec_") || len(key) != 32 {
		t.Fatalf("secret %q with a %d-byte key", s, len(key))
	}
	back, err := exchange.WebhookSecretKey(s)
	if err != nil || string(back) != string(key) {
		t.Errorf("WebhookSecretKey(%q) = %x, %v", s, back, err)
	}
	if s2, _, _ := exchange.NewWebhookSecret(); s2 == s {
		t.Error("two secrets are equal")
	}
	for _, bad := range []string{"", "MfKQ9r8G", "whsec_!!"} {
		if _, err := exchange.WebhookSecretKey(bad); err == nil {
			t.Errorf("WebhookSecretKey(%q) accepted", bad)
		}
	}
}

func TestWebhookWants(t *testing.T) {
	t.Parallel()
	all := &exchange.Webhook{}
	demands := &exchange.Webhook{EntityTypes: []string{"LaborDemand"}}
	if !exchange.WebhookWants(all, exchange.KindReferral) || !exchange.WebhookWants(demands, exchange.KindLaborDemand) ||
		exchange.WebhookWants(demands, exchange.KindReferral) {
		t.Error("WebhookWants: empty selects all; otherwise the listed types only")
	}
	p := exchange.WebhookPrincipal(&exchange.Webhook{ID: uuid.New(), CenterID: uuid.New()})
	if !p.Has(exchange.RoleCoordinator) || p.IsOperator() || !exchange.SeesIndividualChanges(p) {
		t.Errorf("WebhookPrincipal = %+v, want its center's coordinator", p)
	}
}

// TestRetryPolicy: the default schedule doubles from 5 s to an hour; a failure on or
// after the day's end is dead, and the last attempt is never scheduled past it.
func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	p := exchange.DefaultRetryPolicy
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.Delay(11); got != time.Hour {
		t.Errorf("Delay(11) = %v, want the 1 h cap", got)
	}
	if got := p.Delay(1000); got != time.Hour {
		t.Errorf("Delay(1000) = %v, want the 1 h cap (no overflow)", got)
	}
	due := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	next, dead := p.AfterFailure(due, 1, due)
	if dead || !next.Equal(due.Add(5*time.Second)) {
		t.Errorf("first failure: next %v dead %t", next, dead)
	}
	late := due.Add(24*time.Hour - 10*time.Minute)
	next, dead = p.AfterFailure(due, 30, late)
	if dead || !next.Equal(due.Add(24*time.Hour)) {
		t.Errorf("failure 10 min before the deadline: next %v dead %t, want the deadline itself", next, dead)
	}
	if _, dead = p.AfterFailure(due, 31, due.Add(24*time.Hour)); !dead {
		t.Error("a failure at the deadline is not dead")
	}
	// Attempts over the day: about 5 s doubling to 1 h, then hourly, so roughly 30.
	n, at := 0, due
	for {
		n++
		next, dead := p.AfterFailure(due, n, at)
		if dead {
			break
		}
		at = next
	}
	if n < 25 || n > 40 {
		t.Errorf("%d attempts in a day, want about 30", n)
	}
}
