package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// importPendingLimit is gin_pending_list_limit in an import's transaction: high enough
// that its INSERTs never stop to merge a GIN pending list themselves, which the
// pendingCleaner does meanwhile on a connection of its own (00190).
const importPendingLimit = "1GB"

// pendingCleaner moves the GIN pending entries of an import's table into the indexes
// on another connection while the import goes on: after each chunk (poke), and once
// more after the last, before the import commits (finish). GIN entries need no
// visibility: entries of rows not yet committed are merged like any, and a search
// reads the pending list and the index alike. Without a free connection by then (a
// pool of one, or a busy machine where the connection was still being made), the
// last clean runs in the import's own transaction instead.
type pendingCleaner struct {
	table    string
	kick     chan struct{}
	done     chan error
	cancel   context.CancelFunc
	finished sync.Once
	idle     bool // no connection was had: nothing was cleaned
	err      error
}

func startCleaner(ctx context.Context, pool *pgxpool.Pool, table string) *pendingCleaner {
	acquireCtx, cancel := context.WithCancel(ctx)
	c := &pendingCleaner{table: table, kick: make(chan struct{}, 1), done: make(chan error, 1), cancel: cancel}
	go func() {
		conn, err := pool.Acquire(acquireCtx)
		if err != nil {
			for range c.kick {
			}
			c.idle = true // read by finish after done
			c.done <- nil
			return
		}
		defer conn.Release()
		for range c.kick {
			if err == nil {
				err = cleanPending(ctx, conn, table)
			}
		}
		c.done <- err
	}()
	return c
}

// poke asks for a clean; pokes while one runs make one more.
func (c *pendingCleaner) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// finish waits for the last clean asked for and reports the first error. When the
// cleaner never had a connection, it cleans on q, the import's transaction, unless q
// is nil (the deferred finish of an import that failed).
func (c *pendingCleaner) finish(ctx context.Context, q DBTX) error {
	c.finished.Do(func() {
		close(c.kick)
		c.cancel() // only a connection still awaited: the cleans run on ctx
		c.err = <-c.done
		if c.err == nil && c.idle && q != nil {
			c.err = cleanPending(ctx, q, c.table)
		}
	})
	return c.err
}

// cleanPending merges the GIN pending lists of table's indexes (00190).
func cleanPending(ctx context.Context, q DBTX, table string) error {
	if _, err := q.Exec(ctx, `SELECT import_clean_pending($1::regclass)`, table); err != nil {
		return fmt.Errorf("import: clean %s pending list: %w", table, err)
	}
	return nil
}
