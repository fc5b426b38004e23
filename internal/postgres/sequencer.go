package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"
)

// The change feed's sequencer. A mutation that publishes one change commits it to
// pending_changes (migration 00155) without a feed sequence, so publishing transactions
// lock no shared row and PostgreSQL flushes their commits together (group commit).
// Numbering rounds then move every committed pending row into `changes` with the next
// sequences and NOTIFY ChangesChannel, one transaction per round for however many rows
// are pending. The feed's readers only read `changes`: a sequence becomes visible when
// its round commits, which is after the round's WAL flush, so a sequence somebody saw
// is durable, and a crash loses only uncommitted rounds, whose rows are still pending
// and are numbered by the next round. Rounds are serialised by an advisory lock,
// whichever instance runs them, and wait for the change_sequence row of a transaction
// that numbers its own changes (publishAll with many), so numbers are handed out in
// one total order without gaps or reuse.

// sequencerLockID is the advisory lock of numbering rounds: any 64-bit constant no
// other lock of the database uses ("laborx changes" in ASCII, truncated).
const sequencerLockID = 0x6c61626f72786368

// sequencerSweep is how often a running sequencer numbers what it was not asked to: the
// rows of a publisher that committed and then died before its round, or whose round
// failed (the database was away).
const sequencerSweep = time.Second

// numberLockSQL and numberSQL are one numbering round, two statements in one pipeline
// and so one implicit transaction, both prepared (a simple-protocol message would be
// parsed and planned at every round): the advisory lock first, so the second
// statement's snapshot is taken once the previous round has committed (it sees that
// round's deletions and cannot number a row twice); then the pending rows go, in id
// order, to the next sequences. A round with nothing pending writes nothing and
// flushes nothing.
var numberLockSQL = `SELECT pg_advisory_xact_lock(` + strconv.FormatInt(sequencerLockID, 10) + `)`

var numberSQL = `WITH p AS (DELETE FROM pending_changes RETURNING *),
n AS (SELECT p.*, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS cnt FROM p),
s AS (UPDATE change_sequence SET last = last + (SELECT count(*) FROM p) WHERE EXISTS (SELECT FROM p) RETURNING last),
i AS (INSERT INTO changes (` + strings.Join(outboxColumns, ", ") + `)
	SELECT s.last - n.cnt + n.rn, ` + strings.Join(outboxColumns[1:], ", ") + ` FROM n, s)
SELECT pg_notify('` + ChangesChannel + `', s.last::text) FROM s`

// numberPending runs one numbering round.
func numberPending(ctx context.Context, pool *pgxpool.Pool) error {
	b := &pgx.Batch{}
	b.Queue(numberLockSQL)
	b.Queue(numberSQL)
	if err := pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("number pending changes: %w", err)
	}
	return nil
}

// sequencer batches the rounds its instance's publishers wait for: a round starts as
// soon as the previous one ends and serves every publisher that committed before it
// started, so under load one round (one flush) numbers many changes.
type sequencer struct {
	mu      sync.Mutex
	running bool   // RunSequencer is serving rounds; else publishers run their own
	next    *round // the round the publishers waiting now will be served by
	kick    chan struct{}
}

type round struct {
	done chan struct{}
	err  error
}

func newSequencer() *sequencer { return &sequencer{kick: make(chan struct{}, 1)} }

// numberCommitted returns once a numbering round that began after the call has
// committed, so every change the caller committed before is in the feed: a mutation
// answers after its change can be read and delivered. Without a running sequencer (a
// tool, a test of this package) the caller runs the round itself.
func (db *DB) numberCommitted(ctx context.Context) error {
	s := db.seq
	if s == nil {
		return numberPending(ctx, db.Pool)
	}
	s.mu.Lock()
	if !s.running {
		s.mu.Unlock()
		return numberPending(ctx, db.Pool)
	}
	r := s.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		s.next = r
	}
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default: // a kick is already waiting; the round it starts takes r
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// take hands the waiting publishers' round to the loop, which starts it now.
func (s *sequencer) take() *round {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.next
	s.next = nil
	return r
}

// RunSequencer serves db's publishers' numbering rounds until ctx ends (or db's pool is
// closed), and every sequencerSweep numbers whatever is pending anyway. Every instance
// runs one; their rounds take turns under the advisory lock.
func RunSequencer(ctx context.Context, db *DB, logger *slog.Logger) {
	s := db.seq
	s.mu.Lock()
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		r := s.next
		s.next = nil
		s.mu.Unlock()
		if r != nil {
			r.err = errors.New("number pending changes: the sequencer stopped")
			close(r.done)
		}
	}()
	sweep := time.NewTicker(sequencerSweep)
	defer sweep.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-sweep.C:
		}
		r := s.take()
		err := numberPending(ctx, db.Pool)
		if r != nil {
			r.err = err
			close(r.done)
		}
		switch {
		case errors.Is(err, puddle.ErrClosedPool):
			return
		case err != nil && ctx.Err() == nil && !failing:
			// Once per outage: the sweep retries every second.
			logger.WarnContext(ctx, "numbering committed changes failed; retrying every second", "err", err)
			failing = true
		case err == nil && failing:
			logger.InfoContext(ctx, "numbering committed changes again")
			failing = false
		}
	}
}
