package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// Matching runs in SQL: candidates are the open postings of the same sub-major group
// (an index range on occupation_code), the facts of exchange.MatchFacts are computed per
// row, and the score is built from exchange's weights, so SQL and Go cannot disagree.

// matchScoreSQL sums the weights of the facts columns of a candidate row.
var matchScoreSQL = fmt.Sprintf(`(CASE occ_level WHEN 4 THEN %d WHEN 3 THEN %d WHEN 2 THEN %d ELSE 0 END
	+ CASE WHEN dest THEN %d ELSE 0 END + CASE WHEN wage_ok THEN %d ELSE 0 END
	+ CASE WHEN dates_ok THEN %d ELSE 0 END + CASE WHEN agreement THEN %d ELSE 0 END)`,
	exchange.WeightOccupationExact, exchange.WeightOccupationMinor, exchange.WeightOccupationSubMajor,
	exchange.WeightDestination, exchange.WeightWage, exchange.WeightDates, exchange.WeightAgreement)

// occLevelSQL compares a candidate's occupation column with the placeholder code.
func occLevelSQL(col, code string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s = %[2]s THEN 4 WHEN left(%[1]s, 3) = left(%[2]s, 3) THEN 3 ELSE 2 END`, col, code)
}

type matchFacts struct {
	OccLevel  int  `db:"occ_level"`
	Dest      bool `db:"dest"`
	WageOK    bool `db:"wage_ok"`
	DatesOK   bool `db:"dates_ok"`
	Agreement bool `db:"agreement"`
	Points    int  `db:"points"`
}

func (f matchFacts) score() (float64, []string) {
	return exchange.MatchFacts{OccupationLevel: f.OccLevel, Destination: f.Dest, Wage: f.WageOK, Dates: f.DatesOK,
		Agreement: f.Agreement}.Score()
}

type supplyMatchRow struct {
	exchange.LaborSupply
	matchFacts
}

type demandMatchRow struct {
	exchange.LaborDemand
	matchFacts
}

// MatchesForDemand ranks the open supplies for a demand the caller may see.
func (s *MarketService) MatchesForDemand(ctx context.Context, demandID uuid.UUID, first int) ([]*exchange.SupplyMatch, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckFirst(first); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) ([]*exchange.SupplyMatch, error) {
		d, err := visibleDemand(ctx, tx, p, demandID, tx.now)
		if err != nil {
			return nil, err
		}
		now := tx.now
		today := exchange.Day(now)
		from := exchange.Day(d.CreatedAt)
		if d.StartDate != nil {
			from = *d.StartDate
		}
		var wage *int64
		if w := wageSort(d); d.WageMax != nil || d.WageMin != nil {
			wage = &w
		}
		// The work province as it is today and as it was, so a destination of 19 accepts a
		// demand published in 06 before the merger.
		provinces := s.withMerged([]string{d.WorkProvinceCode})
		rows, _ := tx.Query(ctx, `
			SELECT `+supplyColumns+`, occ_level, dest, wage_ok, dates_ok, agreement, `+matchScoreSQL+` AS points
			FROM (
				SELECT s.*, `+occLevelSQL("s.occupation_code", "$1")+` AS occ_level,
					(cardinality(s.destination_codes) = 0 OR s.destination_codes && $2::text[]) AS dest,
					coalesce(s.expected_wage_min IS NULL OR $3::bigint >= s.expected_wage_min, false) AS wage_ok,
					(s.available_from <= $4::date AND coalesce(s.available_until, 'infinity'::date) >= $5::date) AS dates_ok,
					(s.center_id <> $6 AND are_partners($6, s.center_id, $7::date)) AS agreement
				FROM labor_supplies s
				WHERE s.occupation_code LIKE $8 AND s.withdrawn_at IS NULL AND s.quantity > 0
				  AND (s.available_until IS NULL OR s.available_until >= $7::date)
			) s
			ORDER BY points DESC, s.id
			LIMIT $9`,
			d.OccupationCode, provinces, wage, exchange.Day(d.ExpiresAt), from, d.CenterID, today,
			likePrefix(d.OccupationCode[:2]), first)
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[supplyMatchRow])
		if err != nil {
			return nil, fmt.Errorf("match supplies: %w", err)
		}
		out := make([]*exchange.SupplyMatch, len(list))
		for i := range list {
			x := list[i].LaborSupply
			x.SetStatus(now)
			score, reasons := list[i].score()
			out[i] = &exchange.SupplyMatch{LaborSupply: &x, Score: score, Reasons: reasons}
		}
		return out, nil
	})
}

// MatchesForSupply ranks the open demands the caller may see for a supply.
func (s *MarketService) MatchesForSupply(ctx context.Context, supplyID uuid.UUID, first int) ([]*exchange.DemandMatch, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckFirst(first); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) ([]*exchange.DemandMatch, error) {
		x, err := supplyTable.get(ctx, tx, supplyID, tx.now)
		if err != nil {
			return nil, err
		}
		now := tx.now
		w := &sqlWhere{}
		occ := w.arg(x.OccupationCode)
		dests := w.arg(s.withMerged(x.DestinationCodes))
		wage := w.arg(x.ExpectedWageMin)
		from := w.arg(x.AvailableFrom)
		var until *time.Time
		if x.AvailableUntil != nil {
			until = x.AvailableUntil
		}
		untilArg := w.arg(until)
		center := w.arg(x.CenterID)
		today := w.arg(exchange.Day(now))
		w.add(`d.occupation_code LIKE %s AND d.closed_at IS NULL AND d.filled_count < d.quantity AND d.expires_at > %s`,
			w.arg(likePrefix(x.OccupationCode[:2])), w.arg(now))
		demandVisibility(w, p, now)
		limit := w.arg(first)
		rows, _ := tx.Query(ctx, fmt.Sprintf(`
			SELECT `+demandColumns+`, occ_level, dest, wage_ok, dates_ok, agreement, `+matchScoreSQL+` AS points
			FROM (
				SELECT d.*, `+occLevelSQL("d.occupation_code", occ)+` AS occ_level,
					(cardinality(%[1]s::text[]) = 0 OR d.work_province_code = ANY(%[1]s::text[])) AS dest,
					(%[2]s::bigint IS NULL OR d.wage_sort >= %[2]s::bigint) AS wage_ok,
					(%[3]s::date <= (d.expires_at AT TIME ZONE 'UTC')::date
					 AND coalesce(%[4]s::date, 'infinity'::date) >= coalesce(d.start_date, (d.created_at AT TIME ZONE 'UTC')::date)) AS dates_ok,
					(d.center_id <> %[5]s AND are_partners(d.center_id, %[5]s, %[6]s::date)) AS agreement
				FROM labor_demands d
				WHERE %[7]s
			) d
			ORDER BY points DESC, d.id
			LIMIT %[8]s`, dests, wage, from, untilArg, center, today, w.String(), limit), w.args...)
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[demandMatchRow])
		if err != nil {
			return nil, fmt.Errorf("match demands: %w", err)
		}
		out := make([]*exchange.DemandMatch, len(list))
		for i := range list {
			d := list[i].LaborDemand
			d.SetStatus(now)
			score, reasons := list[i].score()
			out[i] = &exchange.DemandMatch{LaborDemand: &d, Score: score, Reasons: reasons}
		}
		return out, nil
	})
}
