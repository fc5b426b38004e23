package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

const supplyColumns = `s.id, s.center_id, s.occupation_code, s.skill_level, s.quantity, s.available_from,
	s.available_until, s.destination_codes, s.expected_wage_min, s.notes, s.withdrawn_at, s.withdraw_reason,
	s.created_at, s.updated_at, s.version, s.education_level, s.min_age, s.max_age`

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
	s.marketText(w, "labor_supplies", "s", `s`+occupationsNamed+`
		OR s.destination_codes && ARRAY(SELECT code FROM provinces WHERE search_name LIKE @word ESCAPE '\')
		OR s.center_id = ANY(ARRAY(SELECT c.id FROM centers c JOIN provinces p ON p.code = c.province_code
			WHERE p.search_name LIKE @word ESCAPE '\'))`, f.Text)
}

// LaborSupplies searches supply, keyset-paginated. Supply is counts only and visible
// to every authenticated caller.
func (s *MarketService) LaborSupplies(ctx context.Context, f exchange.LaborSupplyFilter, order exchange.LaborSupplyOrder,
	page exchange.PageArgs) (*exchange.Page[*exchange.LaborSupply], error) {
	if _, err := marketReader(ctx); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.LaborSupply], error) {
		now := tx.now
		w := &sqlWhere{}
		s.supplyFilter(w, f, now)
		o := keysetOrder{key: "s.created_at", id: "s.id", desc: true}
		if order == exchange.SupplyOrderAvailableFrom {
			o = keysetOrder{key: "s.available_from", id: "s.id"}
		} else {
			order = exchange.SupplyOrderNewest
		}
		after, err := afterOrdered[time.Time](page.After, string(order))
		if err != nil {
			return nil, err
		}
		return listPostings(ctx, tx, supplyColumns, "labor_supplies s", w, o, after, page, func(x *exchange.LaborSupply) string {
			if order == exchange.SupplyOrderAvailableFrom {
				return encodeCursor(order, x.AvailableFrom, x.ID)
			}
			return encodeCursor(order, x.CreatedAt, x.ID)
		})
	})
}

// LaborSupply returns a supply by id.
func (s *MarketService) LaborSupply(ctx context.Context, id uuid.UUID) (*exchange.LaborSupply, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.LaborSupply, error) { return supplyTable.get(ctx, tx, id) })
}

// PublishLaborSupply publishes workers of the caller's center ready to move.
func (s *MarketService) PublishLaborSupply(ctx context.Context, in exchange.PublishLaborSupplyInput) (*exchange.LaborSupply, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	d := exchange.DraftFromPublishSupply(in)
	check := func(now time.Time) error { return exchange.ValidateSupply(s.db.Catalog, now, d, true).Err() }
	return supplyTable.publish(ctx, s.db, in.IdempotencyKey, "publishLaborSupply", in, check, func(tx *Tx, id uuid.UUID) postingDraft {
		rec := newSupplyRecord(id, p.CenterID, d, tx.now)
		cols, vals := recordOf(rec)
		ch, payload := supplyChange(publishedSupply(rec, d, tx.now), exchange.ActionPublished)
		return postingDraft{cols: cols, vals: vals, change: ch, payload: payload}
	})
}

// supplyChange is the change-feed entry of a supply: counts only, for every center.
func supplyChange(x *exchange.LaborSupply, action exchange.ChangeAction) (exchange.Change, any) {
	return exchange.Change{EntityKind: exchange.KindLaborSupply, EntityID: x.ID, Action: action, Audience: exchange.AudienceAll},
		supplyPayload{ID: exchange.GlobalID(exchange.KindLaborSupply, x.ID), Center: exchange.GlobalID(exchange.KindCenter, x.CenterID),
			OccupationCode: x.OccupationCode, Quantity: x.Quantity, AvailableFrom: x.AvailableFrom.Format(time.DateOnly),
			DestinationProvinceCodes: x.DestinationCodes, ExpectedWageMin: x.ExpectedWageMin, Status: x.Status, Version: x.Version}
}

// supplyPayload is a supply's change payload. A struct, not a map: an import marshals
// 100,000 of them, and a map costs its allocations and a key sort each time.
type supplyPayload struct {
	AvailableFrom            string                `json:"availableFrom"`
	Center                   string                `json:"center"`
	DestinationProvinceCodes []string              `json:"destinationProvinceCodes"`
	ExpectedWageMin          *int64                `json:"expectedWageMin"`
	ID                       string                `json:"id"`
	OccupationCode           string                `json:"occupationCode"`
	Quantity                 int                   `json:"quantity"`
	Status                   exchange.SupplyStatus `json:"status"`
	Version                  int                   `json:"version"`
}

// UpdateLaborSupply changes a supply of the caller's center.
func (s *MarketService) UpdateLaborSupply(ctx context.Context, in exchange.UpdateLaborSupplyInput) (*exchange.LaborSupply, error) {
	return supplyTable.act(ctx, s.db, in.LaborSupplyID, in.ExpectedVersion, exchange.PostingUpdate, nil, exchange.ActionUpdated,
		func(tx *Tx, id uuid.UUID, x *exchange.LaborSupply) error {
			d := exchange.DraftFromSupply(x)
			d.Apply(in)
			if errs := exchange.ValidateSupply(s.db.Catalog, tx.now, d, false); len(errs) > 0 {
				return errs
			}
			if _, err := tx.Exec(ctx, `UPDATE labor_supplies SET skill_level = @skill_level,
				education_level = @education_level, min_age = @min_age, max_age = @max_age, quantity = @quantity,
				available_from = @available_from, available_until = @available_until, destination_codes = @destination_codes,
				expected_wage_min = @expected_wage_min, notes = @notes, updated_at = @updated_at, version = version + 1
				WHERE id = @id`, args(newSupplyRecord(id, x.CenterID, d, tx.now))); err != nil {
				return fmt.Errorf("update supply: %w", err)
			}
			return nil
		})
}

// WithdrawLaborSupply withdraws a supply of the caller's center for good.
func (s *MarketService) WithdrawLaborSupply(ctx context.Context, in exchange.WithdrawLaborSupplyInput) (*exchange.LaborSupply, error) {
	return supplyTable.end(ctx, s.db, in.LaborSupplyID, in.Reason, in.ExpectedVersion)
}
