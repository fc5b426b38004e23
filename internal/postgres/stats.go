package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// StatsService implements exchange.StatsService. Every figure is one SQL statement that
// aggregates (GROUP BY, FILTER, percentile_cont) on the read pool: the replica when one
// is configured, else the primary.
type StatsService struct {
	db   *DB
	read DBTX
}

// NewStatsService returns the statistics service reading through read (a replica pool);
// nil reads from db's pool.
func NewStatsService(db *DB, read DBTX) *StatsService {
	if read == nil {
		read = db.Pool
	}
	return &StatsService{db: db, read: read}
}

var _ exchange.StatsService = (*StatsService)(nil)

// provinceNow maps every province code to the province covering it today: records of a
// dissolved province (06 Bắc Kạn) count in its successor (19 Thái Nguyên).
const provinceNow = `(SELECT code, CASE WHEN is_current THEN code ELSE coalesce(successor_code, code) END AS now_code
	FROM provinces)`

// statsCaller returns the caller if they may read statistics at all.
func statsCaller(ctx context.Context) (*exchange.Principal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: DecideReadStats.
	if err := exchange.DecideReadStats(p); err != nil {
		return nil, err
	}
	return p, nil
}

// scope resolves the centerCode of a statistic to the center whose figures are asked
// for: nil for national figures.
func (s *StatsService) scope(ctx context.Context, p *exchange.Principal, code *string) (*uuid.UUID, error) {
	// authz: StatsScope.
	c, own, lookup, err := exchange.StatsScope(p, code)
	if err != nil || !lookup {
		return own, err
	}
	var id uuid.UUID
	err = s.read.QueryRow(ctx, `SELECT id FROM centers WHERE code = $1`, c).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, exchange.UnknownStatsCenter(c)
	}
	if err != nil {
		return nil, fmt.Errorf("stats center: %w", err)
	}
	return &id, nil
}

// scopedPeriod admits the caller, checks a period of inclusive dates, and resolves the
// centerCode of a statistic over that period (nil for national figures).
func (s *StatsService) scopedPeriod(ctx context.Context, code *string, from, to *time.Time) (*uuid.UUID, error) {
	p, err := statsCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckDateRange(from, to); err != nil {
		return nil, err
	}
	// authz: StatsScope.
	return s.scope(ctx, p, code)
}

// period turns inclusive dates into a half-open range of instants [from, until).
func period(from, to *time.Time) (*time.Time, *time.Time) {
	var start, until *time.Time
	if from != nil {
		d := exchange.Day(*from)
		start = &d
	}
	if to != nil {
		d := exchange.Day(*to).AddDate(0, 0, 1)
		until = &d
	}
	return start, until
}

// MarketBalance compares open demand positions and available supply per province and
// occupation group.
func (s *StatsService) MarketBalance(ctx context.Context, args exchange.MarketBalanceArgs) ([]*exchange.MarketBalance, error) {
	if _, err := statsCaller(ctx); err != nil {
		return nil, err
	}
	if err := exchange.CheckOccupationLevel(args.OccupationLevel); err != nil {
		return nil, err
	}
	var province *string
	if args.ProvinceCode != nil {
		p, ok := s.db.Catalog.CurrentProvince(strings.TrimSpace(*args.ProvinceCode))
		if !ok {
			return nil, exchange.UnknownStatsProvince(*args.ProvinceCode)
		}
		province = &p.Code
	}
	now := s.db.Now().UTC()
	// The province condition is in the SQL only when asked for: pgx prepares
	// statements, and the generic plan PostgreSQL switches to after five runs misjudges
	// "$n IS NULL OR ..." conditions. The demand side reads the partial index of open
	// demands; statuses as in demandStatusSQL and supplyStatusSQL (OPEN).
	params := []any{args.OccupationLevel, now, exchange.Day(now)}
	if province != nil {
		params = append(params, *province)
	}
	rows, _ := s.read.Query(ctx, `
		WITH `+marketSides(args.OccupationLevel, province != nil)+`
		SELECT province_code, occupation_code,
			coalesce(d.positions, 0) AS demand_positions, coalesce(d.postings, 0) AS demand_postings,
			coalesce(s.workers, 0) AS supply_workers, coalesce(s.postings, 0) AS supply_postings,
			coalesce(d.positions, 0) - coalesce(s.workers, 0) AS shortage
		FROM demand d FULL JOIN supply s USING (province_code, occupation_code)
		ORDER BY province_code, occupation_code`, params...)
	// Scanned by position: a national table at occupation level 4 has thousands of rows.
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*exchange.MarketBalance, error) {
		var m exchange.MarketBalance
		err := row.Scan(&m.ProvinceCode, &m.OccupationCode, &m.DemandPositions, &m.DemandPostings,
			&m.SupplyWorkers, &m.SupplyPostings, &m.Shortage)
		return &m, err
	})
	if err != nil {
		return nil, fmt.Errorf("market balance: %w", err)
	}
	return list, nil
}

