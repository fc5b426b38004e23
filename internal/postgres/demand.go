package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// MarketService implements exchange.MarketService: labor demand and supply, their
// search, matching and bulk import.
type MarketService struct {
	db *DB
	// probeWindow is how many rows of a list's order a text search reads before it asks
	// the indexes for every match (probedQuery).
	probeWindow int
}

// probeWindow is MarketService.probeWindow: 5,000 rows are read and filtered in about
// 350 buffers and a few milliseconds, and a phrase with fewer than 21 matches among them
// (under 0.4 % of the rows) has few enough matches in all to sort (BENCHMARKS.md, "Text
// search at 1,000,000 demands").
const probeWindow = 5000

// NewMarketService returns the marketplace service.
func NewMarketService(db *DB) *MarketService { return &MarketService{db: db, probeWindow: probeWindow} }

var _ exchange.MarketService = (*MarketService)(nil)

const demandColumns = `d.id, d.center_id, d.employer_name, d.employer_tax_code, d.occupation_code, d.title,
	d.description, d.quantity, d.filled_count, d.wage_min, d.wage_max, d.work_province_code, d.work_address,
	d.employment_type, d.education_level, d.skill_level, d.min_age, d.max_age, d.experience_years, d.housing,
	d.transport_support, d.meals, d.benefits_note, d.start_date, d.expires_at, d.visibility, d.closed_at,
	d.close_reason, d.created_at, d.updated_at, d.version, d.hours_per_week, d.shifts, d.contract_months,
	d.contract_end_date, d.overtime_hours_per_month, d.overtime_pay_percent, d.pay_period, d.deductions,
	d.probation_days, d.social_insurance`

// demandStatusSQL is exchange.DemandStatusAt in SQL, for filters; $now is the argument
// placeholder of the clock.
func demandStatusSQL(now string) string {
	return `CASE WHEN d.closed_at IS NOT NULL THEN 'CLOSED' WHEN d.filled_count >= d.quantity THEN 'FILLED'
		WHEN d.expires_at <= ` + now + ` THEN 'EXPIRED' ELSE 'OPEN' END`
}

// demandOpenSQL is `demandStatusSQL(now) = 'OPEN'` (the three columns are NOT NULL)
// written as conditions on the columns, the first two being the predicate of the
// partial indexes of open demands (labor_demands_open_occupation, 00004;
// labor_demands_open_province, 00180), which a CASE never lets the planner use.
func demandOpenSQL(now string) string {
	return `d.closed_at IS NULL AND d.filled_count < d.quantity AND d.expires_at > ` + now
}

// demandVisibility adds the rule of who sees a demand: operators everything; a center
// ALL_PARTNERS demands, its own, and AGREEMENT_PARTNERS demands of its partners.
func demandVisibility(w *sqlWhere, p *exchange.Principal, now time.Time) {
	// authz: AGREEMENT_PARTNERS demands are visible to the owner and its partners only.
	if p.IsOperator() {
		return
	}
	w.add(`(d.visibility = 'ALL_PARTNERS' OR d.center_id = ANY(ARRAY(%s)))`, partnerSetSQL(w.arg(p.CenterID), w.arg(exchange.Day(now))))
}

// partnerSetSQL is the set of centers that see me's AGREEMENT_PARTNERS postings on day:
// me and every center it has a signed agreement in force with that day. It is
// partner_centers (migrations 00012, 00096) written into the statement instead of
// called: a set-returning SQL function in a select list is neither inlined nor
// planned with the statement, so PostgreSQL planned its UNION again on every call
// (most of the database's work for a page of demands). Written here it is an
// uncorrelated sub-select, planned once with the prepared statement and evaluated
// once per execution, and `center_id = ANY(ARRAY(...))` can use an index.
func partnerSetSQL(me, day string) string {
	return fmt.Sprintf(`SELECT %[1]s::uuid
		UNION
		SELECT pb.center_id
		FROM agreement_parties pa
		JOIN agreements ag ON ag.id = pa.agreement_id
		JOIN agreement_parties pb ON pb.agreement_id = pa.agreement_id
		WHERE pa.center_id = %[1]s::uuid
		  AND ag.status = 'SIGNED'
		  AND ag.valid_from <= %[2]s::date AND %[2]s::date <= ag.in_force_until`, me, day)
}

