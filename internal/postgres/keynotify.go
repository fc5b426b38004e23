package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// KeysChannel is where the database announces changes that can make a center key
// unusable: the triggers of migration 00014 NOTIFY it on every update or deletion of
// center_keys and every change of a center's status, whichever process made it.
const KeysChannel = "laborx_keys"

// Heartbeats of the key follower: it proves its connection alive this often, and a
// proof holds for keyAliveFor, so a stalled or broken connection stops the verified-key
// cache from being trusted well within a second.
const (
	keyHeartbeat = 200 * time.Millisecond
	keyAliveFor  = 700 * time.Millisecond
)

// KeyFollower is what FollowKeyChanges drives: auth.KeyCache.
type KeyFollower interface {
	// Invalidate is called for every announcement and after every (re)connection.
	Invalidate()
	// Alive is called after each round trip that proves every change committed before
	// it has been delivered.
	Alive(until time.Time)
}

// FollowKeyChanges holds a dedicated connection (from cfg, a copy of the pool's) that
// LISTENs on KeysChannel until ctx ends, reconnecting after failures. The connection
// is untraced: its heartbeats are not any request's statements. When changed is not
// nil the same connection also LISTENs on ChangesChannel for the instance's change hub
// (one backend less per instance than a connection of its own): changed is called for
// every change announced and when the connection fails, as notifications may be lost
// until it is back; after each (re)connection f.Invalidate is called, which the hub
// hears too (app's keyFollower).
func FollowKeyChanges(ctx context.Context, cfg *pgx.ConnConfig, f KeyFollower, changed func(), logger *slog.Logger) {
	cfg = cfg.Copy()
	cfg.Tracer = nil
	// The connection is this follower's alone: when ctx ends or a heartbeat stalls, cut
	// the socket at once. The pool's handler asks the server to cancel the statement and
	// waits 2 s for it, which for a connection idle in WaitForNotification is 2 s of
	// every instance's shutdown spent waiting for nothing.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	listen := "LISTEN " + KeysChannel
	if changed != nil {
		listen += "; LISTEN " + ChangesChannel
	}
	// Notifications that arrive while a heartbeat runs are delivered here too.
	cfg.OnNotification = func(_ *pgconn.PgConn, n *pgconn.Notification) {
		if n.Channel == ChangesChannel && changed != nil {
			changed()
			return
		}
		f.Invalidate()
	}
	for ctx.Err() == nil {
		err := followKeys(ctx, cfg, listen, f)
		if ctx.Err() != nil {
			return
		}
		logger.WarnContext(ctx, "key change follower reconnecting; verified keys are read from the database meanwhile", "err", err)
		if changed != nil {
			changed()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func followKeys(ctx context.Context, cfg *pgx.ConnConfig, listen string, f KeyFollower) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	sent := time.Now()
	if _, err := conn.Exec(ctx, listen); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Anything may have changed while no connection listened.
	f.Invalidate()
	// Only a round trip proves the connection delivers: a heartbeat is due keyHeartbeat
	// after the last one, however many notifications arrive meanwhile (the changes'
	// arrive at every write).
	for {
		f.Alive(sent.Add(keyAliveFor))
		next := sent.Add(keyHeartbeat)
		for {
			wait, cancel := context.WithDeadline(ctx, next)
			err := conn.PgConn().WaitForNotification(wait)
			cancel()
			if err == nil { // OnNotification has dispatched it
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("wait: %w", err)
			}
			break
		}
		// A round trip shows the connection still delivers.
		sent = time.Now()
		beat, cancel := context.WithTimeout(ctx, keyAliveFor)
		_, err := conn.Exec(beat, "SELECT 1")
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("heartbeat: %w", err)
		}
	}
}

// OnKeysChanged sets what runs after this service commits a key revocation or a
// center's change of status, before the mutation returns: the instance's own
// verified-key cache is cleared at once, while other instances hear of it through
// KeysChannel.
func (s *CenterService) OnKeysChanged(f func()) { s.keysChanged = f }

func (s *CenterService) announceKeys() {
	if s.keysChanged != nil {
		s.keysChanged()
	}
}