// marketSides is the CTEs demand and supply of MarketBalance: each side's open
// positions or available workers and postings by today's province and occupation group
// ($1 digits; $4 the province when inProvince). Records of a dissolved province count
// in its successor's (provinceNow). Supply is summed by its center (a center's province
// is the supply's) and occupation group first and only those sums mapped to today's
// provinces: there are few centers, so at every level there are far fewer sums than
// postings (1,047 for 20,000 at level 4). Demand is summed so at levels 1 and 2; at
// levels 3 and 4 nearly every demand is a group of its own (work province by
// occupation: 8,693 for 20,000), and mapping each row before one sum costs less than
// summing twice (BENCHMARKS.md, statistics).
func marketSides(level int, inProvince bool) string {
	supplyIn := ""
	if inProvince {
		supplyIn = `AND center_id IN (SELECT c.id FROM centers c JOIN ` + provinceNow + ` pn ON pn.code = c.province_code
					WHERE pn.now_code = $4)`
	}
	supply := `supply AS (
			SELECT pn.now_code AS province_code, s.occupation_code,
				sum(s.workers)::bigint AS workers, sum(s.postings)::bigint AS postings
			FROM (SELECT center_id, left(occupation_code, $1) AS occupation_code, sum(quantity) AS workers, count(*) AS postings
				FROM labor_supplies
				WHERE withdrawn_at IS NULL AND quantity > 0 AND (available_until IS NULL OR available_until >= $3::date) ` + supplyIn + `
				GROUP BY 1, 2) s
				JOIN centers c ON c.id = s.center_id JOIN ` + provinceNow + ` pn ON pn.code = c.province_code
			GROUP BY 1, 2)`
	if level >= 3 {
		demandIn := ""
		if inProvince {
			demandIn = `AND pn.now_code = $4`
		}
		return `demand AS (
			SELECT pn.now_code AS province_code, left(d.occupation_code, $1) AS occupation_code,
				sum(d.quantity - d.filled_count)::bigint AS positions, count(*) AS postings
			FROM labor_demands d JOIN ` + provinceNow + ` pn ON pn.code = d.work_province_code
			WHERE d.closed_at IS NULL AND d.filled_count < d.quantity AND d.expires_at > $2 ` + demandIn + `
			GROUP BY 1, 2),
		` + supply
	}
	demandIn := ""
	if inProvince {
		demandIn = `AND work_province_code IN (SELECT code FROM ` + provinceNow + ` pn WHERE pn.now_code = $4)`
	}
	return `demand AS (
			SELECT pn.now_code AS province_code, d.occupation_code,
				sum(d.positions)::bigint AS positions, sum(d.postings)::bigint AS postings
			FROM (SELECT work_province_code, left(occupation_code, $1) AS occupation_code,
					sum(quantity - filled_count) AS positions, count(*) AS postings
				FROM labor_demands
				WHERE closed_at IS NULL AND filled_count < quantity AND expires_at > $2 ` + demandIn + `
				GROUP BY 1, 2) d
				JOIN ` + provinceNow + ` pn ON pn.code = d.work_province_code
			GROUP BY 1, 2),
		` + supply
}

