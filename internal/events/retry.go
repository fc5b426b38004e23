package events

import (
	"context"
	"errors"
	"time"

	"github.com/laborx/laborx/internal/exchange"
)

// DefaultRetryFor bounds how long a subscription keeps retrying a failing read (the
// database restarting or failing over) before it ends with UNAVAILABLE. Failovers
// observed here take well under this; a longer outage is better told to the client,
// which resumes with its last cursor.
const DefaultRetryFor = 30 * time.Second

// Waits between attempts double from minBackoff up to maxBackoff.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// Retry runs read until it succeeds, returns a refusal (an *exchange.Error: not
// authenticated, not found, ...), ctx ends, or `within` has passed since the first
// failure; waits double from 50 ms up to 2 s between attempts. A read that keeps
// failing ends with an UNAVAILABLE error: never a silent skip.
func Retry[T any](ctx context.Context, within time.Duration, read func() (T, error)) (T, error) {
	var zero T
	wait := minBackoff
	var deadline time.Time
	for {
		v, err := read()
		if err == nil {
			return v, nil
		}
		var refusal *exchange.Error
		if ctx.Err() != nil || errors.As(err, &refusal) {
			return zero, err
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(within)
		}
		if now.After(deadline) {
			return zero, unavailable(err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return zero, ctx.Err()
		}
		wait = min(2*wait, maxBackoff)
	}
}

// unavailableError is UNAVAILABLE for the client with the cause kept for logs.
type unavailableError struct {
	app   *exchange.Error
	cause error
}

func (e unavailableError) Error() string   { return e.app.Error() + ": " + e.cause.Error() }
func (e unavailableError) Unwrap() []error { return []error{e.app, e.cause} }

func unavailable(cause error) error {
	return unavailableError{
		app:   exchange.Errorf(exchange.CodeUnavailable, "the database stayed unavailable; resubscribe with after: the last cursor received"),
		cause: cause,
	}
}
