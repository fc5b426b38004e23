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

const supplyColumns = `s.id, s.center_id, s.occupation_code, s.skill_level, s.quantity, s.available_from,
	s.available_until, s.destination_codes, s.expected_wage_min, s.notes, s.withdrawn_at, s.withdraw_reason,
	s.created_at, s.updated_at, s.version`

// supplyStatusSQL is exchange.SupplyStatusAt in SQL; today is a date placeholder.
func supplyStatusSQL(today string) string {
	return `CASE WHEN s.withdrawn_at IS NOT NULL THEN 'WITHDRAWN' WHEN s.quantity <= 0 THEN 'EXHAUSTED'
		WHEN s.available_until < ` + today + `::date THEN 'EXHAUSTED' ELSE 'OPEN' END`
}

// provincesAccepting expands province codes for a destination search: each code, its
// successor when dissolved, and the dissolved codes merged into it.
func (s *MarketService) withMerged(codes []string) []string {
	out := expandProvinceCodes(s.db.Catalog, codes)
	for _, c := range out {
		if p, ok := s.db.Catalog.Province(c); ok {
			out = append(out, p.MergedFromCodes...)
		}
	}
	return out
}

func (s *MarketService) supplyFilter(w *sqlWhere, f exchange.LaborSupplyFilter, now time.Time) {
	if f.OccupationCode != nil && *f.OccupationCode != "" {
		w.add(`s.occupation_code LIKE %s ESCAPE '\'`, w.arg(likePrefix(strings.TrimSpace(*f.OccupationCode))))
	}
	if f.ProvinceCodes != nil {
		codes := w.arg(expandProvinceCodes(s.db.Catalog, f.ProvinceCodes))
		w.add(`(s.center_id IN (SELECT id FROM centers WHERE province_code = ANY(%s))
			OR s.destination_codes && %s::text[] OR cardinality(s.destination_codes) = 0)`, codes, codes)
	}
	if f.CenterCodes != nil {
		w.add(`s.center_id IN (SELECT id FROM centers WHERE code = ANY(%s))`, w.arg(upperAll(f.CenterCodes)))
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		w.add(`%s = ANY(%s)`, supplyStatusSQL(w.arg(exchange.Day(now))), w.arg(st))
	}
	textWords(w, "s.search_text", f.Text)
}

// LaborSupplies searches supply, keyset-paginated. Supply is counts only and visible
// to every authenticated caller.
func (s *MarketService) LaborSupplies(ctx context.Context, f exchange.LaborSupplyFilter, order exchange.LaborSupplyOrder,
	page exchange.PageArgs) (*exchange.Page[*exchange.LaborSupply], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadMarket.
	if err := exchange.DecideReadMarket(p); err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	w := &sqlWhere{}
	s.supplyFilter(w, f, now)
	filter := w.String()
	sortKey, orderBy, cmp := "s.created_at", "s.created_at DESC, s.id DESC", "<"
	if order == exchange.SupplyOrderAvailableFrom {
		sortKey, orderBy, cmp = "s.available_from", "s.available_from, s.id", ">"
	} else {
		order = exchange.SupplyOrderNewest
	}
	key := ""
	if page.After != "" {
		var ord string
		var t time.Time
		var id uuid.UUID
		ok, err := decodeCursor(page.After, &ord, &t, &id)
		if err != nil || (ok && ord != string(order)) {
			return nil, exchange.BadCursor(true)
		}
		key = fmt.Sprintf(` AND (%s, s.id) %s (%s, %s)`, sortKey, cmp, w.arg(t), w.arg(id))
	}
	limit := w.arg(page.First + 1)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+supplyColumns+` FROM labor_supplies s WHERE `+filter+key+
		` ORDER BY `+orderBy+` LIMIT `+limit, w.args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.LaborSupply])
	if err != nil {
		return nil, fmt.Errorf("list supplies: %w", err)
	}
	for _, x := range list {
		x.SetStatus(now)
	}
	pg := pageOf(list, page.First, func(x *exchange.LaborSupply) string {
		if order == exchange.SupplyOrderAvailableFrom {
			return encodeCursor(order, x.AvailableFrom, x.ID)
		}
		return encodeCursor(order, x.CreatedAt, x.ID)
	})
	pg.HasPrevious = page.After != ""
	if page.WithTotal {
		nargs := len(w.args) - 1
		if key != "" {
			nargs -= 2
		}
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM labor_supplies s WHERE `+filter, w.args[:nargs]...).
			Scan(&pg.TotalCount); err != nil {
			return nil, fmt.Errorf("count supplies: %w", err)
		}
	}
	return pg, nil
}

// LaborSupply returns a supply by id.
func (s *MarketService) LaborSupply(ctx context.Context, id uuid.UUID) (*exchange.LaborSupply, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.getSupply(ctx, s.db.Pool, id)
}

func (s *MarketService) getSupply(ctx context.Context, q DBTX, id uuid.UUID) (*exchange.LaborSupply, error) {
	rows, _ := q.Query(ctx, `SELECT `+supplyColumns+` FROM labor_supplies s WHERE s.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborSupply])
	if err != nil {
		return nil, translate(err)
	}
	x.SetStatus(s.db.Now())
	return x, nil
}

