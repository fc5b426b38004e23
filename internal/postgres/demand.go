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

// MarketService implements exchange.MarketService: labor demand and supply, their
// search, matching and bulk import.
type MarketService struct{ db *DB }

// NewMarketService returns the marketplace service.
func NewMarketService(db *DB) *MarketService { return &MarketService{db: db} }

var _ exchange.MarketService = (*MarketService)(nil)

const demandColumns = `d.id, d.center_id, d.employer_name, d.employer_tax_code, d.occupation_code, d.title,
	d.description, d.quantity, d.filled_count, d.wage_min, d.wage_max, d.work_province_code, d.work_address,
	d.employment_type, d.education_level, d.skill_level, d.min_age, d.max_age, d.experience_years, d.housing,
	d.transport_support, d.meals, d.benefits_note, d.start_date, d.expires_at, d.visibility, d.closed_at,
	d.close_reason, d.created_at, d.updated_at, d.version`

// demandStatusSQL is exchange.DemandStatusAt in SQL, for filters; $now is the argument
// placeholder of the clock.
func demandStatusSQL(now string) string {
	return `CASE WHEN d.closed_at IS NOT NULL THEN 'CLOSED' WHEN d.filled_count >= d.quantity THEN 'FILLED'
		WHEN d.expires_at <= ` + now + ` THEN 'EXPIRED' ELSE 'OPEN' END`
}

// sqlWhere builds a WHERE clause with numbered arguments.
type sqlWhere struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *sqlWhere) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

func (w *sqlWhere) add(format string, args ...any) {
	w.conds = append(w.conds, fmt.Sprintf(format, args...))
}

func (w *sqlWhere) String() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// demandVisibility adds the rule of who sees a demand: operators everything; a center
// ALL_PARTNERS demands, its own, and AGREEMENT_PARTNERS demands of its partners.
func demandVisibility(w *sqlWhere, p *exchange.Principal, now time.Time) {
	// authz: AGREEMENT_PARTNERS demands are visible to the owner and its partners only.
	if p.IsOperator() {
		return
	}
	me := w.arg(p.CenterID)
	w.add(`(d.visibility = 'ALL_PARTNERS' OR d.center_id IN (SELECT partner_centers(%s, %s::date)))`,
		me, w.arg(exchange.Day(now)))
}

// textWords matches a search text as a phrase (spaces normalised) against the folded
// search text, so "Bac Kan" finds "Bắc Kạn" and "tho han" finds "Thợ hàn" but not
// "Thợ vận hành".
func textWords(w *sqlWhere, column string, text *string) {
	if text == nil {
		return
	}
	phrase := strings.Join(strings.Fields(*text), " ")
	if phrase == "" {
		return
	}
	if len([]rune(phrase)) > 200 {
		phrase = string([]rune(phrase)[:200])
	}
	w.add(`%s LIKE fold(%s) ESCAPE '\'`, column, w.arg(likeContains(phrase)))
}

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
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, x := range f.Statuses {
			st[i] = string(x)
		}
		w.add(`%s = ANY(%s)`, demandStatusSQL(w.arg(now)), w.arg(st))
	}
	if f.WageAtLeast != nil {
		w.add(`d.wage_sort >= %s`, w.arg(*f.WageAtLeast))
	}
	textWords(w, "d.search_text", f.Text)
}

