package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// postingDraft is what publishing a new posting writes, all of it known before the row
// is: its columns and values, the two unfolded parts of its search text (the words the
// search trigger would fold, see 00160), and its change-feed entry, built from the
// draft as an import builds it.
type postingDraft struct {
	cols []string
	vals []any
	// searchGiven: the INSERT folds own and names itself and the search trigger is told
	// to keep them (laborx.search_text = 'given'), as an import does; the trigger's
	// per-row PL/pgSQL and lookups were the dearest part of the publish's statement.
	searchGiven bool
	own, names  string
	change      exchange.Change
	payload     any
	// stored is the row as a read of it would give it back (storedDemand), known
	// before it is written: the publish answers with it and its statement returns only
	// what its other parts need of the row (storedReturning). Nil: the answer is the
	// statement's RETURNING of the whole row.
	stored any
}

// storedReturning is what publishSQL's audit entry, pending change and count read of
// the inserted row when the draft knows the stored row.
const storedReturning = `id, version, center_id, visibility`

// publish inserts a new posting of the caller's center, at most once per idempotency
// key (op and input as idempotent takes them), and publishes it. check is the rules'
// verdict on the input at the transaction's now (nil when all is well); draft gives
// what the new row writes.
//
// All of it is one statement (publishSQL: the key's claim, the row, its audit entry,
// its pending change and, for demands, its count) after the caller's settings, sent as one pipeline that
// PostgreSQL runs as one implicit transaction, committed at the pipeline's end:
// one round trip instead of BEGIN, the statement, the change and COMMIT. The answer is
// the draft's stored row when it gives one (a demand's: PostgreSQL then projects and
// sends 4 columns instead of 41, and the server decodes none), else the statement's
// RETURNING. A key claimed before inserts nothing (the claim's
// conflict waits for the claiming transaction); the key row it committed then decides
// in a transaction of its own (replay).
func (pt postingTable[T]) publish(ctx context.Context, db *DB, key *string, op string, input any,
	check func(now time.Time) error, draft func(tx *Tx, id uuid.UUID) postingDraft) (*T, error) {
	// The transaction's clock and caller for the helpers that build the statement; the
	// statement itself runs on a pooled connection (publishOnce).
	tx := &Tx{now: db.now(), caller: auth.FromContext(ctx), catalog: db.Catalog}
	if err := check(tx.now); err != nil {
		return nil, translate(err)
	}
	c, err := tx.claimFor(key, op, input)
	if err != nil {
		return nil, translate(err)
	}
	id := uuid.Must(uuid.NewV7())
	d := draft(tx, id)
	change, err := tx.outboxRows([]exchange.Change{d.change}, []any{d.payload})
	if err != nil {
		return nil, err
	}
	sql, args := pt.publishSQL(tx, c, id, d, change[0][1:], exchange.ActionPublished.AuditName(pt.audit), exchange.RequestID(ctx))
	scan := pt.scan
	if stored, ok := d.stored.(*T); ok {
		scan = func(row pgx.CollectableRow) (*T, error) { return stored, nil }
	}
	list, err := publishOnce(ctx, db, tx.caller, d.searchGiven, pt.counts != "", sql, args, scan)
	if err != nil {
		return nil, translate(fmt.Errorf("insert %s: %w", pt.kind.Noun, err))
	}
	if len(list) == 0 {
		return readTx(ctx, db, func(tx *Tx) (*T, error) {
			prev, err := tx.replay(ctx, c)
			if err != nil {
				return nil, err
			}
			return pt.get(ctx, tx, prev)
		})
	}
	// The change is committed: answer once it is numbered (see withTxAt).
	_ = db.numberCommitted(ctx)
	row := list[0]
	pt.read(tx, row)
	return row, nil
}

// publishSettingsSQL is beginSQL's settings of the caller as a statement of its own,
// the first of a publish's pipeline, whether the publish gives its search texts and
// whether it counts its row itself (postingTable.counts: the counts trigger is then
// skipped, 00185). set_config(…, true) lasts until the implicit transaction ends with
// the pipeline.
const publishSettingsSQL = `SELECT set_config('laborx.center_id', $1, true), set_config('laborx.operator', $2, true),
	set_config('laborx.search_text', $3, true), set_config('laborx.demand_counts', $4, true)`

