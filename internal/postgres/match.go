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

// Matching runs in SQL: candidates are the open postings of the same sub-major group
// (an index range on occupation_code), the facts of exchange.MatchFacts are computed per
// row, and the score is built from exchange's weights, so SQL and Go cannot disagree.

// matchScoreSQL sums the weights of the facts columns of a candidate row.
var matchScoreSQL = fmt.Sprintf(`(CASE occ_level WHEN 4 THEN %d WHEN 3 THEN %d WHEN 2 THEN %d ELSE 0 END
	+ CASE WHEN dest THEN %d ELSE 0 END + CASE WHEN wage_ok THEN %d ELSE 0 END
	+ CASE WHEN dates_ok THEN %d ELSE 0 END + CASE WHEN agreement THEN %d ELSE 0 END
	+ CASE WHEN skill_fit = %[10]d THEN %[8]d ELSE 0 END + CASE WHEN age_fit = %[10]d THEN %[9]d ELSE 0 END
	+ CASE WHEN edu_fit = %[10]d THEN %[11]d ELSE 0 END)`,
	exchange.WeightOccupationExact, exchange.WeightOccupationMinor, exchange.WeightOccupationSubMajor,
	exchange.WeightDestination, exchange.WeightWage, exchange.WeightDates, exchange.WeightAgreement,
	exchange.WeightSkill, exchange.WeightAge, exchange.FitMeets, exchange.WeightEducation)

// levelFitSQL is exchange.LevelFit over the text columns or arguments required and
// offered, ranked by levels (lowest first).
func levelFitSQL[T ~string](levels []T, required, offered string) string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = "'" + string(l) + "'"
	}
	arr := "ARRAY[" + strings.Join(names, ", ") + "]::text[]"
	return fmt.Sprintf(`CASE WHEN %[2]s IS NULL THEN %[4]d WHEN %[3]s IS NULL THEN %[5]d
		WHEN array_position(%[1]s, %[3]s) >= array_position(%[1]s, %[2]s) THEN %[4]d ELSE %[6]d END`,
		arr, required, offered, exchange.FitMeets, exchange.FitUnknown, exchange.FitBelow)
}

// ageFitSQL is exchange.AgeFit over the required and offered age bounds.
func ageFitSQL(reqMin, reqMax, lo, hi string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL AND %[2]s IS NULL THEN %[7]d
		WHEN %[3]s IS NULL AND %[4]s IS NULL THEN %[8]d
		WHEN coalesce(%[4]s, %[6]d) < coalesce(%[1]s, 0) OR coalesce(%[3]s, %[5]d) > coalesce(%[2]s, 1000) THEN %[9]d
		WHEN coalesce(%[3]s, %[5]d) >= coalesce(%[1]s, 0) AND coalesce(%[4]s, %[6]d) <= coalesce(%[2]s, 1000) THEN %[7]d
		ELSE %[10]d END`, reqMin, reqMax, lo, hi, exchange.MinWorkingAge, exchange.MaxWorkingAge,
		exchange.FitMeets, exchange.FitUnknown, exchange.FitBelow, exchange.FitPartly)
}

// requirementFitsSQL are the skill_fit, age_fit and edu_fit columns of a candidate:
// d names the demand's requirement columns or arguments, s the supply's.
func requirementFitsSQL(d, s requirementCols) string {
	return levelFitSQL(exchange.SkillLevels, d.skill, s.skill) + ` AS skill_fit, ` +
		ageFitSQL(d.minAge, d.maxAge, s.minAge, s.maxAge) + ` AS age_fit, ` +
		levelFitSQL(exchange.EducationLevels, d.education, s.education) + ` AS edu_fit`
}

// requirementCols name the SQL expressions of one side's skill, education and ages.
type requirementCols struct{ skill, education, minAge, maxAge string }

// occLevelSQL compares a candidate's occupation column with the placeholder code.
func occLevelSQL(col, code string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s = %[2]s THEN 4 WHEN left(%[1]s, 3) = left(%[2]s, 3) THEN 3 ELSE 2 END`, col, code)
}

type matchFacts struct {
	OccLevel   int          `db:"occ_level"`
	Dest       bool         `db:"dest"`
	WageOK     bool         `db:"wage_ok"`
	DatesOK    bool         `db:"dates_ok"`
	Agreement  bool         `db:"agreement"`
	SameCenter bool         `db:"same_center"`
	SkillFit   exchange.Fit `db:"skill_fit"`
	AgeFit     exchange.Fit `db:"age_fit"`
	EduFit     exchange.Fit `db:"edu_fit"`
	Points     int          `db:"points"`
}