// searchPhrase is a search text as it is matched: spaces normalised, at most 200
// characters; "" when there is nothing to search for.
func searchPhrase(text *string) string {
	if text == nil {
		return ""
	}
	phrase := strings.Join(strings.Fields(*text), " ")
	if len([]rune(phrase)) > 200 {
		phrase = string([]rune(phrase)[:200])
	}
	return phrase
}

// textWords matches a search text as a phrase (spaces normalised) against the folded
// search text, so "Bac Kan" finds "Bắc Kạn" and "tho han" finds "Thợ hàn" but not
// "Thợ vận hành".
func textWords(w *sqlWhere, column string, text *string) {
	if phrase := searchPhrase(text); phrase != "" {
		w.add(`%s LIKE fold(%s) ESCAPE '\'`, column, w.arg(likeContains(phrase)))
	}
}

// marketText is textWords over a demand's or supply's search_text, which is its own
// words (search_own, trigram-indexed) and then reference names (occupation titles,
// province names: not indexed, as they repeat in every row; 00160). A phrase found in
// search_text is either inside the own words, or it ends in the names: then its last
// word, which has no space, lies inside one name, and each other word inside the own
// words or a name. So the candidates are the rows whose own words hold the phrase, or
// whose codes name something holding the last word (names, with @word, a condition on
// the row's codes) and whose own words or names hold each other word; search_text must
// still hold the phrase, so the rows are exactly textWords' rows. A page of them is
// read by probedQuery (w.probed), which alone knows whether to walk
// the order or to ask these indexes.
func (s *MarketService) marketText(w *sqlWhere, table, alias, names string, text *string) {
	phrase := searchPhrase(text)
	if phrase == "" {
		return
	}
	p := w.arg(likeContains(phrase))
	named := func(pattern string) string { return strings.ReplaceAll(names, "@word", pattern) }
	// The last word of the folded pattern (fold can add spaces: "½" is " 1/2").
	cands := "(" + named(`('%' || substring(fold(`+p+`) from '[^ ]*$'))`) + ")"
	words := strings.Fields(phrase)
	for _, word := range words[:len(words)-1] {
		// Only words fold cannot split, and long enough to have a trigram; leaving a
		// word out only makes more candidates.
		if utf8.RuneCountInString(word) < 3 || strings.IndexFunc(word, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) >= 0 {
			continue
		}
		wp := `fold(` + w.arg(likeContains(word)) + `)`
		cands += fmt.Sprintf(` AND (%s.search_own LIKE %s ESCAPE '\' OR %s)`, alias, wp, named(wp))
	}
	w.addText(probe{table: table, alias: alias, window: s.probeWindow},
		`(%[1]s.search_own LIKE fold(%[2]s) ESCAPE '\' OR (%[3]s)) AND %[1]s.search_text LIKE fold(%[2]s) ESCAPE '\'`,
		alias, p, cands)
}

// occupationsNamed is the condition of marketText's names on an occupation code column.
const occupationsNamed = `.occupation_code = ANY(ARRAY(SELECT code FROM occupations WHERE search_text LIKE @word ESCAPE '\'))`

func upperAll(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	return out
}

