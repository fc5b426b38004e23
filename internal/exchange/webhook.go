package exchange

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Webhooks push a center's change feed to an HTTP endpoint it names (DESIGN §10). These
// are their rules: who may manage them, which URLs and addresses they may call, and
// when a failed delivery is tried again or given up.

// KindWebhook and KindWebhookDelivery name webhooks and their deliveries in global IDs.
const (
	KindWebhook         Kind = "Webhook"
	KindWebhookDelivery Kind = "WebhookDelivery"
)

// CodeAddressNotAllowed: a webhook URL's host resolves to an address outside the
// instance's --webhook-allow list (or does not resolve). Reported as a userErrors code.
const CodeAddressNotAllowed Code = "ADDRESS_NOT_ALLOWED"

// WebhookStatus is whether a webhook still delivers.
type WebhookStatus string

const (
	WebhookActive   WebhookStatus = "ACTIVE"
	WebhookDisabled WebhookStatus = "DISABLED"
)

// WebhookDeliveryStatus is where one change's delivery to one webhook stands.
type WebhookDeliveryStatus string

const (
	// DeliveryPending: not delivered yet; tried again at NextAttemptAt.
	DeliveryPending WebhookDeliveryStatus = "PENDING"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered WebhookDeliveryStatus = "DELIVERED"
	// DeliveryDead: every attempt of a day failed; no more attempts (dead letter).
	DeliveryDead WebhookDeliveryStatus = "DEAD"
)

// Webhook is a center's subscription to its change feed over HTTP. The secret is never
// part of it: it leaves the store only as createWebhook's and rotateWebhookSecret's answer.
type Webhook struct {
	ID          uuid.UUID          `db:"id"`
	CenterID    uuid.UUID          `db:"center_id"`
	URL         string             `db:"url"`
	EntityTypes []string           `db:"entity_types"`
	Filter      *LaborDemandFilter `db:"demand_filter"`
	Status      WebhookStatus      `db:"status"`
	// LastSequence is the feed sequence the webhook has read up to: every visible change
	// at or below it has a delivery.
	LastSequence    int64      `db:"last_sequence"`
	CreatedAt       time.Time  `db:"created_at"`
	SecretRotatedAt *time.Time `db:"secret_rotated_at"`
	DisabledAt      *time.Time `db:"disabled_at"`
}

// WebhookDelivery is one change's delivery to one webhook and how its attempts went.
type WebhookDelivery struct {
	ID            uuid.UUID             `db:"id"`
	WebhookID     uuid.UUID             `db:"webhook_id"`
	Sequence      int64                 `db:"sequence"`
	Status        WebhookDeliveryStatus `db:"status"`
	Attempts      int                   `db:"attempts"`
	ResponseCode  *int                  `db:"response_code"`
	Error         *string               `db:"last_error"`
	NextAttemptAt *time.Time            `db:"next_attempt_at"`
	LastAttemptAt *time.Time            `db:"last_attempt_at"`
	DeliveredAt   *time.Time            `db:"delivered_at"`
	CreatedAt     time.Time             `db:"created_at"`
}

// CreateWebhookInput is createWebhook's input.
type CreateWebhookInput struct {
	URL         string
	EntityTypes []string
	Filter      *LaborDemandFilter
}

// RotateWebhookSecretInput names the webhook whose secret is replaced.
type RotateWebhookSecretInput struct{ WebhookID string }

// DisableWebhookInput names the webhook to stop.
type DisableWebhookInput struct{ WebhookID string }

// WebhookService manages a center's webhooks; the delivery worker runs apart from it.
type WebhookService interface {
	// CreateWebhook returns the webhook and its secret, which is never shown again.
	CreateWebhook(ctx context.Context, in CreateWebhookInput) (*Webhook, string, error)
	RotateWebhookSecret(ctx context.Context, id uuid.UUID) (*Webhook, string, error)
	DisableWebhook(ctx context.Context, id uuid.UUID) (*Webhook, error)
	Webhooks(ctx context.Context) ([]*Webhook, error)
	WebhookDeliveries(ctx context.Context, webhookID uuid.UUID, page PageArgs) (*Page[*WebhookDelivery], error)
}

