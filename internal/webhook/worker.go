// Package webhook delivers centers' change feeds to their webhooks (DESIGN §10): each
// instance runs a worker that claims webhooks with work due (one instance per webhook
// at a time, by row lock), turns the changes the center may see into deliveries, and
// posts them signed per the Standard Webhooks specification, at least once, with
// exponential backoff and a dead letter after a day. Everything it knows is in the
// database, so a restart, or another instance, carries on where it stopped.
package webhook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// Config tunes the delivery worker; zero values take the defaults.
type Config struct {
	// Allow lists the addresses webhooks may call (--webhook-allow); empty: none, and
	// no worker runs.
	Allow []netip.Prefix
	// Retry is the backoff schedule (exchange.DefaultRetryPolicy).
	Retry exchange.RetryPolicy
	// Poll is how often an idle worker looks for due work (1 s).
	Poll time.Duration
	// Timeout bounds one delivery request, connection to response headers (5 s).
	Timeout time.Duration
	// Workers is how many webhooks an instance delivers at once (2); each holds a
	// database connection while it delivers.
	Workers int
	// Logger receives delivery failures; nil discards them.
	Logger *slog.Logger
	// Registry, when set, gets laborx_webhook_attempts_total.
	Registry prometheus.Registerer
}

const (
	// batch is how many deliveries one claim attempts at most, and budget how long it
	// goes on starting new ones, so a claim (and its transaction) stays short.
	batch  = 50
	budget = 2 * time.Second
	// readAhead is how many changes one claim reads from the feed.
	readAhead = 500
)

// Worker is one instance's delivery loop.
type Worker struct {
	q        *postgres.WebhookQueue
	client   *http.Client
	attempts *prometheus.CounterVec
	cfg      Config
	stop     context.CancelFunc
	done     sync.WaitGroup
	once     sync.Once
}

// Start runs the worker until Close.
func Start(q *postgres.WebhookQueue, g *Guard, cfg Config) *Worker {
	if cfg.Retry == (exchange.RetryPolicy{}) {
		cfg.Retry = exchange.DefaultRetryPolicy
	}
	cfg.Poll = cmp.Or(cfg.Poll, time.Second)
	cfg.Timeout = cmp.Or(cfg.Timeout, 5*time.Second)
	cfg.Workers = cmp.Or(cfg.Workers, 2)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	w := &Worker{q: q, client: g.Client(cfg.Timeout), cfg: cfg, stop: stop,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "laborx_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: DELIVERED, PENDING (failed, tried again), DEAD (failed for the last time)."},
			[]string{"result"})}
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(w.attempts)
	}
	for range cfg.Workers {
		w.done.Add(1)
		go w.loop(ctx)
	}
	return w
}

// Close stops the worker and waits for deliveries in flight; what they did not
// record stays pending in the database, for the next instance to deliver.
func (w *Worker) Close() {
	w.once.Do(func() {
		w.stop()
		w.done.Wait()
		w.client.CloseIdleConnections()
	})
}