// matchFactColumns are the facts the outer SELECT of a match query reads.
const matchFactColumns = `occ_level, dest, wage_ok, dates_ok, agreement, same_center, skill_fit, age_fit, edu_fit, `

func (f matchFacts) score() (float64, []string) {
	return exchange.MatchFacts{OccupationLevel: f.OccLevel, Destination: f.Dest, Wage: f.WageOK, Dates: f.DatesOK,
		Agreement: f.Agreement, SameCenter: f.SameCenter, Skill: f.SkillFit, Age: f.AgeFit, Education: f.EduFit}.Score()
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
		d, err := visibleDemand(ctx, tx, p, demandID)
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
		demand := requirementCols{skill: "@skill::text", education: "@education::text", minAge: "@min_age::int",
			maxAge: "@max_age::int"}
		supply := requirementCols{skill: "s.skill_level", education: "s.education_level", minAge: "s.min_age", maxAge: "s.max_age"}
		rows, _ := tx.Query(ctx, `
			SELECT `+supplyColumns+`, `+matchFactColumns+matchScoreSQL+` AS points
			FROM (
				SELECT s.*, `+occLevelSQL("s.occupation_code", "@occupation")+` AS occ_level,
					(cardinality(s.destination_codes) = 0 OR s.destination_codes && @provinces::text[]) AS dest,
					coalesce(s.expected_wage_min IS NULL OR @wage::bigint >= s.expected_wage_min, false) AS wage_ok,
					(s.available_from <= @until::date AND coalesce(s.available_until, 'infinity'::date) >= @from::date) AS dates_ok,
					(s.center_id <> @center AND are_partners(@center, s.center_id, @today::date)) AS agreement,
					s.center_id = @center AS same_center,
					`+requirementFitsSQL(demand, supply)+`
				FROM labor_supplies s
				WHERE s.occupation_code LIKE @group AND s.withdrawn_at IS NULL AND s.quantity > 0
				  AND (s.available_until IS NULL OR s.available_until >= @today::date)
			) s
			ORDER BY points DESC, s.id
			LIMIT @limit`, pgx.NamedArgs{"occupation": d.OccupationCode, "provinces": provinces, "wage": wage,
			"until": exchange.Day(d.ExpiresAt), "from": from, "center": d.CenterID, "today": today,
			"group": likePrefix(d.OccupationCode[:2]), "limit": first, "skill": d.SkillLevel, "education": d.EducationLevel,
			"min_age": d.MinAge, "max_age": d.MaxAge})
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
		x, err := supplyTable.get(ctx, tx, supplyID)
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
		demand := requirementCols{skill: "d.skill_level", education: "d.education_level", minAge: "d.min_age", maxAge: "d.max_age"}
		supply := requirementCols{skill: w.arg(x.SkillLevel) + "::text", education: w.arg(x.EducationLevel) + "::text",
			minAge: w.arg(x.MinAge) + "::int", maxAge: w.arg(x.MaxAge) + "::int"}
		fits := requirementFitsSQL(demand, supply)
		rows, _ := tx.Query(ctx, fmt.Sprintf(`
			SELECT `+demandColumns+`, `+matchFactColumns+matchScoreSQL+` AS points
			FROM (
				SELECT d.*, `+occLevelSQL("d.occupation_code", occ)+` AS occ_level,
					(cardinality(%[1]s::text[]) = 0 OR d.work_province_code = ANY(%[1]s::text[])) AS dest,
					(%[2]s::bigint IS NULL OR d.wage_sort >= %[2]s::bigint) AS wage_ok,
					(%[3]s::date <= (d.expires_at AT TIME ZONE 'UTC')::date
					 AND coalesce(%[4]s::date, 'infinity'::date) >= coalesce(d.start_date, (d.created_at AT TIME ZONE 'UTC')::date)) AS dates_ok,
					(d.center_id <> %[5]s AND are_partners(d.center_id, %[5]s, %[6]s::date)) AS agreement,
					d.center_id = %[5]s AS same_center, %[9]s
				FROM labor_demands d
				WHERE %[7]s
			) d
			ORDER BY points DESC, d.id
			LIMIT %[8]s`, dests, wage, from, untilArg, center, today, w.String(), limit, fits), w.args...)
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[demandMatchRow])
		if err != nil {
			return nil, fmt.Errorf("match demands: %w", err)
		}
		out := make([]*exchange.DemandMatch, len(list))
		for i := range list {
			d := list[i].LaborDemand
			tx.readDemand(&d)
			score, reasons := list[i].score()
			out[i] = &exchange.DemandMatch{LaborDemand: &d, Score: score, Reasons: reasons}
		}
		return out, nil
	})
}
