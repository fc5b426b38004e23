package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// WebhookService stores a center's webhooks (exchange.WebhookService).
type WebhookService struct {
	db *DB
	// CheckURL resolves a new webhook's host and refuses addresses outside the allow
	// list (internal/webhook.Guard); it runs before the transaction, as it waits on DNS.
	CheckURL func(ctx context.Context, u *url.URL) error
}

// NewWebhookService returns the webhook store; checkURL vets the URLs of new webhooks.
func NewWebhookService(db *DB, checkURL func(ctx context.Context, u *url.URL) error) *WebhookService {
	return &WebhookService{db: db, CheckURL: checkURL}
}

var _ exchange.WebhookService = (*WebhookService)(nil)

const webhookColumns = `w.id, w.center_id, w.url, w.entity_types, w.demand_filter, w.status, k.last_sequence,
	w.created_at, w.secret_rotated_at, w.disabled_at`

const webhookFrom = ` FROM webhooks w JOIN webhook_cursors k ON k.webhook_id = w.id`

const deliveryColumns = `id, webhook_id, sequence, status, attempts, response_code, last_error, next_attempt_at,
	last_attempt_at, delivered_at, created_at`

// webhookCaller is the caller allowed to manage webhooks, or the refusal.
func webhookCaller(ctx context.Context) (*exchange.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return p, exchange.AuthorizeWebhooks(p)
}

// sealSecret seals a webhook's secret with the PII key, bound to the webhook, so that
// a database dump alone does not let anyone sign deliveries.
func (s *WebhookService) sealSecret(id uuid.UUID, secret string) ([]byte, error) {
	if s.db.PII == nil {
		return nil, errors.New("webhook secret: no PII key to seal it with")
	}
	return s.db.PII.Seal(secret, webhookSecretAD(id))
}

func webhookSecretAD(id uuid.UUID) []byte { return []byte("webhook:" + id.String()) }

