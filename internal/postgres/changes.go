package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// ChangeService reads the outbox as the change feed.
type ChangeService struct{ db *DB }

// NewChangeService returns the change feed service.
func NewChangeService(db *DB) *ChangeService { return &ChangeService{db: db} }

// changeColumns reads back what publishAll writes.
var changeColumns = strings.Join(outboxColumns, ", ")

// changeVisible is the feed's authorization rule as SQL over the changes table: $1 is
// the caller's center id, $2 whether the caller is an operator, $3 whether the caller
// sees changes of individual referrals and workers (exchange.SeesIndividualChanges).
// authz: every change carries its audience; this predicate is the only way the feed
// and subscriptions read it.
const changeVisible = `($2 OR audience = 'ALL' OR $1 = ANY(audience_center_ids)
	OR (audience = 'PARTNERS' AND are_partners(owner_center_id, $1, current_date)))
	AND ($3 OR entity_kind NOT IN ('` + string(exchange.KindReferral) + `', '` + string(exchange.KindWorker) + `'))`

func changesAfter(ctx context.Context, tx *Tx, p *exchange.Principal, after int64, limit int) ([]*exchange.Change, error) {
	rows, _ := tx.Query(ctx, `SELECT `+changeColumns+` FROM changes
		WHERE sequence > $4 AND `+changeVisible+` ORDER BY sequence LIMIT $5`,
		p.CenterID, p.IsOperator(), exchange.SeesIndividualChanges(p), after, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Change])
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return list, nil
}

// Changes pages through the feed; the cursor is the sequence of the last change seen.
func (s *ChangeService) Changes(ctx context.Context, page exchange.PageArgs) (*exchange.Page[*exchange.Change], error) {
	after, err := exchange.ParseChangeCursor(page.After)
	if err != nil {
		return nil, err
	}
	pr, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.Change], error) {
		list, err := changesAfter(ctx, tx, pr, after, page.First+1)
		if err != nil {
			return nil, err
		}
		p := pageOf(list, page.First, func(c *exchange.Change) string { return exchange.ChangeCursor(c.Sequence) })
		p.HasPrevious = after > 0
		if page.WithTotal {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM changes WHERE `+changeVisible,
				pr.CenterID, pr.IsOperator(), exchange.SeesIndividualChanges(pr)).Scan(&p.TotalCount); err != nil {
				return nil, fmt.Errorf("count changes: %w", err)
			}
		}
		return p, nil
	})
}

// LatestSequence is the newest committed sequence, where a subscription for new events
// starts.
func (s *ChangeService) LatestSequence(ctx context.Context) (int64, error) {
	var seq int64
	return readTx(ctx, s.db, func(tx *Tx) (int64, error) {
		if err := tx.QueryRow(ctx, `SELECT last FROM change_sequence`).Scan(&seq); err != nil {
			return 0, fmt.Errorf("latest sequence: %w", err)
		}
		return seq, nil
	})
}

// OutboxAfter reads up to limit outbox rows after the sequence, of the given kinds (all
// when kinds is empty), in sequence order, each with its owner's partner set when its
// audience is PARTNERS: one statement for every subscriber of an instance.
// authz: the rows are the instance's, not a caller's; each subscriber sees only those
// exchange.ChangeVisible allows it, the Go twin of changeVisible.
func (s *ChangeService) OutboxAfter(ctx context.Context, after int64, kinds []exchange.Kind, limit int) ([]*exchange.OutboxRow, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+changeColumns+`,
		CASE WHEN audience = 'PARTNERS' AND owner_center_id IS NOT NULL
			THEN ARRAY(SELECT partner_centers(owner_center_id, current_date)) END AS owner_partners
		FROM changes WHERE sequence > $1 AND (cardinality($2::text[]) = 0 OR entity_kind = ANY($2))
		ORDER BY sequence LIMIT $3`, after, names, limit)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*exchange.OutboxRow, error) {
		r, err := pgx.RowToStructByName[outboxRow](row)
		return &exchange.OutboxRow{Change: &r.Change, OwnerPartners: r.OwnerPartners}, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("read the outbox: %w", err))
	}
	return list, nil
}

type outboxRow struct {
	exchange.Change
	OwnerPartners []uuid.UUID `db:"owner_partners"`
}