// LaborDemands searches the demands the caller may see, keyset-paginated in the order.
func (s *MarketService) LaborDemands(ctx context.Context, f exchange.LaborDemandFilter, order exchange.LaborDemandOrder,
	page exchange.PageArgs) (*exchange.Page[*exchange.LaborDemand], error) {
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
	s.demandFilter(w, p, f, now)
	filter := w.String()

	var key, sortKey, orderBy, cmp string
	switch order {
	case exchange.DemandOrderWageDesc:
		sortKey, orderBy, cmp = "d.wage_sort", "d.wage_sort DESC, d.id DESC", "<"
	case exchange.DemandOrderExpiresSoon:
		sortKey, orderBy, cmp = "d.expires_at", "d.expires_at, d.id", ">"
	default:
		order = exchange.DemandOrderNewest
		sortKey, orderBy, cmp = "d.created_at", "d.created_at DESC, d.id DESC", "<"
	}
	if page.After != "" {
		var ord string
		var id uuid.UUID
		var ok bool
		var k any
		if order == exchange.DemandOrderWageDesc {
			var n int64
			ok, err = decodeCursor(page.After, &ord, &n, &id)
			k = n
		} else {
			var t time.Time
			ok, err = decodeCursor(page.After, &ord, &t, &id)
			k = t
		}
		if err != nil || (ok && ord != string(order)) {
			return nil, exchange.BadCursor(true)
		}
		key = fmt.Sprintf(` AND (%s, d.id) %s (%s, %s)`, sortKey, cmp, w.arg(k), w.arg(id))
	}
	limit := w.arg(page.First + 1)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+filter+key+
		` ORDER BY `+orderBy+` LIMIT `+limit, w.args...)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return nil, fmt.Errorf("list demands: %w", err)
	}
	for _, d := range list {
		d.SetStatus(now)
	}
	pg := pageOf(list, page.First, func(d *exchange.LaborDemand) string {
		switch order {
		case exchange.DemandOrderWageDesc:
			return encodeCursor(order, wageSort(d), d.ID)
		case exchange.DemandOrderExpiresSoon:
			return encodeCursor(order, d.ExpiresAt, d.ID)
		}
		return encodeCursor(order, d.CreatedAt, d.ID)
	})
	pg.HasPrevious = page.After != ""
	if page.WithTotal {
		nargs := len(w.args) - 1 // the filter's own arguments come first
		if key != "" {
			nargs -= 2
		}
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM labor_demands d WHERE `+filter, w.args[:nargs]...).
			Scan(&pg.TotalCount); err != nil {
			return nil, fmt.Errorf("count demands: %w", err)
		}
	}
	return pg, nil
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
	return s.visibleDemand(ctx, s.db.Pool, p, id)
}

func (s *MarketService) visibleDemand(ctx context.Context, q DBTX, p *exchange.Principal, id uuid.UUID) (*exchange.LaborDemand, error) {
	return visibleDemand(ctx, q, p, id, s.db.Now().UTC())
}

// visibleDemand loads a demand if p may see it, NOT_FOUND otherwise.
func visibleDemand(ctx context.Context, q DBTX, p *exchange.Principal, id uuid.UUID, now time.Time) (*exchange.LaborDemand, error) {
	w := &sqlWhere{}
	w.add(`d.id = %s`, w.arg(id))
	demandVisibility(w, p, now)
	rows, _ := q.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+w.String(), w.args...)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return nil, translate(err)
	}
	d.SetStatus(now)
	return d, nil
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
	if errs := exchange.ValidateDemand(s.db.Catalog, s.db.Now(), d, exchange.DemandRules{Province: true, Expiry: true}); len(errs) > 0 {
		return nil, errs
	}
	var id uuid.UUID
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "publishLaborDemand", in, func() (uuid.UUID, error) {
			id := uuid.Must(uuid.NewV7())
			if _, err := tx.Exec(ctx, `INSERT INTO labor_demands (id, center_id, employer_name, employer_tax_code,
				occupation_code, title, description, quantity, wage_min, wage_max, work_province_code, work_address,
				employment_type, education_level, skill_level, min_age, max_age, experience_years, housing,
				transport_support, meals, benefits_note, start_date, expires_at, visibility, created_at, updated_at)
				VALUES (`+placeholders(1, 26)+`, $26)`, demandRow(id, p.CenterID, d, tx.now)...); err != nil {
				return uuid.Nil, fmt.Errorf("insert demand: %w", err)
			}
			return id, tx.demandChanged(ctx, id, exchange.ActionPublished)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.visibleDemand(ctx, s.db.Pool, p, id)
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

// demandRow is a new demand's values in the column order of the INSERT and the COPY.
func demandRow(id, centerID uuid.UUID, d *exchange.DemandDraft, now time.Time) []any {
	taxCode := d.Employer.TaxCode
	if taxCode != nil && *taxCode == "" {
		taxCode = nil
	}
	return []any{id, centerID, d.Employer.Name, taxCode, d.OccupationCode, d.Title, blankNil(d.Description),
		d.Quantity, d.WageMin, d.WageMax, d.WorkProvinceCode, blankNil(d.WorkAddress), string(d.EmploymentType),
		d.Requirements.EducationLevel, d.Requirements.SkillLevel, d.Requirements.MinAge, d.Requirements.MaxAge,
		d.Requirements.ExperienceYears, boolOf(d.Benefits.Housing), boolOf(d.Benefits.TransportSupport),
		boolOf(d.Benefits.Meals), blankNil(d.Benefits.Note), d.StartDate, d.ExpiresAt, string(d.Visibility), now}
}

var demandCopyColumns = []string{"id", "center_id", "employer_name", "employer_tax_code", "occupation_code", "title",
	"description", "quantity", "wage_min", "wage_max", "work_province_code", "work_address", "employment_type",
	"education_level", "skill_level", "min_age", "max_age", "experience_years", "housing", "transport_support",
	"meals", "benefits_note", "start_date", "expires_at", "visibility", "created_at", "updated_at"}

func blankNil(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

func boolOf(b *bool) bool { return b != nil && *b }

// demandChanged audits a change to a demand and publishes it to the change feed.
func (tx *Tx) demandChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction) error {
	rows, _ := tx.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return translate(err)
	}
	d.SetStatus(tx.now)
	if err := tx.audit(ctx, action.AuditName("laborDemand"), exchange.KindLaborDemand, id,
		map[string]any{"version": d.Version}); err != nil {
		return err
	}
	ch, payload := demandChange(d, action)
	_, err = tx.publish(ctx, ch, payload)
	return err
}

// demandChange is the change-feed entry of a demand: ALL for ALL_PARTNERS demands, the
// owner's PARTNERS otherwise. The payload has no personal data.
func demandChange(d *exchange.LaborDemand, action exchange.ChangeAction) (exchange.Change, map[string]any) {
	ch := exchange.Change{EntityKind: exchange.KindLaborDemand, EntityID: d.ID, Action: action, Audience: exchange.AudienceAll}
	if d.Visibility == exchange.VisibilityAgreementPartners {
		owner := d.CenterID
		ch.Audience, ch.OwnerCenterID = exchange.AudiencePartners, &owner
	}
	return ch, map[string]any{
		"id": exchange.GlobalID(exchange.KindLaborDemand, d.ID), "center": exchange.GlobalID(exchange.KindCenter, d.CenterID),
		"occupationCode": d.OccupationCode, "title": d.Title, "workProvinceCode": d.WorkProvinceCode,
		"quantity": d.Quantity, "filledCount": d.FilledCount, "wageMin": d.WageMin, "wageMax": d.WageMax,
		"employmentType": d.EmploymentType, "visibility": d.Visibility, "status": d.Status,
		"expiresAt": d.ExpiresAt, "version": d.Version,
	}
}

// lockOwnDemand locks a demand for its owner's action a (DecidePosting).
func (tx *Tx) lockOwnDemand(ctx context.Context, id uuid.UUID, expectedVersion *int, a exchange.PostingAction) (*exchange.LaborDemand, error) {
	rows, _ := tx.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE d.id = $1 FOR UPDATE`, id)
	d, err := lockedPosting(tx, rows, exchange.DemandPosting, expectedVersion, a, func(d *exchange.LaborDemand) exchange.PostingFacts {
		return exchange.PostingFacts{Found: true, OwnerID: d.CenterID, Version: d.Version, Ended: d.ClosedAt != nil}
	})
	if err != nil {
		return nil, err
	}
	d.SetStatus(tx.now)
	return d, nil
}

