package postgres

import (
	"context"
	"fmt"
	"strings"
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
	audit  string
	facts  func(*T) exchange.PostingFacts
	read   func(*Tx, *T) // derives a row's status at tx's now (and a demand's catalog entries)
	change func(*T, exchange.ChangeAction) (exchange.Change, any)
}

var demandTable = postingTable[exchange.LaborDemand]{
	kind: exchange.DemandPosting, audit: "laborDemand", endAction: exchange.ActionClosed,
	table: "labor_demands", alias: "d", columns: demandColumns,
	selectSQL: `SELECT ` + demandColumns + ` FROM labor_demands d WHERE d.id = $1`,
	endSQL:    endPostingSQL("labor_demands", "closed_at", "close_reason"),
	facts: func(d *exchange.LaborDemand) exchange.PostingFacts {
		return postingFacts(d.CenterID, d.Version, d.ClosedAt)
	},
	read: (*Tx).readDemand, change: demandChange,
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
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[T])
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
	row, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[T])
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

// publish inserts a new posting of the caller's center, at most once per idempotency
// key (op and input as idempotent takes them), and publishes it, in one transaction.
// check is the rules' verdict on the input at the transaction's now (nil when all is
// well); record gives the new row's columns and values.
//
// The key's claim, the row and its audit entry are one statement (publishSQL), whose
// RETURNING is the posting itself; the change follows in one more (publishAll), the
// last before the commit. A key claimed before inserts nothing: the claim's conflict
// waits for the claiming transaction, and the key row it committed decides (replay).
func (pt postingTable[T]) publish(ctx context.Context, db *DB, key *string, op string, input any,
	check func(now time.Time) error, record func(tx *Tx, id uuid.UUID) ([]string, []any)) (*T, error) {
	return WithTxV(ctx, db, func(tx *Tx) (*T, error) {
		if err := check(tx.now); err != nil {
			return nil, err
		}
		c, err := tx.claimFor(key, op, input)
		if err != nil {
			return nil, err
		}
		id := uuid.Must(uuid.NewV7())
		cols, vals := record(tx, id)
		sql, args := pt.publishSQL(tx, c, id, cols, vals, exchange.ActionPublished.AuditName(pt.audit), exchange.RequestID(ctx))
		rows, _ := tx.Query(ctx, sql, args...)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[T])
		if err != nil {
			return nil, fmt.Errorf("insert %s: %w", pt.kind.Noun, err)
		}
		if len(list) == 0 {
			prev, err := tx.replay(ctx, c)
			if err != nil {
				return nil, err
			}
			return pt.get(ctx, tx, prev)
		}
		row := list[0]
		pt.read(tx, row)
		ch, payload := pt.change(row, exchange.ActionPublished)
		if err := tx.publish(ctx, ch, payload); err != nil {
			return nil, err
		}
		return row, nil
	})
}

// publishSQL is the statement that inserts a new posting with its audit entry (details:
// the version) and, given a claim, the idempotency key row with its result: the posting
// only if the key was free.
func (pt postingTable[T]) publishSQL(tx *Tx, c *idempotencyClaim, id uuid.UUID, cols []string, vals []any,
	auditAction, requestID string) (string, []any) {
	var args []any
	var b strings.Builder
	b.WriteString(`WITH `)
	guard := ``
	if c != nil {
		args = append(args, c.scope, c.key, c.operation, c.hash, tx.now, id)
		b.WriteString(`claim AS (INSERT INTO idempotency_keys (scope, key, operation, request_hash, created_at, result_id)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1), `)
		guard = ` WHERE EXISTS (SELECT FROM claim)`
	}
	from := len(args) + 1
	args = append(args, vals...)
	fmt.Fprintf(&b, `ins AS (INSERT INTO %s AS %s (%s) SELECT %s%s RETURNING %s), `, pt.table, pt.alias,
		strings.Join(cols, ", "), placeholders(from, len(args)), guard, pt.columns)
	from = len(args) + 1
	args = append(append(args, tx.auditActor()...), auditAction, string(pt.kind.Kind), requestID)
	fmt.Fprintf(&b, `audit AS (INSERT INTO audit_entries (`+auditEntryColumns+`)
			SELECT %s, ins.id, jsonb_build_object('version', ins.version), NULLIF($%d, '') FROM ins)
		SELECT * FROM ins`, placeholders(from, len(args)-1), len(args))
	return b.String(), args
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