// ReferralFlows counts referrals made in the period by origin and destination province.
func (s *StatsService) ReferralFlows(ctx context.Context, from, to *time.Time) ([]*exchange.ReferralFlow, error) {
	if _, err := statsCaller(ctx); err != nil {
		return nil, err
	}
	if err := exchange.CheckDateRange(from, to); err != nil {
		return nil, err
	}
	start, until := period(from, to)
	w := &sqlWhere{}
	w.add(`r.kind = 'created' AND r.n > 0`)
	createdDays(w, start, until)
	// The day counts (migration 00015) are summed by center pair and status first (a
	// handful of groups), and only those sums are joined to the centers' provinces.
	// The period's conditions are in the SQL only when given (see MarketBalance).
	rows, _ := s.read.Query(ctx, `
		WITH pairs AS (
			SELECT r.origin_center_id, r.destination_center_id, r.status, sum(r.n) AS n
			FROM referral_counts r
			WHERE `+w.String()+`
			GROUP BY 1, 2, 3)
		SELECT op.now_code AS origin_province_code, dp.now_code AS destination_province_code,
			sum(p.n)::bigint AS total,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'REFERRED'), 0)::bigint AS referred,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'ACKNOWLEDGED'), 0)::bigint AS acknowledged,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'INTERVIEW_SCHEDULED'), 0)::bigint AS interview_scheduled,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'HIRED'), 0)::bigint AS hired,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'NOT_HIRED'), 0)::bigint AS not_hired,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'WITHDRAWN'), 0)::bigint AS withdrawn,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'EMPLOYED'), 0)::bigint AS employed,
			coalesce(sum(p.n) FILTER (WHERE p.status = 'LEFT_JOB'), 0)::bigint AS left_job
		FROM pairs p
			JOIN centers oc ON oc.id = p.origin_center_id JOIN `+provinceNow+` op ON op.code = oc.province_code
			JOIN centers dc ON dc.id = p.destination_center_id JOIN `+provinceNow+` dp ON dp.code = dc.province_code
		GROUP BY 1, 2
		ORDER BY 1, 2`, w.args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.ReferralFlow])
	if err != nil {
		return nil, fmt.Errorf("referral flows: %w", err)
	}
	return list, nil
}

// daysToHire is a referral's (alias r) time from creation to hire in days, the
// expression of the index referrals_days_to_hire.
const daysToHire = `(extract(epoch FROM r.hired_at - r.created_at) / 86400)::float8`

// createdDays adds the conditions that a day count (alias r) is of a referral created
// in [start, until), both UTC midnights or nil.
func createdDays(w *sqlWhere, start, until *time.Time) {
	if start != nil {
		w.add(`r.day >= %s::date`, w.arg(*start))
	}
	if until != nil {
		w.add(`r.day < %s::date`, w.arg(*until))
	}
}

// referralEnd adds the condition that a referral (alias r) belongs to the center at
// the given end, or either.
func referralEnd(w *sqlWhere, center *uuid.UUID, dir *exchange.ReferralDirection) {
	centerEnd(w, center, "r.origin_center_id", "r.destination_center_id",
		dir != nil && *dir == exchange.ReferralOut, dir != nil && *dir == exchange.ReferralIn)
}

// centerEnd adds the condition that a row with two centers (sending column from,
// receiving column to) belongs to the center: at the sending end, at the receiving
// end, or (neither asked) at either. No center, no condition.
func centerEnd(w *sqlWhere, center *uuid.UUID, from, to string, sending, receiving bool) {
	if center == nil {
		return
	}
	c := w.arg(*center)
	switch {
	case sending:
		w.add(from+` = %s`, c)
	case receiving:
		w.add(to+` = %s`, c)
	default:
		w.add(`(`+from+` = %s OR `+to+` = %s)`, c, c)
	}
}