// supplyRow is a new supply's values in the column order of the INSERT and the COPY.
func supplyRow(id, centerID uuid.UUID, d *exchange.SupplyDraft, now time.Time) []any {
	return []any{id, centerID, d.OccupationCode, d.SkillLevel, d.Quantity, d.AvailableFrom, d.AvailableUntil,
		destinationCodes(d), d.ExpectedWageMin, blankNil(d.Notes), now, now}
}

// destinationCodes is the stored form of a draft's destinations: never NULL, an empty
// list accepts any province.
func destinationCodes(d *exchange.SupplyDraft) []string {
	if d.DestinationCodes == nil {
		return []string{}
	}
	return d.DestinationCodes
}

var supplyCopyColumns = []string{"id", "center_id", "occupation_code", "skill_level", "quantity", "available_from",
	"available_until", "destination_codes", "expected_wage_min", "notes", "created_at", "updated_at"}

// PublishLaborSupply publishes workers of the caller's center ready to move.
func (s *MarketService) PublishLaborSupply(ctx context.Context, in exchange.PublishLaborSupplyInput) (*exchange.LaborSupply, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	d := exchange.DraftFromPublishSupply(in)
	if errs := exchange.ValidateSupply(s.db.Catalog, s.db.Now(), d, true); len(errs) > 0 {
		return nil, errs
	}
	var id uuid.UUID
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "publishLaborSupply", in, func() (uuid.UUID, error) {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.Exec(ctx, `INSERT INTO labor_supplies (`+strings.Join(supplyCopyColumns, ", ")+`)
				VALUES (`+placeholders(1, len(supplyCopyColumns))+`)`, supplyRow(id, p.CenterID, d, tx.now)...); err != nil {
				return uuid.Nil, fmt.Errorf("insert supply: %w", err)
			}
			return id, tx.supplyChanged(ctx, id, exchange.ActionPublished)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.getSupply(ctx, s.db.Pool, id)
}

// supplyChanged audits a change to a supply and publishes it to everyone.
func (tx *Tx) supplyChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction) error {
	rows, _ := tx.Query(ctx, `SELECT `+supplyColumns+` FROM labor_supplies s WHERE s.id = $1`, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborSupply])
	if err != nil {
		return translate(err)
	}
	x.SetStatus(tx.now)
	if err := tx.audit(ctx, action.AuditName("laborSupply"), exchange.KindLaborSupply, id,
		map[string]any{"version": x.Version}); err != nil {
		return err
	}
	ch, payload := supplyChange(x, action)
	_, err = tx.publish(ctx, ch, payload)
	return err
}