// CreateWebhook registers a webhook of the caller's center that delivers the changes
// committed from now on.
func (s *WebhookService) CreateWebhook(ctx context.Context, in exchange.CreateWebhookInput) (*exchange.Webhook, string, error) {
	p, err := webhookCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	u, errs := exchange.ValidateWebhook(&in)
	if err := errs.Err(); err != nil {
		return nil, "", err
	}
	if err := s.CheckURL(ctx, u); err != nil {
		return nil, "", err
	}
	secret, _, err := exchange.NewWebhookSecret()
	if err != nil {
		return nil, "", fmt.Errorf("webhook secret: %w", err)
	}
	id := uuid.New()
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return nil, "", err
	}
	types := in.EntityTypes
	if types == nil {
		types = []string{}
	}
	w, err := WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Webhook, error) {
		// Serialises a center's creations, so the limit holds under concurrency.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM centers WHERE id = $1 FOR UPDATE`, p.CenterID); err != nil {
			return nil, fmt.Errorf("lock center: %w", err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE center_id = $1 AND status = 'ACTIVE'`,
			p.CenterID).Scan(&n); err != nil {
			return nil, fmt.Errorf("count webhooks: %w", err)
		}
		if err := exchange.DecideNewWebhook(n); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, center_id, url, entity_types, demand_filter, secret_sealed,
				status, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE', $7, $8)`,
			id, p.CenterID, u.String(), types, in.Filter, sealed, tx.now, p.Subject); err != nil {
			return nil, fmt.Errorf("insert webhook: %w", err)
		}
		// A new webhook starts at the feed's tip, as a subscription without after: does.
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_cursors (webhook_id, last_sequence)
				SELECT $1, last FROM change_sequence`, id); err != nil {
			return nil, fmt.Errorf("insert webhook cursor: %w", err)
		}
		// The audit names the receiving host only: a path or query may hold the
		// receiver's token.
		if err := tx.audit(ctx, "webhook.created", exchange.KindWebhook, id, map[string]any{
			"host": u.Scheme + "://" + u.Host, "entityTypes": types,
		}); err != nil {
			return nil, err
		}
		return getWebhook(ctx, tx, p.CenterID, id, false)
	})
	if err != nil {
		return nil, "", err
	}
	return w, secret, nil
}

// getWebhook reads one webhook of the center; another center's reads as NOT_FOUND,
// like an unknown ID.
// authz: the center_id condition is the check; nobody sees another center's webhooks.
func getWebhook(ctx context.Context, tx *Tx, center, id uuid.UUID, lock bool) (*exchange.Webhook, error) {
	q := `SELECT ` + webhookColumns + webhookFrom + ` WHERE w.id = $1 AND w.center_id = $2`
	if lock {
		q += ` FOR UPDATE OF w`
	}
	rows, _ := tx.Query(ctx, q, id, center)
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.Webhook])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, exchange.WebhookNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook: %w", err)
	}
	return w, nil
}

// RotateWebhookSecret replaces the secret; deliveries from the commit on are signed
// with the new one only.
func (s *WebhookService) RotateWebhookSecret(ctx context.Context, id uuid.UUID) (*exchange.Webhook, string, error) {
	p, err := webhookCaller(ctx)
	if err != nil {
		return nil, "", err
	}
	secret, _, err := exchange.NewWebhookSecret()
	if err != nil {
		return nil, "", fmt.Errorf("webhook secret: %w", err)
	}
	sealed, err := s.sealSecret(id, secret)
	if err != nil {
		return nil, "", err
	}
	w, err := s.changeWebhook(ctx, p, id, "webhook.secretRotated", func(tx *Tx, _ *exchange.Webhook) error {
		_, err := tx.Exec(ctx, `UPDATE webhooks SET secret_sealed = $2, secret_rotated_at = $3 WHERE id = $1`, id, sealed, tx.now)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return w, secret, nil
}

// DisableWebhook stops a webhook: nothing more is read or delivered for it. Disabling
// a disabled webhook changes nothing.
func (s *WebhookService) DisableWebhook(ctx context.Context, id uuid.UUID) (*exchange.Webhook, error) {
	p, err := webhookCaller(ctx)
	if err != nil {
		return nil, err
	}
	return s.changeWebhook(ctx, p, id, "webhook.disabled", func(tx *Tx, w *exchange.Webhook) error {
		if w.Status == exchange.WebhookDisabled {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE webhooks SET status = 'DISABLED', disabled_at = $2 WHERE id = $1`, id, tx.now)
		return err
	})
}

// changeWebhook locks one of the center's webhooks, applies change, audits it and
// reads the webhook back.
func (s *WebhookService) changeWebhook(ctx context.Context, p *exchange.Principal, id uuid.UUID, action string,
	change func(tx *Tx, w *exchange.Webhook) error) (*exchange.Webhook, error) {
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Webhook, error) {
		w, err := getWebhook(ctx, tx, p.CenterID, id, true)
		if err != nil {
			return nil, err
		}
		if err := change(tx, w); err != nil {
			return nil, fmt.Errorf("%s: %w", action, err)
		}
		if err := tx.audit(ctx, action, exchange.KindWebhook, id, nil); err != nil {
			return nil, err
		}
		return getWebhook(ctx, tx, p.CenterID, id, false)
	})
}

// Webhooks lists the caller's center's webhooks, oldest first.
func (s *WebhookService) Webhooks(ctx context.Context) ([]*exchange.Webhook, error) {
	p, err := webhookCaller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) ([]*exchange.Webhook, error) {
		// authz: the caller's center's only.
		rows, _ := tx.Query(ctx, `SELECT `+webhookColumns+webhookFrom+` WHERE w.center_id = $1 ORDER BY w.created_at, w.id`,
			p.CenterID)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Webhook])
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		return list, nil
	})
}