// ReferralFunnel counts a cohort of referrals by the furthest stage each reached in its
// history (the stage columns kept with referral_events), with the rates between stages
// and the median time to hire.
func (s *StatsService) ReferralFunnel(ctx context.Context, args exchange.ReferralFunnelArgs) (*exchange.ReferralFunnel, error) {
	center, err := s.scopedPeriod(ctx, args.CenterCode, args.From, args.To)
	if err != nil {
		return nil, err
	}
	start, until := period(args.From, args.To)
	// The cohort's stage counts come from the day counts (migration 00015): a referral
	// counts in every stage up to the furthest it reached (referral_stage). A referral
	// may skip acknowledgement (REFERRED → INTERVIEW_SCHEDULED) or the interview;
	// NOT_HIRED, WITHDRAWN and LEFT_JOB add no stage. The median time to hire is
	// percentile_cont(0.5) over the cohort's hire times, read from the index in that
	// order at the middle position, which the counts give: the one or two values there,
	// interpolated as percentile_cont does.
	w := &sqlWhere{}
	referralEnd(w, center, args.Direction)
	ends := w.String()
	counts := &sqlWhere{conds: []string{`r.kind = 'created'`, ends}, args: w.args}
	createdDays(counts, start, until)
	hires := &sqlWhere{conds: []string{`r.hired_at IS NOT NULL`, ends}, args: counts.args}
	if start != nil {
		hires.add(`r.created_at >= %s`, hires.arg(*start))
	}
	if until != nil {
		hires.add(`r.created_at < %s`, hires.arg(*until))
	}
	rows, _ := s.read.Query(ctx, `
		WITH RECURSIVE stages AS (
			SELECT coalesce(sum(r.n), 0)::int AS referred,
				coalesce(sum(r.n) FILTER (WHERE r.stage >= 1), 0)::int AS acknowledged,
				coalesce(sum(r.n) FILTER (WHERE r.stage >= 2), 0)::int AS interviewed,
				coalesce(sum(r.n) FILTER (WHERE r.stage >= 3), 0)::int AS hired,
				coalesce(sum(r.n) FILTER (WHERE r.stage = 4), 0)::int AS employed,
				coalesce(sum(r.n) FILTER (WHERE r.with_hire), 0)::bigint AS timed
			FROM referral_counts r
			WHERE `+counts.String()+`),
		`+medianWalk(hires, ends, start == nil && until == nil)+`,
		median AS (
			SELECT CASE WHEN (SELECT timed FROM stages) % 2 = 1 THEN min(days) ELSE min(days) + (max(days) - min(days)) * 0.5 END
				AS median_days_to_hire
			FROM middle)
		SELECT referred, acknowledged, interviewed, hired, employed,
			acknowledged::float8 / nullif(referred, 0) AS acknowledged_rate,
			interviewed::float8 / nullif(acknowledged, 0) AS interviewed_rate,
			hired::float8 / nullif(interviewed, 0) AS hired_rate,
			employed::float8 / nullif(hired, 0) AS employed_rate,
			hired::float8 / nullif(referred, 0) AS overall_hire_rate,
			median_days_to_hire
		FROM stages, median`, hires.args...)
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.ReferralFunnel])
	if err != nil {
		return nil, fmt.Errorf("referral funnel: %w", err)
	}
	f.CenterID, f.From, f.To = center, args.From, args.To
	return f, nil
}

// hireDay is a referral's (alias r) whole days from creation to hire, the first key of
// the index referrals_hire_day_created and the days of referral_hire_days.
const hireDay = `floor(` + daysToHire + `)::integer`

