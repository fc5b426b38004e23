package postgres

import (
	"context"
	"fmt"
)

// Group commit for publishes. Every change takes the change_sequence row lock, and
// every change's transaction notifies (which takes PostgreSQL's own notify lock, one
// for the whole cluster); both are held until the commit has returned, and a durable
// commit returns only after its WAL is on disk. So transactions that publish changes
// commit one at a time, each waiting for its own fsync: on a disk whose fdatasync takes
// 2.8 ms that is at most ~360 commits a second, however few statements they run.
//
// A posting's publish therefore commits without waiting for the flush
// (commitWithoutFlushSQL, transaction-local synchronous_commit = off: the locks go at
// once, still in commit order, so the feed's order is unchanged) and then waits for
// its WAL to be flushed before it answers (awaitDurable): a small durable transaction
// of its own, whose flush covers every earlier WAL record, ours among them, and which
// shares one fsync with every other publish waiting at the same time. A request is thus
// answered only once its write is durable, as before; what changes is that another
// session may see the change (and a subscriber be told of it) up to one flush before it
// is durable, so a crash of PostgreSQL within that flush can lose a change somebody saw.

// commitWithoutFlushSQL is a condition that is always true and makes the transaction's
// commit not wait for its WAL flush.
const commitWithoutFlushSQL = `set_config('synchronous_commit', 'off', true) IS NOT NULL`

// awaitDurable returns once every transaction this process committed before the call
// is on disk: it commits a WAL record of its own durably (a logical decoding message,
// which nothing decodes, and which needs no table), whose flush includes all of them.
func (db *DB) awaitDurable(ctx context.Context) error {
	if _, err := db.Pool.Exec(ctx, `SELECT pg_logical_emit_message(true, 'laborx.durable', '')`); err != nil {
		return translate(fmt.Errorf("await durable commit: %w", err))
	}
	return nil
}