// publishOnce runs a publish's statement after the caller's settings, both in one
// pipeline and so in one implicit transaction, and returns the rows of its RETURNING;
// the transaction has committed when it returns without an error (the commit's own
// error comes with the pipeline's end, which Close reads).
func publishOnce[T any](ctx context.Context, db *DB, p *exchange.Principal, searchGiven, counted bool, sql string, args []any,
	scan pgx.RowToFunc[*T]) ([]*T, error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire: %w", err)
	}
	defer conn.Release()
	center, operator := callerSettings(p)
	given, counts := "", ""
	if searchGiven {
		given = "given"
	}
	if counted {
		counts = "counted"
	}
	b := &pgx.Batch{}
	b.Queue(publishSettingsSQL, center, operator, given, counts)
	b.Queue(sql, args...)
	br := conn.SendBatch(ctx, b)
	_, err = br.Exec()
	var list []*T
	if err == nil {
		rows, _ := br.Query()
		list, err = pgx.CollectRows(rows, scan)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A standby or a demoted primary: see dropIfReadOnly.
		if readOnlyServer(err) {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return list, nil
}

// publishSQL is the statement that inserts a new posting with its audit entry (details:
// the version), its pending change (values: change, outboxColumns without the sequence)
// and its count (postingTable.counts) and, given a claim, the idempotency key row with
// its result: all of it only if the key was free. With searchGiven the row's search texts are folded here.
// It returns the whole row, or only its id when the draft knows the stored row.
func (pt postingTable[T]) publishSQL(tx *Tx, c *idempotencyClaim, id uuid.UUID, d postingDraft, change []any,
	auditAction, requestID string) (string, []any) {
	var a sqlWhere // only its placeholders: each value is numbered where it is used
	var b strings.Builder
	b.Grow(4096) // a demand's statement is about 3 kB
	b.WriteString(`WITH `)
	guard := ``
	if c != nil {
		fmt.Fprintf(&b, `claim AS (INSERT INTO idempotency_keys (scope, key, operation, request_hash, created_at, result_id)
			VALUES (%s) ON CONFLICT DO NOTHING RETURNING 1), `, a.list(c.scope, c.key, c.operation, c.hash, tx.now, id))
		guard = ` WHERE EXISTS (SELECT FROM claim)`
	}
	cols, vals, source := strings.Join(d.cols, ", "), a.list(d.vals...), ``
	if d.searchGiven {
		// fold works letter by letter, so folding the two parts apart gives the
		// trigger's search_text (as the import's chunks do, writeChunks).
		own, names := a.arg(d.own), a.arg(d.names)
		cols += `, search_own, search_text`
		vals += `, f.own, f.own || ' ' || ` + foldInline(names)
		source = ` FROM (SELECT ` + foldInline(own) + ` AS own) f`
	}
	returning := pt.columns
	if d.stored != nil {
		returning = storedReturning
	}
	fmt.Fprintf(&b, `ins AS (INSERT INTO %s AS %s (%s) SELECT %s%s%s RETURNING %s), `, pt.table, pt.alias,
		cols, vals, source, guard, returning)
	actor := append(append([]any{}, tx.auditActor()...), auditAction, string(pt.kind.Kind))
	fmt.Fprintf(&b, `audit AS (INSERT INTO audit_entries (`+auditEntryColumns+`)
			SELECT %s, ins.id, jsonb_build_object('version', ins.version), NULLIF(%s, '') FROM ins), `,
		a.list(actor...), a.arg(requestID))
	fmt.Fprintf(&b, `pending AS (INSERT INTO pending_changes (%s) SELECT %s FROM ins)`,
		strings.Join(outboxColumns[1:], ", "), a.list(change...))
	if pt.counts != "" {
		b.WriteString(`, counts AS (` + pt.counts + `)`)
	}
	if d.stored != nil {
		b.WriteString(`
		SELECT ins.id FROM ins`)
	} else {
		b.WriteString(`
		SELECT * FROM ins`)
	}
	return b.String(), a.args
}

// foldInline is fold(arg) written out (00001): fold is IMMUTABLE over the STABLE
// unaccent, so PostgreSQL cannot inline it and runs it as a SQL function, which
// parses and plans its body again at every execution of the statement that calls it.
// TestPublishWritesWhatTheTriggerWould checks that it folds as fold does.
func foldInline(arg string) string {
	return `lower(public.unaccent('public.unaccent'::regdictionary, ` + arg + `))`
}