// medianWalk is the CTE middle of referralFunnel: the one or two hire times at the
// middle position of the cohort (hires) in order of time to hire. Both ways find the
// whole day of time to hire that holds the middle position and how many of the
// cohort's hires come before that day, so that only the hires from that day on are
// ordered. Without a period the day counts of referral_hire_days (migration 00135,
// restricted by ends) say it, and the walk of referrals_days_to_hire starts there. With
// a period (the counts keep no creation day) the cohort's hires are counted day by day
// from the shortest on the index referrals_hire_day_created (00165), each day one range
// of it, until the positions needed are passed; then the hires of the days walked from
// the middle's on are ordered.
func medianWalk(hires *sqlWhere, ends string, allTime bool) string {
	const middle = `(SELECT greatest((timed - 1) / 2, 0) FROM stages)`
	// day_counts holds, for each whole day of time to hire (day), the cohort's hires before
	// it (before); from is the range of the middle's candidates.
	var byDay, from string
	if allTime {
		byDay = `day_counts AS (
			SELECT r.days AS day, sum(sum(r.n)) OVER (ORDER BY r.days) - sum(r.n) AS before
			FROM referral_hire_days r
			WHERE ` + ends + `
			GROUP BY r.days
			HAVING sum(r.n) > 0)`
		from = daysToHire + ` >= (SELECT day FROM target)`
	} else {
		// need is the last position percentile_cont reads: the middle, or the one
		// after it for an even count.
		const need = `(SELECT least(greatest((timed - 1) / 2, 0) + 1, timed - 1) FROM stages)`
		dayCount := `(SELECT count(*) FROM referral_facts r WHERE ` + hires.String() + ` AND ` + hireDay + ` = d.day)`
		byDay = `day_counts AS (
			SELECT d.day, 0::bigint AS before, ` + dayCount + ` AS n
			FROM (SELECT min(` + hireDay + `) AS day FROM referral_facts r WHERE r.hired_at IS NOT NULL) d
			WHERE d.day IS NOT NULL AND (SELECT timed FROM stages) > 0
			UNION ALL
			SELECT d.day, w.before + w.n, ` + dayCount + `
			FROM day_counts w, LATERAL (SELECT min(` + hireDay + `) AS day FROM referral_facts r
				WHERE r.hired_at IS NOT NULL AND ` + hireDay + ` > w.day) d
			WHERE w.before + w.n <= ` + need + ` AND d.day IS NOT NULL)`
		from = hireDay + ` >= (SELECT day FROM target) AND ` + hireDay + ` <= (SELECT max(day) FROM day_counts)`
	}
	return byDay + `,
		target AS (
			SELECT day, (` + middle + ` - before)::bigint AS skip
			FROM day_counts WHERE before <= ` + middle + `
			ORDER BY day DESC LIMIT 1),
		middle AS (
			SELECT ` + daysToHire + ` AS days
			FROM referral_facts r
			WHERE ` + hires.String() + ` AND ` + from + `
			ORDER BY ` + daysToHire + `
			OFFSET (SELECT skip FROM target) LIMIT 2)`
}

// AgreementFulfillment reads the use of an agreement's quota lines.
func (s *StatsService) AgreementFulfillment(ctx context.Context, agreementID uuid.UUID) (*exchange.AgreementFulfillment, error) {
	p, err := statsCaller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: getAgreement admits parties and operators only; NOT_FOUND otherwise.
	a, err := getAgreement(ctx, s.read, p, agreementID, exchange.Today(s.db.Now()))
	if err != nil {
		return nil, err
	}
	rows, _ := s.read.Query(ctx, `
		SELECT q.occupation_code, q.from_center_id, q.to_center_id, q.workers AS quota,
			q.referred_count AS referred, q.hired_count AS hired, q.workers - q.hired_count AS remaining,
			q.hired_count::float8 / q.workers AS hired_rate
		FROM agreement_quota_lines q
			JOIN centers fc ON fc.id = q.from_center_id JOIN centers tc ON tc.id = q.to_center_id
		WHERE q.agreement_id = $1 AND q.revision = $2
		ORDER BY fc.code, tc.code, q.occupation_code`, a.ID, a.CurrentRevisionNumber)
	lines, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.QuotaFulfillment])
	if err != nil {
		return nil, fmt.Errorf("agreement fulfillment: %w", err)
	}
	out := &exchange.AgreementFulfillment{AgreementID: a.ID, Revision: a.CurrentRevisionNumber, Lines: lines}
	if err := s.read.QueryRow(ctx, `
		SELECT coalesce(sum(workers), 0), coalesce(sum(referred_count), 0), coalesce(sum(hired_count), 0)
		FROM agreement_quota_lines WHERE agreement_id = $1 AND revision = $2`, a.ID, a.CurrentRevisionNumber).
		Scan(&out.Quota, &out.Referred, &out.Hired); err != nil {
		return nil, fmt.Errorf("agreement fulfillment totals: %w", err)
	}
	return out, nil
}