// Limits of a webhook's input.
const (
	MaxWebhookURLLen         = 2000
	MaxWebhookEntityTypes    = 20
	MaxWebhookFilterCodes    = 100
	MaxWebhookFilterTextLen  = 200
	MaxWebhooksPerCenter     = 20
	webhookSecretBytes       = 32
	webhookSecretPrefix      = "whsec_"
	webhookOccupationCodeLen = 10
)

// WebhookEntityTypes are the values of Change.entityType a webhook may select.
var WebhookEntityTypes = []Kind{KindLaborDemand, KindLaborSupply, KindAgreement, KindReferral, KindCenter,
	KindCenterKey, KindExchangeSession, KindBenefitTransfer, KindWorker}

// AuthorizeWebhooks allows a center's coordinator to manage the center's webhooks:
// the feed a webhook pushes is the whole center's, so it is the coordinator's call.
// authz: webhooks belong to a center; operators and the other roles are refused.
func AuthorizeWebhooks(p *Principal) error {
	if err := p.Require(RoleCoordinator); err != nil {
		return err
	}
	if p.CenterID == uuid.Nil {
		return Errorf(CodeForbidden, "webhooks belong to a center; the operator has none")
	}
	return nil
}

// DecideNewWebhook allows one more active webhook to a center that has active ones
// already: each costs a delivery worker's attention, so a center keeps a bounded number.
func DecideNewWebhook(active int) error {
	if active >= MaxWebhooksPerCenter {
		return Errorf(CodeOutOfRange, "a center has at most %d active webhooks; disable one first", MaxWebhooksPerCenter)
	}
	return nil
}

// WebhookNotFound refuses an unknown webhook ID and another center's alike, so IDs
// cannot be probed.
func WebhookNotFound(id uuid.UUID) *Error {
	return NotFound("no webhook has ID %q", GlobalID(KindWebhook, id))
}

// WebhookPrincipal is whom a webhook's deliveries read the feed as: a coordinator of its
// center, the role that created it, so the feed's own rule (changeVisible) decides
// what it carries.
func WebhookPrincipal(w *Webhook) *Principal {
	return &Principal{CenterID: w.CenterID, Subject: "webhook:" + w.ID.String(), Roles: []Role{RoleCoordinator}}
}

// ValidateWebhook checks createWebhook's input (the address check needs the network and
// comes after: CheckWebhookAddresses).
func ValidateWebhook(in *CreateWebhookInput) (*url.URL, Errors) {
	var errs Errors
	u := validateWebhookURL(&errs, in.URL)
	if len(in.EntityTypes) > MaxWebhookEntityTypes {
		errs.Add(fieldOf("entityTypes"), CodeOutOfRange, "at most %d entity types", MaxWebhookEntityTypes)
	}
	for i, t := range in.EntityTypes {
		switch {
		case !slices.Contains(WebhookEntityTypes, Kind(t)):
			errs.Add(fieldOf("entityTypes"), CodeInvalid, "entityTypes[%d] %q is not a Change.entityType", i, truncateRunes(t, 40))
		case slices.Index(in.EntityTypes, t) < i:
			errs.Add(fieldOf("entityTypes"), CodeInvalid, "entityTypes lists %q twice", t)
		}
	}
	if f := in.Filter; f != nil {
		checkText(&errs, fieldOf("filter", "text"), f.Text, MaxWebhookFilterTextLen)
		checkText(&errs, fieldOf("filter", "occupationCode"), f.OccupationCode, webhookOccupationCodeLen)
		if len(f.ProvinceCodes) > MaxWebhookFilterCodes {
			errs.Add(fieldOf("filter", "provinceCodes"), CodeOutOfRange, "at most %d province codes", MaxWebhookFilterCodes)
		}
		if len(f.CenterCodes) > MaxWebhookFilterCodes {
			errs.Add(fieldOf("filter", "centerCodes"), CodeOutOfRange, "at most %d center codes", MaxWebhookFilterCodes)
		}
	}
	return u, errs
}