func (w *Worker) loop(ctx context.Context) {
	defer w.done.Done()
	for {
		if !w.round(ctx) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(w.cfg.Poll):
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// round claims each webhook with work due once (those other instances or loops hold
// are skipped) and reports whether there was any.
func (w *Worker) round(ctx context.Context) bool {
	var seen []uuid.UUID
	// The database work is not cancelled by Close: what was delivered before the stop
	// commits as delivered, instead of being sent again by the next instance.
	db := context.WithoutCancel(ctx)
	for ctx.Err() == nil {
		ok, err := w.q.Claim(db, seen, func(c *postgres.WebhookClaim) error {
			seen = append(seen, c.WebhookID)
			return w.deliver(db, ctx, c)
		})
		if err != nil {
			if ctx.Err() == nil {
				w.cfg.Logger.Warn("webhook delivery round failed", "err", err)
			}
			return len(seen) > 0
		}
		if !ok {
			return len(seen) > 0
		}
	}
	return len(seen) > 0
}

// deliver reads the webhook's new changes into deliveries and attempts those due, in
// feed order. The webhook is read again before every attempt: a secret rotated or a
// webhook disabled meanwhile applies to the very next request. ctx ends the requests
// (Close) through reqCtx; ctx carries the claim's statements.
func (w *Worker) deliver(ctx, reqCtx context.Context, c *postgres.WebhookClaim) error {
	t, ok, err := c.Target(ctx)
	if err != nil || !ok {
		return err
	}
	if _, err := c.Enqueue(ctx, t.Webhook, readAhead); err != nil {
		return err
	}
	due, err := c.Due(ctx, batch)
	if err != nil {
		return err
	}
	start := time.Now()
	for i, d := range due {
		if i > 0 {
			if time.Since(start) > budget {
				return nil
			}
			if t, ok, err = c.Target(ctx); err != nil || !ok {
				return err
			}
		}
		a := w.attempt(reqCtx, t, d)
		if reqCtx.Err() != nil {
			return nil // stopping: this attempt stays pending, uncounted; the others commit
		}
		status, err := c.Record(ctx, d.Delivery, a, w.cfg.Retry)
		if err != nil {
			return err
		}
		w.attempts.WithLabelValues(string(status)).Inc()
		if !a.Delivered {
			w.cfg.Logger.Info("webhook delivery failed", "webhook", exchange.GlobalID(exchange.KindWebhook, t.Webhook.ID),
				"sequence", d.Delivery.Sequence, "attempt", d.Delivery.Attempts+1, "status", a.ResponseCode, "err", a.Err)
			if a.ResponseCode == 0 {
				return nil // unreachable: the rest waits for the next claim
			}
		}
	}
	return nil
}

// attempt posts one delivery and says how it went.
func (w *Worker) attempt(ctx context.Context, t *postgres.WebhookTarget, d *postgres.DueDelivery) postgres.Attempt {
	now := w.q.Now()
	a := postgres.Attempt{At: now}
	key, err := exchange.WebhookSecretKey(t.Secret)
	if err != nil {
		a.Err = "webhook secret unreadable"
		return a
	}
	body, err := json.Marshal(changeBody(d))
	if err != nil {
		a.Err = "encode change"
		return a
	}
	id := strconv.FormatInt(d.Delivery.Sequence, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		a.Err = "bad webhook URL"
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "laborx-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", Sign(key, id, now.Unix(), body))
	resp, err := w.client.Do(req)
	if err != nil {
		a.Err = describe(err)
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	_ = resp.Body.Close()
	a.ResponseCode = resp.StatusCode
	a.Delivered = resp.StatusCode >= 200 && resp.StatusCode < 300
	if !a.Delivered {
		a.Err = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return a
}

// describe is a failed request's reason without its URL, which may carry a token in
// its query.
func describe(err error) string {
	var ue *url.Error
	switch {
	case errors.Is(err, errNotAllowed):
		return "address outside --webhook-allow: not called"
	case errors.As(err, &ue) && ue.Timeout():
		return "timeout"
	case errors.As(err, &ue):
		return fmt.Sprint(ue.Err)
	}
	return "request failed"
}

// change is the body of a delivery: the Change as the changes feed gives it.
type change struct {
	Sequence    int64           `json:"sequence"`
	Cursor      string          `json:"cursor"`
	EntityType  string          `json:"entityType"`
	EntityID    string          `json:"entityId"`
	Action      string          `json:"action"`
	ActorCenter *center         `json:"actorCenter"`
	OccurredAt  string          `json:"occurredAt"`
	Payload     json.RawMessage `json:"payload"`
}

type center struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

func changeBody(d *postgres.DueDelivery) *change {
	ch := d.Change
	out := &change{
		Sequence: ch.Sequence, Cursor: exchange.ChangeCursor(ch.Sequence), EntityType: string(ch.EntityKind),
		EntityID: exchange.GlobalID(ch.EntityKind, ch.EntityID), Action: ch.ActionName(),
		OccurredAt: ch.OccurredAt.UTC().Format(time.RFC3339Nano), Payload: ch.Payload,
	}
	if a := d.Actor; a != nil {
		out.ActorCenter = &center{ID: exchange.GlobalID(exchange.KindCenter, a.ID), Code: a.Code, Name: a.Name}
	}
	return out
}
