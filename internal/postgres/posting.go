package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// postingTable is what the store knows of one kind of posting for the lifecycle demand
// and supply share (exchange.DecidePosting): how to read and lock a row, the facts the
// decision needs, how the posting is ended, and its change-feed entry.
type postingTable[T any] struct {
	kind exchange.PostingKind
	// table and alias name the table in SQL; columns are a row's, under alias.
	table, alias, columns string
	// selectSQL reads the row with id $1.
	selectSQL string
	// endSQL ends the posting with id $1 at $2 for reason $3.
	endSQL    string
	endAction exchange.ChangeAction
	// audit is the entity's name in the audit trail.
	audit string
	// scan reads a row of columns.
	scan   pgx.RowToFunc[*T]
	facts  func(*T) exchange.PostingFacts
	read   func(*Tx, *T) // derives a row's status at tx's now (and a demand's catalog entries)
	change func(*T, exchange.ChangeAction) (exchange.Change, any)
	// counts is the statement, over publishSQL's ins, that counts a published row where
	// a trigger told laborx.demand_counts = 'counted' would have (00185); empty: none.
	counts string
}

var demandTable = postingTable[exchange.LaborDemand]{
	kind: exchange.DemandPosting, audit: "laborDemand", endAction: exchange.ActionClosed,
	table: "labor_demands", alias: "d", columns: demandColumns,
	selectSQL: `SELECT ` + demandColumns + ` FROM labor_demands d WHERE d.id = $1`,
	endSQL:    endPostingSQL("labor_demands", "closed_at", "close_reason"),
	facts: func(d *exchange.LaborDemand) exchange.PostingFacts {
		return postingFacts(d.CenterID, d.Version, d.ClosedAt)
	},
	read: (*Tx).readDemand, change: demandChange, scan: scanDemand,
	// labor_demand_counts_add('1') of 00130 for one row.
	counts: `INSERT INTO labor_demand_counts AS c (center_id, visibility, slot, n)
		SELECT center_id, visibility, pg_backend_pid() % 16, 1 FROM ins
		ON CONFLICT (center_id, visibility, slot) DO UPDATE SET n = c.n + 1`,
}

var supplyTable = postingTable[exchange.LaborSupply]{
	kind: exchange.SupplyPosting, audit: "laborSupply", endAction: exchange.ActionWithdrawn,
	table: "labor_supplies", alias: "s", columns: supplyColumns,
	selectSQL: `SELECT ` + supplyColumns + ` FROM labor_supplies s WHERE s.id = $1`,
	endSQL:    endPostingSQL("labor_supplies", "withdrawn_at", "withdraw_reason"),
	facts: func(x *exchange.LaborSupply) exchange.PostingFacts {
		return postingFacts(x.CenterID, x.Version, x.WithdrawnAt)
	},
	read: func(tx *Tx, x *exchange.LaborSupply) { x.SetStatus(tx.now) }, change: supplyChange,
	scan: pgx.RowToAddrOfStructByName[exchange.LaborSupply],
}

// endPostingSQL ends the posting with id $1 at $2 for reason $3.
func endPostingSQL(table, endedAt, reason string) string {
	return `UPDATE ` + table + ` SET ` + endedAt + ` = $2, ` + reason + ` = $3, updated_at = $2, version = version + 1
		WHERE id = $1`
}

func postingFacts(owner uuid.UUID, version int, endedAt *time.Time) exchange.PostingFacts {
	return exchange.PostingFacts{Found: true, OwnerID: owner, Version: version, Ended: endedAt != nil}
}

// lock locks a posting for its owner's action a and lets exchange.DecidePosting decide
// it; a posting no row has is decided as not found.
func (pt postingTable[T]) lock(ctx context.Context, tx *Tx, id uuid.UUID, expectedVersion *int, a exchange.PostingAction) (*T, error) {
	rows, _ := tx.Query(ctx, pt.selectSQL+` FOR UPDATE`, id)
	row, err := pgx.CollectExactlyOneRow(rows, pt.scan)
	var f exchange.PostingFacts
	switch {
	case err == nil:
		f = pt.facts(row)
	case exchange.ErrorCode(translate(err)) != exchange.CodeNotFound:
		return nil, err
	}
	// authz: DecidePosting (only the owner acts on a posting).
	if err := exchange.DecidePosting(pt.kind, tx.caller, f, expectedVersion, a); err != nil {
		return nil, err
	}
	pt.read(tx, row)
	return row, nil
}