func (s *MarketService) demandFilter(w *sqlWhere, p *exchange.Principal, f exchange.LaborDemandFilter, now time.Time) {
	demandVisibility(w, p, now)
	if f.OccupationCode != nil && *f.OccupationCode != "" {
		w.add(`d.occupation_code LIKE %s ESCAPE '\'`, w.arg(likePrefix(strings.TrimSpace(*f.OccupationCode))))
	}
	if f.ProvinceCodes != nil {
		w.add(`d.work_province_code = ANY(%s)`, w.arg(expandProvinceCodes(s.db.Catalog, f.ProvinceCodes)))
	}
	if f.CenterCodes != nil {
		w.add(`d.center_id IN (SELECT id FROM centers WHERE code = ANY(%s))`, w.arg(upperAll(f.CenterCodes)))
	}
	switch {
	case onlyOpen(f.Statuses):
		w.add(`%s`, demandOpenSQL(w.arg(now)))
	case len(f.Statuses) > 0:
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		w.add(`%s = ANY(%s)`, demandStatusSQL(w.arg(now)), w.arg(st))
	}
	if f.WageAtLeast != nil {
		w.add(`d.wage_sort >= %s`, w.arg(*f.WageAtLeast))
	}
	s.demandText(w, f.Text)
}

// onlyOpen says whether a status filter admits open demands only.
func onlyOpen(statuses []exchange.DemandStatus) bool {
	return len(statuses) > 0 && !slices.ContainsFunc(statuses, func(x exchange.DemandStatus) bool { return x != exchange.DemandOpen })
}

// LaborDemands searches the demands the caller may see, keyset-paginated in the order.
func (s *MarketService) LaborDemands(ctx context.Context, f exchange.LaborDemandFilter, order exchange.LaborDemandOrder,
	page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
	p, err := marketReader(ctx)
	if err != nil {
		return nil, err
	}
	return readEach(ctx, s.db, func(q DBTX, now time.Time) (*exchange.Page[*exchange.LaborDemand], error) {
		w := &sqlWhere{}
		s.demandFilter(w, p, f, now)
		var o keysetOrder
		switch order {
		case exchange.DemandOrderWageDesc:
			o = keysetOrder{key: "d.wage_sort", id: "d.id", desc: true}
		case exchange.DemandOrderExpiresSoon:
			o = keysetOrder{key: "d.expires_at", id: "d.id"}
		default:
			order = exchange.DemandOrderNewest
			o = keysetOrder{key: "d.created_at", id: "d.id", desc: true}
		}
		var after []any
		if order == exchange.DemandOrderWageDesc {
			after, err = afterOrdered[int64](page.After, string(order))
		} else {
			after, err = afterOrdered[time.Time](page.After, string(order))
		}
		if err != nil {
			return nil, err
		}
		cursor := func(d *exchange.LaborDemand) string {
			switch order {
			case exchange.DemandOrderWageDesc:
				return encodeCursor(order, wageSort(d), d.ID)
			case exchange.DemandOrderExpiresSoon:
				return encodeCursor(order, d.ExpiresAt, d.ID)
			}
			return encodeCursor(order, d.CreatedAt, d.ID)
		}
		// The centers come with the page (the join adds columns, never rows), so nested
		// `center` fields need no statement of their own.
		var dc demandsWithCenters
		counted := page.WithTotal && unfiltered(f)
		if counted {
			page.WithTotal = false // the kept counts answer it below
		}
		const from, table = "labor_demands d JOIN centers c ON c.id = d.center_id", "labor_demands d"
		var rows pgx.Rows
		if order == exchange.DemandOrderNewest && len(f.ProvinceCodes) > 0 {
			// The newest of each province, from labor_demands_open_province (00180):
			// a walk per province that stops at the page, where the province index and
			// the newest index together read and sort every matching row (Q3 of
			// bench/peers, BENCHMARKS.md "Q3 by province"); with a text, walks of at
			// most a window each (probedByPart), over that index or, for other
			// statuses, labor_demands_province_newest (00216).
			inProvinces := f
			inProvinces.ProvinceCodes = nil
			pw := &sqlWhere{}
			s.demandFilter(pw, p, inProvinces, now)
			rows, _ = keysetByPart(ctx, q, demandColumns+", "+demandCenterColumns, from, table, pw, o, after, page.First,
				"d.work_province_code", expandProvinceCodes(s.db.Catalog, f.ProvinceCodes))
		} else {
			rows, _ = keysetQuery(ctx, q, demandColumns+", "+demandCenterColumns, from, w, o, after, page.First)
		}
		pg, err := readPage(ctx, q, rows, table, w, after, page, cursor, dc.scan)
		if err != nil {
			return nil, err
		}
		if counted {
			if pg.TotalCount, err = visibleDemandCount(ctx, q, p, now); err != nil {
				return nil, err
			}
		}
		for _, d := range pg.Items {
			readDemand(d, now, s.db.Catalog)
		}
		pg.Centers = dc.centers
		return pg, nil
	})
}