// WebhookDeliveries pages through a webhook's deliveries, newest change first; the
// cursor is the change's feed cursor.
func (s *WebhookService) WebhookDeliveries(ctx context.Context, webhookID uuid.UUID, page exchange.PageArgs) (*exchange.Page[*exchange.WebhookDelivery], error) {
	p, err := webhookCaller(ctx)
	if err != nil {
		return nil, err
	}
	before, err := exchange.ParseChangeCursor(page.After)
	if err != nil {
		return nil, err
	}
	if page.After == "" {
		before = 1<<63 - 1
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.WebhookDelivery], error) {
		if _, err := getWebhook(ctx, tx, p.CenterID, webhookID, false); err != nil {
			return nil, err
		}
		rows, _ := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
			WHERE webhook_id = $1 AND sequence < $2 ORDER BY sequence DESC LIMIT $3`, webhookID, before, page.First+1)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.WebhookDelivery])
		if err != nil {
			return nil, fmt.Errorf("list webhook deliveries: %w", err)
		}
		pg := pageOf(list, page.First, func(d *exchange.WebhookDelivery) string { return exchange.ChangeCursor(d.Sequence) })
		pg.HasPrevious = page.After != ""
		if page.WithTotal {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1`,
				webhookID).Scan(&pg.TotalCount); err != nil {
				return nil, fmt.Errorf("count webhook deliveries: %w", err)
			}
		}
		return pg, nil
	})
}

// WebhookQueue is the delivery worker's side of the store: it claims a webhook with
// work due, turns the changes its center may see into deliveries, and records how
// each attempt went.
type WebhookQueue struct {
	db     *DB
	market *MarketService
}

// NewWebhookQueue returns the delivery worker's store.
func NewWebhookQueue(db *DB) *WebhookQueue {
	return &WebhookQueue{db: db, market: NewMarketService(db)}
}

// WebhookClaim is one webhook held by this instance: the cursor row stays locked until
// the function given to Claim returns, so no other instance delivers it meanwhile.
type WebhookClaim struct {
	WebhookID    uuid.UUID
	lastSequence int64
	tx           *Tx
	q            *WebhookQueue
}

// WebhookTarget is what a delivery needs of its webhook, read afresh before each
// attempt so that a rotation or a disable takes effect at once.
type WebhookTarget struct {
	Webhook *exchange.Webhook
	Secret  string
}

// DueDelivery is a pending delivery with the change it carries.
type DueDelivery struct {
	Delivery *exchange.WebhookDelivery
	Change   *exchange.Change
	// Actor is the center whose user made the change (nil for operators and the system).
	Actor *exchange.Center
}

// Claim locks the cursor of one active webhook of an active center that has changes to
// read or deliveries due, skipping webhooks other instances hold and those in skip,
// and runs fn while holding it; fn's work commits when it returns nil. It reports
// false when nothing was due.
func (q *WebhookQueue) Claim(ctx context.Context, skip []uuid.UUID, fn func(c *WebhookClaim) error) (bool, error) {
	if skip == nil {
		skip = []uuid.UUID{}
	}
	return WithTxV(ctx, q.db, func(tx *Tx) (bool, error) {
		c := &WebhookClaim{tx: tx, q: q}
		err := tx.QueryRow(ctx, `SELECT k.webhook_id, k.last_sequence FROM webhook_cursors k
			JOIN webhooks w ON w.id = k.webhook_id JOIN centers c ON c.id = w.center_id
			WHERE w.status = 'ACTIVE' AND c.status = 'ACTIVE' AND k.webhook_id <> ALL($2)
				AND (k.last_sequence < (SELECT last FROM change_sequence)
					OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = k.webhook_id
						AND d.status = 'PENDING' AND d.next_attempt_at <= $1))
			LIMIT 1 FOR UPDATE OF k SKIP LOCKED`, q.db.now(), skip).Scan(&c.WebhookID, &c.lastSequence)
		if errors.Is(err, pgx.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("claim webhook: %w", err)
		}
		return true, fn(c)
	})
}