// monthlyFacts is the SQL of a metric's events: one row per event with its instant
// (at) and weight (n), in [start, until) and of the center when one is given.
func monthlyFacts(w *sqlWhere, a exchange.MonthlyArgs, center *uuid.UUID, start, until time.Time) string {
	s, u := w.arg(start), w.arg(until)
	var sql, at string
	switch a.Metric {
	case exchange.MetricDemandPositionsPublished, exchange.MetricSupplyWorkersPublished:
		table := "labor_demands"
		if a.Metric == exchange.MetricSupplyWorkersPublished {
			table = "labor_supplies"
		}
		sql, at = `SELECT x.created_at AS at, x.quantity AS n FROM `+table+` x WHERE true`, "x.created_at"
		if center != nil {
			sql += ` AND x.center_id = ` + w.arg(*center)
		}
	case exchange.MetricReferrals, exchange.MetricHires, exchange.MetricEmploymentsConfirmed:
		// The day counts of the referrals' creation, HIRED or EMPLOYED instants
		// (migration 00015); the series is by calendar month of whole UTC days.
		kind := map[exchange.StatsMetric]string{exchange.MetricReferrals: "created", exchange.MetricHires: "hired",
			exchange.MetricEmploymentsConfirmed: "employed"}[a.Metric]
		rw := &sqlWhere{args: w.args}
		rw.add(`r.kind = '%s'`, kind)
		referralEnd(rw, center, a.Direction)
		w.args = rw.args
		at = `(r.day::timestamp AT TIME ZONE 'UTC')`
		sql = `SELECT ` + at + ` AS at, r.n FROM referral_counts r WHERE ` + rw.String()
	case exchange.MetricAgreementsSigned:
		// The signature that completes the agreement is the SIGN event that moves it to SIGNED.
		sql, at = `SELECT e.at, 1 AS n FROM agreement_events e WHERE e.action = 'SIGN' AND e.to_status = 'SIGNED'`, "e.at"
		if center != nil {
			sql += ` AND EXISTS (SELECT 1 FROM agreement_parties ap WHERE ap.agreement_id = e.agreement_id
				AND ap.center_id = ` + w.arg(*center) + `)`
		}
	}
	return sql + ` AND ` + at + ` >= ` + s + ` AND ` + at + ` < ` + u
}

// Monthly returns a metric's time series by calendar month (UTC).
func (s *StatsService) Monthly(ctx context.Context, args exchange.MonthlyArgs) ([]*exchange.MonthlyValue, error) {
	p, err := statsCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckMonthlyArgs(args); err != nil {
		return nil, err
	}
	center, err := s.scope(ctx, p, args.CenterCode)
	if err != nil {
		return nil, err
	}
	start, until := period(&args.From, &args.To)
	w := &sqlWhere{}
	firstMonth, lastMonth := w.arg(start.AddDate(0, 0, 1-start.Day())), w.arg(args.To)
	facts := monthlyFacts(w, args, center, *start, *until)
	// Months are compared as UTC wall-clock timestamps, whatever the session's TimeZone.
	// The facts are summed by month before the months are joined to them.
	rows, _ := s.read.Query(ctx, `
		WITH facts AS (`+facts+`),
		totals AS (SELECT date_trunc('month', f.at AT TIME ZONE 'UTC') AS m, sum(f.n) AS n FROM facts f GROUP BY 1),
		months AS (SELECT generate_series(`+firstMonth+`::date::timestamp, `+lastMonth+`::date::timestamp,
			interval '1 month') AS m)
		SELECT to_char(months.m, 'YYYY-MM') AS month, coalesce(t.n, 0)::int AS value
		FROM months LEFT JOIN totals t ON t.m = months.m
		ORDER BY months.m`, w.args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.MonthlyValue])
	if err != nil {
		return nil, fmt.Errorf("monthly %s: %w", args.Metric, err)
	}
	return list, nil
}