// UpdateLaborDemand changes a demand of the caller's center.
func (s *MarketService) UpdateLaborDemand(ctx context.Context, in exchange.UpdateLaborDemandInput) (*exchange.LaborDemand, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseInputID(exchange.KindLaborDemand, "laborDemandId", in.LaborDemandID)
	if err != nil {
		return nil, err
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		d, err := tx.lockOwnDemand(ctx, id, in.ExpectedVersion, exchange.PostingUpdate)
		if err != nil {
			return err
		}
		draft := exchange.DraftFromDemand(d)
		draft.Apply(in)
		if errs := exchange.ValidateDemand(s.db.Catalog, tx.now, draft, exchange.DemandRules{Expiry: in.ExpiresAt != nil}); len(errs) > 0 {
			return errs
		}
		row := demandRow(d.ID, d.CenterID, draft, tx.now)
		if _, err := tx.Exec(ctx, `UPDATE labor_demands SET employer_name = $3, employer_tax_code = $4, title = $6,
			description = $7, quantity = $8, wage_min = $9, wage_max = $10, work_address = $12, employment_type = $13,
			education_level = $14, skill_level = $15, min_age = $16, max_age = $17, experience_years = $18,
			housing = $19, transport_support = $20, meals = $21, benefits_note = $22, start_date = $23,
			expires_at = $24, visibility = $25, updated_at = $26, version = version + 1
			WHERE id = $1 AND center_id = $2 AND occupation_code = $5 AND work_province_code = $11`, row...); err != nil {
			return fmt.Errorf("update demand: %w", err)
		}
		return tx.demandChanged(ctx, d.ID, exchange.ActionUpdated)
	})
	if err != nil {
		return nil, err
	}
	return s.visibleDemand(ctx, s.db.Pool, p, id)
}