// unfiltered says whether f selects every demand the caller may see: the list's
// totalCount is then visibleDemandCount.
func unfiltered(f exchange.LaborDemandFilter) bool {
	return (f.OccupationCode == nil || *f.OccupationCode == "") && f.ProvinceCodes == nil && f.CenterCodes == nil &&
		len(f.Statuses) == 0 && f.WageAtLeast == nil && (f.Text == nil || strings.TrimSpace(*f.Text) == "")
}

// visibleDemandCount is how many demands p may see, summed from labor_demand_counts
// (migration 00130: per center and visibility, kept by triggers) under the same rule
// as the demands themselves: a few dozen rows, not a scan of the market.
func visibleDemandCount(ctx context.Context, q DBTX, p *exchange.Principal, now time.Time) (int, error) {
	w := &sqlWhere{}
	demandVisibility(w, p, now)
	var n int
	if err := q.QueryRow(ctx, `SELECT coalesce(sum(d.n), 0) FROM labor_demand_counts d WHERE `+w.String(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count demands: %w", err)
	}
	return n, nil
}

func wageSort(d *exchange.LaborDemand) int64 {
	switch {
	case d.WageMax != nil:
		return *d.WageMax
	case d.WageMin != nil:
		return *d.WageMin
	}
	return 0
}

// LaborDemand returns a demand the caller may see, NOT_FOUND otherwise.
func (s *MarketService) LaborDemand(ctx context.Context, id uuid.UUID) (*exchange.LaborDemand, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readEach(ctx, s.db, func(q DBTX, now time.Time) (*exchange.LaborDemand, error) {
		return visibleDemandAt(ctx, q, p, id, now, s.db.Catalog)
	})
}

// visibleDemand loads a demand if p may see it, NOT_FOUND otherwise.
func visibleDemand(ctx context.Context, tx *Tx, p *exchange.Principal, id uuid.UUID) (*exchange.LaborDemand, error) {
	return visibleDemandAt(ctx, tx, p, id, tx.now, tx.catalog)
}

// visibleDemandAt is visibleDemand through q, at now.
func visibleDemandAt(ctx context.Context, q DBTX, p *exchange.Principal, id uuid.UUID, now time.Time,
	catalog *exchange.Catalog) (*exchange.LaborDemand, error) {
	w := &sqlWhere{}
	w.add(`d.id = %s`, w.arg(id))
	demandVisibility(w, p, now)
	rows, _ := q.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+w.String(), w.args...)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return nil, translate(err)
	}
	readDemand(d, now, catalog)
	return d, nil
}

// marketReader returns the caller if it may read demand and supply.
func marketReader(ctx context.Context) (*exchange.Principal, error) {
	p := auth.FromContext(ctx)
	// authz: DecideReadMarket.
	if err := exchange.DecideReadMarket(p); err != nil {
		return nil, err
	}
	return p, nil
}

// centerPublisher returns the caller if it may change the market: a center's
// publisher or coordinator. Operators have no center and publish nothing.
func centerPublisher(ctx context.Context) (*exchange.Principal, error) {
	p := auth.FromContext(ctx)
	// authz: DecidePublish.
	if err := exchange.DecidePublish(p); err != nil {
		return nil, err
	}
	return p, nil
}