// Target reads the webhook and opens its secret; ok is false once it is disabled (or
// its center suspended), when nothing more may be sent.
func (c *WebhookClaim) Target(ctx context.Context) (t *WebhookTarget, ok bool, err error) {
	var sealed []byte
	var active bool
	rows, _ := c.tx.Query(ctx, `SELECT `+webhookColumns+`, w.secret_sealed, c.status = 'ACTIVE' AS center_active`+webhookFrom+`
		JOIN centers c ON c.id = w.center_id WHERE w.id = $1`, c.WebhookID)
	w, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (*exchange.Webhook, error) {
		var w exchange.Webhook
		err := row.Scan(&w.ID, &w.CenterID, &w.URL, &w.EntityTypes, &w.Filter, &w.Status, &w.LastSequence,
			&w.CreatedAt, &w.SecretRotatedAt, &w.DisabledAt, &sealed, &active)
		return &w, err
	})
	if err != nil {
		return nil, false, fmt.Errorf("read webhook: %w", err)
	}
	w.LastSequence = c.lastSequence
	if w.Status != exchange.WebhookActive || !active {
		return nil, false, nil
	}
	secret, err := c.q.db.PII.Open(sealed, webhookSecretAD(w.ID))
	if err != nil {
		return nil, false, fmt.Errorf("open webhook secret: %w", err)
	}
	return &WebhookTarget{Webhook: w, Secret: secret}, true, nil
}

// Enqueue reads up to limit changes after the webhook's cursor, with the visibility
// rule of the change feed (changesAfter) applied as the webhook's center's
// coordinator, and makes a pending delivery of each one the webhook selects (its
// entity types and, for demands, its filter). The cursor moves past what was read, to
// the feed's tip when the read reached it. It returns the number of new deliveries.
func (c *WebhookClaim) Enqueue(ctx context.Context, w *exchange.Webhook, limit int) (int, error) {
	var tip int64
	// The tip first: sequences commit in order, so every change up to it is visible to
	// the read that follows.
	if err := c.tx.QueryRow(ctx, `SELECT last FROM change_sequence`).Scan(&tip); err != nil {
		return 0, fmt.Errorf("feed tip: %w", err)
	}
	if tip <= c.lastSequence {
		return 0, nil
	}
	p := exchange.WebhookPrincipal(w)
	list, err := changesAfter(ctx, c.tx, p, c.lastSequence, limit)
	if err != nil {
		return 0, err
	}
	next := tip
	if len(list) == limit {
		next = list[len(list)-1].Sequence
	}
	now := c.q.db.now()
	n := 0
	for _, ch := range list {
		if ch.Sequence > next {
			break
		}
		keep, err := c.selects(ctx, w, p, ch)
		if err != nil {
			return 0, err
		}
		if !keep {
			continue
		}
		if _, err := c.tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, sequence, status, next_attempt_at, created_at)
				VALUES ($1, $2, $3, 'PENDING', $4, $4) ON CONFLICT (webhook_id, sequence) DO NOTHING`,
			uuid.New(), w.ID, ch.Sequence, now); err != nil {
			return 0, fmt.Errorf("enqueue webhook delivery: %w", err)
		}
		n++
	}
	if _, err := c.tx.Exec(ctx, `UPDATE webhook_cursors SET last_sequence = $2 WHERE webhook_id = $1`, w.ID, next); err != nil {
		return 0, fmt.Errorf("advance webhook cursor: %w", err)
	}
	c.lastSequence = next
	return n, nil
}

// selects applies the webhook's own selection to a change its center may see: the
// entity types, and the demand filter on demands as they are now (as
// laborDemandPublished(filter:) does).
func (c *WebhookClaim) selects(ctx context.Context, w *exchange.Webhook, p *exchange.Principal, ch *exchange.Change) (bool, error) {
	if !exchange.WebhookWants(w, ch.EntityKind) {
		return false, nil
	}
	if w.Filter == nil || ch.EntityKind != exchange.KindLaborDemand {
		return true, nil
	}
	where := &sqlWhere{}
	where.add(`d.id = %s`, where.arg(ch.EntityID))
	c.q.market.demandFilter(where, p, *w.Filter, c.tx.now)
	var ok bool
	if err := c.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM labor_demands d WHERE `+where.String()+`)`,
		where.args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("webhook demand filter: %w", err)
	}
	return ok, nil
}