// CloseLaborDemand closes a demand of the caller's center for good.
func (s *MarketService) CloseLaborDemand(ctx context.Context, in exchange.CloseLaborDemandInput) (*exchange.LaborDemand, error) {
	p, err := centerPublisher(ctx)
	if err != nil {
		return nil, err
	}
	id, err := exchange.ParseInputID(exchange.KindLaborDemand, "laborDemandId", in.LaborDemandID)
	if err != nil {
		return nil, err
	}
	if err := exchange.CheckReason(in.Reason); err != nil {
		return nil, err
	}
	err = WithTx(ctx, s.db, func(tx *Tx) error {
		if _, err := tx.lockOwnDemand(ctx, id, in.ExpectedVersion, exchange.PostingEnd); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE labor_demands SET closed_at = $2, close_reason = $3, updated_at = $2,
			version = version + 1 WHERE id = $1`, id, tx.now, blankNil(in.Reason)); err != nil {
			return fmt.Errorf("close demand: %w", err)
		}
		return tx.demandChanged(ctx, id, exchange.ActionClosed)
	})
	if err != nil {
		return nil, err
	}
	return s.visibleDemand(ctx, s.db.Pool, p, id)
}

// fillDemandPosition fills one position of a demand when a worker is hired: in one
// UPDATE, so that no concurrency can fill more positions than the demand has (the
// CHECK on filled_count backs it up). A demand that is not OPEN is DEMAND_FILLED.
// It runs inside the hiring transaction, whose caller was already authorized.
func (tx *Tx) fillDemandPosition(ctx context.Context, demandID uuid.UUID) (*exchange.LaborDemand, error) {
	rows, _ := tx.Query(ctx, `UPDATE labor_demands d SET filled_count = filled_count + 1, version = version + 1,
		updated_at = $2
		WHERE d.id = $1 AND d.closed_at IS NULL AND d.expires_at > $2 AND d.filled_count < d.quantity
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
	d.SetStatus(tx.now)
	ch, payload := demandChange(d, exchange.ActionUpdated)
	if _, err := tx.publish(ctx, ch, payload); err != nil {
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
	now := s.db.Now().UTC()
	w := &sqlWhere{}
	w.add(`d.id = %s`, w.arg(id))
	s.demandFilter(w, p, f, now)
	rows, _ := s.db.Pool.Query(ctx, `SELECT `+demandColumns+` FROM labor_demands d WHERE `+w.String(), w.args...)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.LaborDemand])
	if err != nil {
		return nil, translate(err)
	}
	d.SetStatus(now)
	return d, nil
}