// supplyChange is the change-feed entry of a supply: counts only, for every center.
func supplyChange(x *exchange.LaborSupply, action exchange.ChangeAction) (exchange.Change, map[string]any) {
	return exchange.Change{EntityKind: exchange.KindLaborSupply, EntityID: x.ID, Action: action, Audience: exchange.AudienceAll},
		map[string]any{
			"id": exchange.GlobalID(exchange.KindLaborSupply, x.ID), "center": exchange.GlobalID(exchange.KindCenter, x.CenterID),
			"occupationCode": x.OccupationCode, "quantity": x.Quantity, "availableFrom": x.AvailableFrom.Format(time.DateOnly),
			"destinationProvinceCodes": x.DestinationCodes, "expectedWageMin": x.ExpectedWageMin,
			"status": x.Status, "version": x.Version,
		}
}

// lockOwnSupply locks a supply for its owner's action a (DecidePosting).
func (tx *Tx) lockOwnSupply(ctx context.Context, id uuid.UUID, expectedVersion *int, a exchange.PostingAction) (*exchange.LaborSupply, error) {
	rows, _ := tx.Query(ctx, `SELECT `+supplyColumns+` FROM labor_supplies s WHERE s.id = $1 FOR UPDATE`, id)
	x, err := lockedPosting(tx, rows, exchange.SupplyPosting, expectedVersion, a, func(x *exchange.LaborSupply) exchange.PostingFacts {
		return exchange.PostingFacts{Found: true, OwnerID: x.CenterID, Version: x.Version, Ended: x.WithdrawnAt != nil}
	})
	if err != nil {
		return nil, err
	}
	x.SetStatus(tx.now)
	return x, nil
}

// UpdateLaborSupply changes a supply of the caller's center.
func (s *MarketService) UpdateLaborSupply(ctx context.Context, in exchange.UpdateLaborSupplyInput) (*exchange.LaborSupply, error) {
	_, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseInputID(exchange.KindLaborSupply, "laborSupplyId", in.LaborSupplyID)
	if err != nil {
		return nil, err
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		x, err := tx.lockOwnSupply(ctx, id, in.ExpectedVersion, exchange.PostingUpdate)
		if err != nil {
			return err
		}
		d := exchange.DraftFromSupply(x)
		d.Apply(in)
		if errs := exchange.ValidateSupply(s.db.Catalog, tx.now, d, false); len(errs) > 0 {
			return errs
		}
		if _, err := tx.Exec(ctx, `UPDATE labor_supplies SET skill_level = $2, quantity = $3, available_from = $4,
			available_until = $5, destination_codes = $6, expected_wage_min = $7, notes = $8, updated_at = $9,
			version = version + 1 WHERE id = $1`, id, d.SkillLevel, d.Quantity, d.AvailableFrom, d.AvailableUntil,
			destinationCodes(d), d.ExpectedWageMin, blankNil(d.Notes), tx.now); err != nil {
			return fmt.Errorf("update supply: %w", err)
		}
		return tx.supplyChanged(ctx, id, exchange.ActionUpdated)
	})
	if err != nil {
		return nil, err
	}
	return s.getSupply(ctx, s.db.Pool, id)
}

// WithdrawLaborSupply withdraws a supply of the caller's center for good.
func (s *MarketService) WithdrawLaborSupply(ctx context.Context, in exchange.WithdrawLaborSupplyInput) (*exchange.LaborSupply, error) {
	_, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseInputID(exchange.KindLaborSupply, "laborSupplyId", in.LaborSupplyID)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		if _, err := tx.lockOwnSupply(ctx, id, in.ExpectedVersion, exchange.PostingEnd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE labor_supplies SET withdrawn_at = $2, withdraw_reason = $3, updated_at = $2,
			version = version + 1 WHERE id = $1`, id, tx.now, blankNil(in.Reason)); err != nil {
			return fmt.Errorf("withdraw supply: %w", err)
		}
		return tx.supplyChanged(ctx, id, exchange.ActionWithdrawn)
	})
	if err != nil {
		return nil, err
	}
	return s.getSupply(ctx, s.db.Pool, id)
}