// Due returns up to limit pending deliveries whose time has come, in feed order, with
// their changes.
func (c *WebhookClaim) Due(ctx context.Context, limit int) ([]*DueDelivery, error) {
	rows, _ := c.tx.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE webhook_id = $1 AND status = 'PENDING' AND next_attempt_at <= $2 ORDER BY sequence LIMIT $3`,
		c.WebhookID, c.q.db.now(), limit)
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.WebhookDelivery])
	if err != nil {
		return nil, fmt.Errorf("due webhook deliveries: %w", err)
	}
	if len(ds) == 0 {
		return nil, nil
	}
	seqs := make([]int64, len(ds))
	for i, d := range ds {
		seqs[i] = d.Sequence
	}
	rows, _ = c.tx.Query(ctx, `SELECT `+changeColumns+` FROM changes WHERE sequence = ANY($1)`, seqs)
	changes, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Change])
	if err != nil {
		return nil, fmt.Errorf("read delivered changes: %w", err)
	}
	bySeq := make(map[int64]*exchange.Change, len(changes))
	var actors []uuid.UUID
	for _, ch := range changes {
		bySeq[ch.Sequence] = ch
		if ch.ActorCenterID != nil {
			actors = append(actors, *ch.ActorCenterID)
		}
	}
	centers := map[uuid.UUID]*exchange.Center{}
	if len(actors) > 0 {
		rows, _ = c.tx.Query(ctx, `SELECT id, code, name FROM centers WHERE id = ANY($1)`, actors)
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*exchange.Center, error) {
			var ce exchange.Center
			return &ce, row.Scan(&ce.ID, &ce.Code, &ce.Name)
		})
		if err != nil {
			return nil, fmt.Errorf("read actor centers: %w", err)
		}
		for _, ce := range list {
			centers[ce.ID] = ce
		}
	}
	out := make([]*DueDelivery, len(ds))
	for i, d := range ds {
		ch := bySeq[d.Sequence]
		out[i] = &DueDelivery{Delivery: d, Change: ch}
		if ch.ActorCenterID != nil {
			out[i].Actor = centers[*ch.ActorCenterID]
		}
	}
	return out, nil
}

// Attempt is how one delivery attempt went.
type Attempt struct {
	At time.Time
	// ResponseCode is the receiver's HTTP status; 0 when none came back.
	ResponseCode int
	// Err is a short, secret-free reason for a failure; empty on success.
	Err string
	// Delivered: the receiver answered 2xx.
	Delivered bool
}

// Record writes an attempt's outcome: delivered, or pending again at the policy's next
// time, or dead once its day is over; it returns which.
func (c *WebhookClaim) Record(ctx context.Context, d *exchange.WebhookDelivery, a Attempt, policy exchange.RetryPolicy) (exchange.WebhookDeliveryStatus, error) {
	var code *int
	if a.ResponseCode != 0 {
		code = &a.ResponseCode
	}
	var errText *string
	if a.Err != "" {
		e := a.Err
		if len(e) > 500 {
			e = e[:500]
		}
		errText = &e
	}
	status, next := exchange.DeliveryDelivered, (*time.Time)(nil)
	var deliveredAt *time.Time
	if a.Delivered {
		deliveredAt = &a.At
	} else {
		at, dead := policy.AfterFailure(d.CreatedAt, d.Attempts+1, a.At)
		if dead {
			status = exchange.DeliveryDead
		} else {
			status, next = exchange.DeliveryPending, &at
		}
	}
	_, err := c.tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, response_code = $3,
			last_error = $4, next_attempt_at = $5, last_attempt_at = $6, delivered_at = $7 WHERE id = $1`,
		d.ID, string(status), code, errText, next, a.At, deliveredAt)
	if err != nil {
		return "", fmt.Errorf("record webhook attempt: %w", err)
	}
	return status, nil
}

// Now is the store's clock, for attempt times.
func (q *WebhookQueue) Now() time.Time { return q.db.now() }