// PublishLaborDemand publishes a job order of the caller's center.
func (s *MarketService) PublishLaborDemand(ctx context.Context, in exchange.PublishLaborDemandInput) (*exchange.LaborDemand, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	d := exchange.DraftFromPublish(in)
	check := func(now time.Time) error {
		return exchange.ValidateDemand(s.db.Catalog, now, d, exchange.DemandRules{Province: true, Expiry: true}).Err()
	}
	return demandTable.publish(ctx, s.db, in.IdempotencyKey, "publishLaborDemand", in, check, func(tx *Tx, id uuid.UUID) postingDraft {
		rec := newDemandRecord(id, p.CenterID, d, tx.now)
		cols, vals := recordOf(rec)
		own, names := s.demandSearchText(d)
		ch, payload := demandChange(publishedDemand(id, p.CenterID, d, tx.now), exchange.ActionPublished)
		return postingDraft{cols: cols, vals: vals, searchGiven: true, own: own, names: names, change: ch, payload: payload,
			stored: storedDemand(rec)}
	})
}

// placeholders returns "$from, ..., $to".
func placeholders(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}

func blankNil(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

func boolOf(b *bool) bool { return b != nil && *b }

// demandChange is the change-feed entry of a demand: ALL for ALL_PARTNERS demands, the
// owner's PARTNERS otherwise. The payload has no personal data.
func demandChange(d *exchange.LaborDemand, action exchange.ChangeAction) (exchange.Change, any) {
	ch := exchange.Change{EntityKind: exchange.KindLaborDemand, EntityID: d.ID, Action: action, Audience: exchange.AudienceAll}
	if d.Visibility == exchange.VisibilityAgreementPartners {
		owner := d.CenterID
		ch.Audience, ch.OwnerCenterID = exchange.AudiencePartners, &owner
	}
	return ch, demandPayload{
		ID: exchange.GlobalID(exchange.KindLaborDemand, d.ID), Center: exchange.GlobalID(exchange.KindCenter, d.CenterID),
		OccupationCode: d.OccupationCode, Title: d.Title, WorkProvinceCode: d.WorkProvinceCode,
		Quantity: d.Quantity, FilledCount: d.FilledCount, WageMin: d.WageMin, WageMax: d.WageMax,
		EmploymentType: d.EmploymentType, Visibility: d.Visibility, Status: d.Status,
		ExpiresAt: d.ExpiresAt, Version: d.Version,
	}
}

// demandPayload is a demand's change payload (a struct for the reason of supplyPayload).
type demandPayload struct {
	Center           string                  `json:"center"`
	EmploymentType   exchange.EmploymentType `json:"employmentType"`
	ExpiresAt        time.Time               `json:"expiresAt"`
	FilledCount      int                     `json:"filledCount"`
	ID               string                  `json:"id"`
	OccupationCode   string                  `json:"occupationCode"`
	Quantity         int                     `json:"quantity"`
	Status           exchange.DemandStatus   `json:"status"`
	Title            string                  `json:"title"`
	Version          int                     `json:"version"`
	Visibility       exchange.Visibility     `json:"visibility"`
	WageMax          *int64                  `json:"wageMax"`
	WageMin          *int64                  `json:"wageMin"`
	WorkProvinceCode string                  `json:"workProvinceCode"`
}

// UpdateLaborDemand changes a demand of the caller's center.
func (s *MarketService) UpdateLaborDemand(ctx context.Context, in exchange.UpdateLaborDemandInput) (*exchange.LaborDemand, error) {
	return demandTable.act(ctx, s.db, in.LaborDemandID, in.ExpectedVersion, exchange.PostingUpdate, nil, exchange.ActionUpdated,
		func(tx *Tx, id uuid.UUID, d *exchange.LaborDemand) error {
			draft := exchange.DraftFromDemand(d)
			draft.Apply(in)
			if errs := exchange.ValidateDemand(s.db.Catalog, tx.now, draft, exchange.DemandRules{Expiry: in.ExpiresAt != nil}); len(errs) > 0 {
				return errs
			}
			// The occupation and the work province never change (DemandRules).
			if _, err := tx.Exec(ctx, `UPDATE labor_demands SET employer_name = @employer_name,
				employer_tax_code = @employer_tax_code, title = @title, description = @description, quantity = @quantity,
				wage_min = @wage_min, wage_max = @wage_max, work_address = @work_address, employment_type = @employment_type,
				education_level = @education_level, skill_level = @skill_level, min_age = @min_age, max_age = @max_age,
				experience_years = @experience_years, housing = @housing, transport_support = @transport_support,
				meals = @meals, benefits_note = @benefits_note, start_date = @start_date, expires_at = @expires_at,
				visibility = @visibility, hours_per_week = @hours_per_week, shifts = @shifts,
				contract_months = @contract_months, contract_end_date = @contract_end_date,
				overtime_hours_per_month = @overtime_hours_per_month, overtime_pay_percent = @overtime_pay_percent,
				pay_period = @pay_period, deductions = @deductions, probation_days = @probation_days,
				social_insurance = @social_insurance, updated_at = @updated_at, version = version + 1
				WHERE id = @id AND center_id = @center_id`, args(newDemandRecord(id, d.CenterID, draft, tx.now))); err != nil {
				return fmt.Errorf("update demand: %w", err)
			}
			return nil
		})
}

// CloseLaborDemand closes a demand of the caller's center for good.
func (s *MarketService) CloseLaborDemand(ctx context.Context, in exchange.CloseLaborDemandInput) (*exchange.LaborDemand, error) {
	return demandTable.end(ctx, s.db, in.LaborDemandID, in.Reason, in.ExpectedVersion)
}

// fillDemandPosition fills one position of a demand when a worker is hired: in one
// UPDATE, so that no concurrency can fill more positions than the demand has (the
// CHECK on filled_count backs it up). A demand that is not OPEN is DEMAND_FILLED.
// It runs inside the hiring transaction, whose caller was already authorized.
func (tx *Tx) fillDemandPosition(ctx context.Context, demandID uuid.UUID) (*exchange.LaborDemand, error) {
	rows, _ := tx.Query(ctx, `UPDATE labor_demands d SET filled_count = filled_count + 1, version = version + 1,
		updated_at = $2
		WHERE d.id = $1 AND `+demandStatusSQL("$2")+` = 'OPEN'
		RETURNING `+demandColumns, demandID, tx.now)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return nil, fmt.Errorf("fill demand position: %w", err)
	}
	if len(list) == 0 {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM labor_demands WHERE id = $1)`, demandID).Scan(&exists); err != nil {
			return nil, fmt.Errorf("fill demand position: %w", err)
		}
		return nil, exchange.DecideFillPosition(exists)
	}
	d := list[0]
	tx.readDemand(d)
	ch, payload := demandChange(d, exchange.ActionUpdated)
	if err := tx.publish(ctx, ch, payload); err != nil {
		return nil, err
	}
	return d, nil
}

// LaborDemandMatching returns the demand if the caller may see it and it matches the
// filter, NOT_FOUND otherwise. Subscriptions use it so that a filter means exactly what
// it means for the laborDemands query.
func (s *MarketService) LaborDemandMatching(ctx context.Context, id uuid.UUID, f exchange.LaborDemandFilter) (*exchange.LaborDemand, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.LaborDemand, error) {
		now := tx.now
		w := &sqlWhere{}
		w.add(`d.id = %s`, w.arg(id))
		s.demandFilter(w, p, f, now)
		rows, _ := tx.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+w.String(), w.args...)
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
		if err != nil {
			return nil, translate(err)
		}
		tx.readDemand(d)
		return d, nil
	})
}