// get reads a posting as of the transaction's now.
func (pt postingTable[T]) get(ctx context.Context, tx *Tx, id uuid.UUID) (*T, error) {
	rows, _ := tx.Query(ctx, pt.selectSQL, id)
	row, err := pgx.CollectExactlyOneRow(rows, pt.scan)
	if err != nil {
		return nil, translate(err)
	}
	pt.read(tx, row)
	return row, nil
}

// changed audits a change to a posting and publishes it to the change feed.
func (pt postingTable[T]) changed(ctx context.Context, tx *Tx, id uuid.UUID, action exchange.ChangeAction) error {
	row, err := pt.get(ctx, tx, id)
	if err != nil {
		return err
	}
	ch, payload := pt.change(row, action)
	if err := tx.audit(ctx, action.AuditName(pt.audit), pt.kind.Kind, id, map[string]any{"version": pt.facts(row).Version}); err != nil {
		return err
	}
	err = tx.publish(ctx, ch, payload)
	return err
}

// act runs an owner's action on a posting of the caller's center in one transaction:
// the posting is locked and the action decided (lock), then write changes it, then the
// change is published. inputErr is what the rules found wrong with the action's input
// before any loading (nil for nothing). It returns the posting as the action left it.
func (pt postingTable[T]) act(ctx context.Context, db *DB, globalID string, expectedVersion *int, a exchange.PostingAction,
	inputErr error, action exchange.ChangeAction, write func(tx *Tx, id uuid.UUID, row *T) error) (*T, error) {
	if _, err := centerPublisher(ctx); err != nil {
		return nil, err
	}
	id, err := exchange.ParseInputID(pt.kind.Kind, pt.kind.IDField, globalID)
	if err != nil {
		return nil, err
	}
	if inputErr != nil {
		return nil, inputErr
	}
	return WithTxV(ctx, db, func(tx *Tx) (*T, error) {
		row, err := pt.lock(ctx, tx, id, expectedVersion, a)
		if err != nil {
			return nil, err
		}
		if err := write(tx, id, row); err != nil {
			return nil, err
		}
		if err := pt.changed(ctx, tx, id, action); err != nil {
			return nil, err
		}
		return pt.get(ctx, tx, id)
	})
}

// end closes a demand or withdraws a supply of the caller's center, for good.
func (pt postingTable[T]) end(ctx context.Context, db *DB, globalID string, reason *string, expectedVersion *int) (*T, error) {
	return pt.act(ctx, db, globalID, expectedVersion, exchange.PostingEnd, exchange.CheckReason(reason), pt.endAction, func(tx *Tx, id uuid.UUID, _ *T) error {
		if _, err := tx.Exec(ctx, pt.endSQL, id, tx.now, blankNil(reason)); err != nil {
			return fmt.Errorf("end %s: %w", pt.kind.Noun, err)
		}
		return nil
	})
}

// listPostings is listPage for postings whose rows pgx maps by name (today only the
// supplies; the demand list scans by position with its centers, demandsWithCenters, and
// finishes each demand with readDemand): each posting on the page gets its status
// derived at the transaction's now, the one status rule reads use.
func listPostings[T any, P interface {
	*T
	SetStatus(time.Time)
}](ctx context.Context, tx *Tx, columns, from string, w *sqlWhere, o keysetOrder, after []any,
	page exchange.PageArgs, cursor func(*T) string) (*exchange.Page[*T], error) {
	pg, err := listPage(ctx, tx, columns, from, from, w, o, after, page, cursor)
	if err != nil {
		return nil, err
	}
	for _, x := range pg.Items {
		P(x).SetStatus(tx.now)
	}
	return pg, nil
}