// validateWebhookURL accepts an absolute http or https URL without credentials (they
// would be stored and sent in the clear) and without a fragment.
func validateWebhookURL(errs *Errors, raw string) *url.URL {
	field := fieldOf("url")
	checkRequiredText(errs, field, raw, MaxWebhookURLLen)
	if len(*errs) > 0 {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		errs.Add(field, CodeInvalid, "url is not an absolute URL")
	case u.Scheme != "http" && u.Scheme != "https":
		errs.Add(field, CodeInvalid, "url must be http or https")
	case u.User != nil:
		errs.Add(field, CodeInvalid, "url must not hold a user name or password")
	case u.Hostname() == "":
		errs.Add(field, CodeInvalid, "url has no host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		errs.Add(field, CodeInvalid, "url must not have a fragment")
	default:
		return u
	}
	return nil
}

// AddressAllowed reports whether a webhook may connect to addr: only addresses inside
// one of the allowed prefixes (--webhook-allow); none allowed by default. An IPv4
// address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it is.
func AddressAllowed(allow []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range allow {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// CheckWebhookAddresses refuses a host unless every address it resolves to is allowed:
// one address outside would be a way out whenever the resolver picked it.
func CheckWebhookAddresses(allow []netip.Prefix, host string, addrs []netip.Addr) error {
	if len(allow) == 0 {
		return FieldErrorf(fieldOf("url"), CodeAddressNotAllowed, "this exchange calls no webhook addresses (--webhook-allow is empty)")
	}
	if len(addrs) == 0 {
		return FieldErrorf(fieldOf("url"), CodeAddressNotAllowed, "%s does not resolve", truncateRunes(host, 100))
	}
	for _, a := range addrs {
		if AddressAllowed(allow, a) {
			continue
		}
		what := truncateRunes(host, 100) + " resolves to " + a.String()
		if a.String() == host {
			what = host
		}
		return FieldErrorf(fieldOf("url"), CodeAddressNotAllowed,
			"%s, outside the addresses this exchange may call (--webhook-allow)", what)
	}
	return nil
}

// ParseAllowList reads --webhook-allow values: CIDR prefixes, or single addresses.
func ParseAllowList(values []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(values))
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, errors.New("not a CIDR prefix or an IP address: " + truncateRunes(v, 60))
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// NewWebhookSecret returns a fresh secret as shown to the integrator ("whsec_" and the
// base64 of 32 random bytes) and the key the deliveries are signed with (those bytes).
func NewWebhookSecret() (string, []byte, error) {
	key := make([]byte, webhookSecretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", nil, err
	}
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(key), key, nil
}

// WebhookSecretKey decodes a secret into its signing key.
func WebhookSecretKey(secret string) ([]byte, error) {
	b, ok := strings.CutPrefix(secret, webhookSecretPrefix)
	if !ok {
		return nil, errors.New("webhook secret lacks the whsec_ prefix")
	}
	key, err := base64.StdEncoding.DecodeString(b)
	if err != nil {
		return nil, errors.New("webhook secret is not base64")
	}
	return key, nil
}

// WebhookWants reports whether a webhook selects a change by its type (empty: all).
func WebhookWants(w *Webhook, kind Kind) bool {
	return len(w.EntityTypes) == 0 || slices.Contains(w.EntityTypes, string(kind))
}

// RetryPolicy is when failed deliveries are tried again: First after the first
// failure, doubling up to Max, until DeadAfter has passed since the change was first
// due; then the delivery is dead (kept, listed, never tried again).
type RetryPolicy struct {
	First, Max, DeadAfter time.Duration
}

// DefaultRetryPolicy: 5 s, 10 s, 20 s … up to an hour between attempts, for a day.
var DefaultRetryPolicy = RetryPolicy{First: 5 * time.Second, Max: time.Hour, DeadAfter: 24 * time.Hour}

// Delay is the wait after the attempts-th failed attempt (1 for the first).
func (p RetryPolicy) Delay(attempts int) time.Duration {
	d := p.First
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// AfterFailure decides what follows a failed attempt at now of a delivery first due at
// due: the next attempt, never later than the deadline (due + DeadAfter), so the last
// try falls on it; or dead, once the deadline has passed.
func (p RetryPolicy) AfterFailure(due time.Time, attempts int, now time.Time) (next time.Time, dead bool) {
	deadline := due.Add(p.DeadAfter)
	if !now.Before(deadline) {
		return time.Time{}, true
	}
	next = now.Add(p.Delay(attempts))
	if next.After(deadline) {
		next = deadline
	}
	return next, false
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
