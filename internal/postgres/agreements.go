package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// AgreementService implements exchange.AgreementService.
type AgreementService struct{ db *DB }

// NewAgreementService returns the agreement negotiation service.
func NewAgreementService(db *DB) *AgreementService { return &AgreementService{db: db} }

var _ exchange.AgreementService = (*AgreementService)(nil)

const agreementColumns = `a.id, a.title, a.status, a.proposer_center_id,
	ARRAY(SELECT p.center_id FROM agreement_parties p WHERE p.agreement_id = a.id ORDER BY p.position) AS party_center_ids,
	a.current_revision, a.valid_from, a.valid_until, a.status_reason, a.terminates_on, a.created_at, a.updated_at, a.version`

// AgreementStatusSQL is the status of agreement alias on day (a date parameter), for
// filters: exchange.AgreementStatusAt in SQL. TestStatusRulesAgree proves them equal.
func AgreementStatusSQL(alias, day string) string {
	return `(CASE WHEN ` + alias + `.status = 'SIGNED' AND ` + alias + `.terminates_on <= ` + day +
		` THEN 'TERMINATED' ELSE ` + alias + `.status END)`
}

// AgreementInForceSQL is the in-force rule of agreement alias on day, for filters:
// exchange.IsActive with exchange.InForceUntil in SQL (in_force_until is the column
// migration 00096 computes).
func AgreementInForceSQL(alias, day string) string {
	return `(` + alias + `.status = 'SIGNED' AND ` + alias + `.valid_from <= ` + day + ` AND ` + day + ` <= ` + alias + `.in_force_until)`
}

// seesAgreement is the visibility rule in SQL: $me is the caller's center id, NULL for
// operators, who see every agreement.
func seesAgreement(agreementIDExpr, meParam string) string {
	return `(` + meParam + `::uuid IS NULL OR EXISTS (SELECT 1 FROM agreement_parties vp
		WHERE vp.agreement_id = ` + agreementIDExpr + ` AND vp.center_id = ` + meParam + `))`
}

// viewerCenter returns the id the visibility rule filters by: nil for operators.
func viewerCenter(p *exchange.Principal) *uuid.UUID {
	if p.IsOperator() {
		return nil
	}
	id := p.CenterID
	return &id
}

func collectAgreements(rows pgx.Rows, today time.Time) ([]*exchange.Agreement, error) {
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Agreement])
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		a.IsActive = exchange.IsActive(a.Status, a.ValidFrom, exchange.InForceUntil(a.ValidUntil, a.TerminatesOn), today)
		a.Status = exchange.AgreementStatusAt(a.Status, a.TerminatesOn, today)
	}
	return list, nil
}

// getAgreement reads an agreement the caller may see; NOT_FOUND otherwise.
func getAgreement(ctx context.Context, q DBTX, p *exchange.Principal, id uuid.UUID, today time.Time) (*exchange.Agreement, error) {
	// authz: only parties and operators see an agreement.
	rows, _ := q.Query(ctx, `SELECT `+agreementColumns+` FROM agreements a WHERE a.id = $1 AND `+seesAgreement("a.id", "$2"),
		id, viewerCenter(p))
	list, err := collectAgreements(rows, today)
	if err != nil {
		return nil, fmt.Errorf("read agreement: %w", err)
	}
	if len(list) == 0 {
		return nil, exchange.AgreementNotFound(id)
	}
	return list[0], nil
}

// Agreement returns an agreement by id.
func (s *AgreementService) Agreement(ctx context.Context, id uuid.UUID) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Agreement, error) { return getAgreement(ctx, tx, p, id, exchange.Today(tx.now)) })
}

// Agreements lists the agreements the caller sees, newest first.
func (s *AgreementService) Agreements(ctx context.Context, f exchange.AgreementFilter, page exchange.PageArgs) (*exchange.Page[*exchange.Agreement], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var afterAt time.Time
	var afterID uuid.UUID
	hasAfter, err := decodeCursor(page.After, &afterAt, &afterID)
	if err != nil {
		return nil, err
	}
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	parties := make([]string, 0, len(f.PartyCenterCodes))
	for _, c := range f.PartyCenterCodes {
		// Listed once each: the query compares the number of matching parties with it.
		if c = strings.ToUpper(strings.TrimSpace(c)); !slices.Contains(parties, c) {
			parties = append(parties, c)
		}
	}
	var activeOn *time.Time
	if f.ActiveOn != nil {
		d := exchange.Today(*f.ActiveOn)
		activeOn = &d
	}
	// authz: only parties and operators see an agreement.
	where := seesAgreement("a.id", "$1") + `
		AND (cardinality($2::text[]) = 0 OR ` + AgreementStatusSQL("a", "$5::date") + ` = ANY($2))
		AND (SELECT count(*) FROM agreement_parties fp JOIN centers fc ON fc.id = fp.center_id
			WHERE fp.agreement_id = a.id AND fc.code = ANY($3)) = cardinality($3::text[])
		AND ($4::date IS NULL OR ` + AgreementInForceSQL("a", "$4::date") + `)`
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.Agreement], error) {
		today := exchange.Today(tx.now)
		args := []any{viewerCenter(p), statuses, parties, activeOn, today}
		rows, _ := tx.Query(ctx, `SELECT `+agreementColumns+` FROM agreements a WHERE `+where+`
			AND (NOT $6 OR (a.created_at, a.id) < ($7, $8)) ORDER BY a.created_at DESC, a.id DESC LIMIT $9`,
			append(args, hasAfter, afterAt, afterID, page.First+1)...)
		list, err := collectAgreements(rows, today)
		if err != nil {
			return nil, fmt.Errorf("list agreements: %w", err)
		}
		pg := pageOf(list, page.First, func(a *exchange.Agreement) string { return encodeCursor(a.CreatedAt, a.ID) })
		pg.HasPrevious = hasAfter
		if page.WithTotal {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM agreements a WHERE `+where, args...).Scan(&pg.TotalCount); err != nil {
				return nil, fmt.Errorf("count agreements: %w", err)
			}
		}
		return pg, nil
	})
}

// listsOf runs a query over the rows of several agreements and groups them by
// agreement, in the query's order. Agreements the caller may not see, and those with
// no rows, have an empty list: a batch fetcher trusts no id it is given.
func listsOf[T any](ctx context.Context, s *AgreementService, agreementIDs []uuid.UUID, sql, agreementIDExpr, orderBy string,
	agreementOf func(*T) uuid.UUID) (map[uuid.UUID][]*T, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: only parties and operators see an agreement and what belongs to it; checked
	// per row, since the ids may come from anywhere.
	list, err := readTx(ctx, s.db, func(tx *Tx) ([]*T, error) {
		rows, _ := tx.Query(ctx, sql+` AND `+seesAgreement(agreementIDExpr, "$2")+` ORDER BY `+orderBy,
			agreementIDs, viewerCenter(p))
		return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[T])
	})
	if err != nil {
		return nil, fmt.Errorf("read agreement details: %w", err)
	}
	out := make(map[uuid.UUID][]*T, len(agreementIDs))
	for _, id := range agreementIDs {
		out[id] = []*T{}
	}
	for _, x := range list {
		id := agreementOf(x)
		out[id] = append(out[id], x)
	}
	return out, nil
}

// The queries behind the nested lists of Agreements, $1 the agreement ids.
const (
	revisionsSQL = `SELECT r.agreement_id, r.number, r.terms, r.terms_hash, r.hash_version, r.proposed_by_center_id,
		r.proposed_by_subject, r.note, r.created_at
		FROM agreement_revisions r WHERE r.agreement_id = ANY($1)`
	signaturesSQL = `SELECT s.agreement_id, s.center_id, s.signer_subject, s.revision, s.terms_hash, s.signed_at,
		s.kid, s.alg, s.jws
		FROM agreement_signatures s JOIN agreement_parties pp ON pp.agreement_id = s.agreement_id AND pp.center_id = s.center_id
		WHERE s.agreement_id = ANY($1)`
	eventsSQL = `SELECT e.agreement_id, e.action, e.from_status, e.to_status, e.actor_center_id, e.actor_subject, e.revision,
		e.note, e.at
		FROM agreement_events e WHERE e.agreement_id = ANY($1)`
	commentsSQL = `SELECT c.id, c.agreement_id, c.center_id, c.author_subject, c.revision, c.text, c.created_at
		FROM agreement_comments c WHERE c.agreement_id = ANY($1)`
	quotaLinesSQL = `SELECT q.agreement_id, q.revision, q.occupation_code, q.from_center_id, q.to_center_id, q.workers,
		q.referred_count, q.hired_count
		FROM agreement_quota_lines q JOIN agreements qa ON qa.id = q.agreement_id AND q.revision = qa.current_revision
		JOIN centers fc ON fc.id = q.from_center_id JOIN centers tc ON tc.id = q.to_center_id
		WHERE q.agreement_id = ANY($1)`
)

// RevisionsByAgreement returns the revisions of agreements, oldest first, for a loader.
func (s *AgreementService) RevisionsByAgreement(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementRevision, error) {
	out, err := listsOf(ctx, s, ids, revisionsSQL, "r.agreement_id", `r.number`,
		func(r *exchange.AgreementRevision) uuid.UUID { return r.AgreementID })
	if err != nil {
		return nil, err
	}
	for _, list := range out {
		for _, r := range list {
			if r.Terms, err = exchange.ParseTermsJSON(r.TermsJSON); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// SignaturesByAgreement returns the signatures of agreements in party order, for a loader.
func (s *AgreementService) SignaturesByAgreement(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementSignature, error) {
	return listsOf(ctx, s, ids, signaturesSQL, "s.agreement_id", `pp.position`,
		func(x *exchange.AgreementSignature) uuid.UUID { return x.AgreementID })
}

// EventsByAgreement returns the histories of agreements, oldest first, for a loader.
func (s *AgreementService) EventsByAgreement(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementEvent, error) {
	return listsOf(ctx, s, ids, eventsSQL, "e.agreement_id", `e.id`,
		func(x *exchange.AgreementEvent) uuid.UUID { return x.AgreementID })
}

// CommentsByAgreement returns the comments on agreements, oldest first, for a loader.
func (s *AgreementService) CommentsByAgreement(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementCommentEntry, error) {
	return listsOf(ctx, s, ids, commentsSQL, "c.agreement_id", `c.created_at, c.id`,
		func(x *exchange.AgreementCommentEntry) uuid.UUID { return x.AgreementID })
}

// QuotaLinesByAgreement returns the quota lines of agreements' current terms with their
// use, for a loader.
func (s *AgreementService) QuotaLinesByAgreement(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementQuotaLine, error) {
	return listsOf(ctx, s, ids, quotaLinesSQL, "q.agreement_id", `fc.code, tc.code, q.occupation_code`,
		func(x *exchange.AgreementQuotaLine) uuid.UUID { return x.AgreementID })
}

// one runs a batch fetcher for a single agreement.
func one[T any](ctx context.Context, id uuid.UUID, fetch func(context.Context, []uuid.UUID) (map[uuid.UUID][]*T, error)) ([]*T, error) {
	out, err := fetch(ctx, []uuid.UUID{id})
	if err != nil {
		return nil, err
	}
	return out[id], nil
}

// AgreementRevisions returns every revision, oldest first.
func (s *AgreementService) AgreementRevisions(ctx context.Context, agreementID uuid.UUID) ([]*exchange.AgreementRevision, error) {
	return one(ctx, agreementID, s.RevisionsByAgreement)
}

// AgreementRevision returns one revision.
func (s *AgreementService) AgreementRevision(ctx context.Context, agreementID uuid.UUID, number int) (*exchange.AgreementRevision, error) {
	list, err := s.AgreementRevisions(ctx, agreementID)
	if err != nil {
		return nil, err
	}
	return exchange.RevisionNumbered(list, number)
}

// AgreementSignatures returns the signatures of the current revision, in party order.
func (s *AgreementService) AgreementSignatures(ctx context.Context, agreementID uuid.UUID) ([]*exchange.AgreementSignature, error) {
	return one(ctx, agreementID, s.SignaturesByAgreement)
}

// AgreementEvents returns the agreement's history, oldest first.
func (s *AgreementService) AgreementEvents(ctx context.Context, agreementID uuid.UUID) ([]*exchange.AgreementEvent, error) {
	return one(ctx, agreementID, s.EventsByAgreement)
}

// AgreementComments returns the comments, oldest first.
func (s *AgreementService) AgreementComments(ctx context.Context, agreementID uuid.UUID) ([]*exchange.AgreementCommentEntry, error) {
	return one(ctx, agreementID, s.CommentsByAgreement)
}

// AgreementQuotaLines returns the quota lines of the current terms with their use.
func (s *AgreementService) AgreementQuotaLines(ctx context.Context, agreementID uuid.UUID) ([]*exchange.AgreementQuotaLine, error) {
	return one(ctx, agreementID, s.QuotaLinesByAgreement)
}

// lockedAgreement is an agreement locked for an action, with what DecideAgreement needs.
type lockedAgreement struct {
	ID                   uuid.UUID                `db:"id"`
	Title                string                   `db:"title"`
	Status               exchange.AgreementStatus `db:"status"`
	ValidUntil           time.Time                `db:"valid_until"`
	TerminatesOn         *time.Time               `db:"terminates_on"`
	CurrentRevision      int                      `db:"current_revision"`
	Version              int                      `db:"version"`
	OriginalProposerCode string                   `db:"original_proposer"`
	CurrentProposerCode  string                   `db:"current_proposer"`
	PartyCodes           []string                 `db:"party_codes"`
	PartyIDs             []uuid.UUID              `db:"party_ids"`
	SignedCurrent        []string                 `db:"signed_current"`
	TermsHash            string                   `db:"terms_hash"`
}

func (a *lockedAgreement) state() exchange.AgreementState {
	return exchange.AgreementState{
		Status:               a.Status,
		CurrentRevision:      a.CurrentRevision,
		CurrentProposerCode:  a.CurrentProposerCode,
		OriginalProposerCode: a.OriginalProposerCode,
		PartyCodes:           a.PartyCodes,
		SignedCurrent:        a.SignedCurrent,
		TerminatesOn:         a.TerminatesOn,
	}
}

// lockAgreement locks the agreement row for the rest of the transaction, so actions on
// one agreement run one after the other. A missing agreement has the empty status,
// which DecideAgreement refuses as NOT_FOUND.
func (tx *Tx) lockAgreement(ctx context.Context, globalID string) (*lockedAgreement, error) {
	id, err := exchange.ParseGlobalIDOf(exchange.KindAgreement, globalID)
	if err != nil {
		return &lockedAgreement{}, nil
	}
	// Lock first, then read: a statement that joins other tables while it waits for the
	// lock would recheck the joins against its old snapshot and lose the row when a
	// concurrent revise moved current_revision. The next statement sees that commit.
	var locked uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id FROM agreements WHERE id = $1 FOR UPDATE`, id).Scan(&locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return &lockedAgreement{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lock agreement: %w", err)
	}
	rows, _ := tx.Query(ctx, `
		SELECT a.id, a.title, a.status, a.valid_until, a.terminates_on, a.current_revision, a.version,
			op.code AS original_proposer, cp.code AS current_proposer,
			ARRAY(SELECT c.code FROM agreement_parties p JOIN centers c ON c.id = p.center_id
				WHERE p.agreement_id = a.id ORDER BY p.position) AS party_codes,
			ARRAY(SELECT p.center_id FROM agreement_parties p WHERE p.agreement_id = a.id ORDER BY p.position) AS party_ids,
			ARRAY(SELECT c.code FROM agreement_signatures s JOIN centers c ON c.id = s.center_id
				WHERE s.agreement_id = a.id AND s.revision = a.current_revision ORDER BY c.code) AS signed_current,
			r.terms_hash
		FROM agreements a
		JOIN centers op ON op.id = a.proposer_center_id
		JOIN agreement_revisions r ON r.agreement_id = a.id AND r.number = a.current_revision
		JOIN centers cp ON cp.id = r.proposed_by_center_id
		WHERE a.id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[lockedAgreement])
	if err != nil {
		return nil, fmt.Errorf("lock agreement: %w", err)
	}
	// The rules see the status as callers do: TERMINATED once a termination took effect.
	a.Status = exchange.AgreementStatusAt(a.Status, a.TerminatesOn, exchange.Today(tx.now))
	return a, nil
}

// decide locks the agreement and applies the lifecycle rules for the caller's action.
func (tx *Tx) decideAgreement(ctx context.Context, globalID string, action exchange.AgreementAction, revision int,
	expectedVersion *int) (*lockedAgreement, exchange.AgreementStatus, error) {
	a, err := tx.lockAgreement(ctx, globalID)
	if err != nil {
		return nil, "", err
	}
	next, err := exchange.DecideAgreement(a.state(), tx.caller, action, revision)
	if err != nil {
		if exchange.ErrorCode(err) == exchange.CodeNotFound {
			return nil, "", exchange.NoSuchAgreement(globalID)
		}
		return nil, "", err
	}
	if err := exchange.CheckVersion(expectedVersion, a.Version); err != nil {
		return nil, "", err
	}
	return a, next, nil
}

// agreementChanged records an action: the event, the audit entry and, last, the change
// for the feed, addressed to the parties only. The payload holds no personal data.
func (tx *Tx) agreementChanged(ctx context.Context, id uuid.UUID, action exchange.AgreementAction,
	from *exchange.AgreementStatus, to exchange.AgreementStatus, revision int, note *string, partyIDs []uuid.UUID) error {
	if _, err := tx.Exec(ctx, `
		INSERT INTO agreement_events (agreement_id, action, from_status, to_status, actor_center_id, actor_subject, revision, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, action, from, to, tx.caller.CenterID, tx.caller.Subject, revision, note, tx.now); err != nil {
		return fmt.Errorf("agreement event: %w", err)
	}
	var version int
	var termsHash string
	if err := tx.QueryRow(ctx, `SELECT a.version, r.terms_hash FROM agreements a
		JOIN agreement_revisions r ON r.agreement_id = a.id AND r.number = a.current_revision WHERE a.id = $1`, id).
		Scan(&version, &termsHash); err != nil {
		return fmt.Errorf("agreement change: %w", err)
	}
	details := map[string]any{"status": to, "revision": revision, "termsHash": termsHash}
	if err := tx.audit(ctx, action.ChangeAction().AuditName("agreement"), exchange.KindAgreement, id, details); err != nil {
		return err
	}
	err := tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindAgreement, EntityID: id, Action: action.ChangeAction(),
		Audience: exchange.AudienceCenters, AudienceCenterIDs: partyIDs,
	}, map[string]any{
		"action": action, "status": to, "revision": revision, "termsHash": termsHash, "version": version,
		"actorCenterCode": tx.caller.CenterCode,
	})
	return err
}

// centerIDsByCode resolves center codes; unknown codes are UNKNOWN_CENTER at field(i).
func (tx *Tx) centerIDsByCode(ctx context.Context, codes []string, field func(i int) []string) (map[string]uuid.UUID, error) {
	rows, _ := tx.Query(ctx, `SELECT code, id FROM centers WHERE code = ANY($1)`, codes)
	ids := map[string]uuid.UUID{}
	var code string
	var id uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error { ids[code] = id; return nil }); err != nil {
		return nil, fmt.Errorf("resolve centers: %w", err)
	}
	return ids, exchange.CheckCentersExist(codes, func(c string) bool { _, ok := ids[c]; return ok }, field)
}

// insertRevision stores a revision of the terms (in NFC, as hashed) with its quota
// lines and its termsHash of the current version, which covers the agreement's title
// and parties too.
func (tx *Tx) insertRevision(ctx context.Context, agreementID uuid.UUID, number int, title string, partyCodes []string,
	terms exchange.AgreementTerms, note *string, centers map[string]uuid.UUID) error {
	c := terms.NFC().Canonical()
	doc := exchange.RevisionDocument{AgreementID: exchange.GlobalID(exchange.KindAgreement, agreementID), Revision: number,
		Title: title, PartyCodes: partyCodes, Terms: c}
	if _, err := tx.Exec(ctx, `
		INSERT INTO agreement_revisions (agreement_id, number, terms, terms_hash, hash_version, proposed_by_center_id,
			proposed_by_subject, note, created_at)
		VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)`,
		agreementID, number, string(c.CanonicalJSON()), doc.Hash(), exchange.CurrentHashVersion, tx.caller.CenterID,
		tx.caller.Subject, note, tx.now); err != nil {
		return fmt.Errorf("insert revision: %w", err)
	}
	for _, q := range c.Quotas {
		if _, err := tx.Exec(ctx, `
			INSERT INTO agreement_quota_lines (agreement_id, revision, occupation_code, from_center_id, to_center_id, workers)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			agreementID, number, q.OccupationCode, centers[q.FromCenterCode], centers[q.ToCenterCode], q.Workers); err != nil {
			return fmt.Errorf("insert quota line: %w", err)
		}
	}
	return nil
}

func (s *AgreementService) occupationExists(code string) bool {
	_, ok := s.db.Catalog.Occupation(code)
	return ok
}

// trimmedOrNil returns the trimmed text, nil when it is blank.
func trimmedOrNil(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// ProposeAgreement creates an agreement and its revision 1.
func (s *AgreementService) ProposeAgreement(ctx context.Context, in exchange.ProposeAgreementInput) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	parties := exchange.AgreementParties(p.CenterCode, in.PartyCenterCodes)
	// authz: a coordinator proposes agreements its own center is party to; operators never.
	if _, err := exchange.DecideAgreement(exchange.AgreementState{PartyCodes: parties}, p, exchange.AgreementPropose, 0); err != nil {
		return nil, err
	}
	var errs exchange.Errors
	exchange.ValidateAgreementTitle(&errs, in.Title)
	if err := exchange.ValidateParties(p.CenterCode, in.PartyCenterCodes); err != nil {
		errs = append(errs, exchange.AsErrors(err)...)
	} else if err := exchange.ValidateTerms(in.Terms, parties, s.occupationExists); err != nil {
		errs = append(errs, exchange.AsErrors(err)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	terms := in.Terms.Canonical()
	// The idempotency hash covers the canonical input, so a retry that lists the same
	// parties or quotas in another order is the same request.
	hashed := struct {
		Title   string   `json:"title"`
		Parties []string `json:"parties"`
		Terms   string   `json:"terms"`
	}{strings.TrimSpace(in.Title), parties, string(terms.CanonicalJSON())}
	var id uuid.UUID
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Agreement, error) {
		id, _, err = tx.idempotent(ctx, in.IdempotencyKey, "proposeAgreement", hashed, func() (uuid.UUID, error) {
			// Codes in input order map to input positions; the proposer (added first when
			// missing from the list) always exists.
			centers, err := tx.centerIDsByCode(ctx, parties, func(i int) []string {
				return []string{"partyCenterCodes", strconv.Itoa(partyInputIndex(parties[i], in.PartyCenterCodes))}
			})
			if err != nil {
				return uuid.Nil, err
			}
			var id uuid.UUID
			if err := tx.QueryRow(ctx, `
				INSERT INTO agreements (title, status, proposer_center_id, current_revision, valid_from, valid_until, created_at, updated_at)
				VALUES ($1, $2, $3, 1, $4, $5, $6, $6) RETURNING id`,
				exchange.NFCTitle(in.Title), exchange.AgreementProposed, p.CenterID, terms.ValidFrom, terms.ValidUntil, tx.now).Scan(&id); err != nil {
				return uuid.Nil, err
			}
			partyIDs := make([]uuid.UUID, len(parties))
			for i, code := range parties {
				partyIDs[i] = centers[code]
				if _, err := tx.Exec(ctx, `INSERT INTO agreement_parties (agreement_id, center_id, position) VALUES ($1, $2, $3)`,
					id, centers[code], i); err != nil {
					return uuid.Nil, fmt.Errorf("insert party: %w", err)
				}
			}
			if err := tx.insertRevision(ctx, id, 1, exchange.NFCTitle(in.Title), parties, terms, nil, centers); err != nil {
				return uuid.Nil, err
			}
			return id, tx.agreementChanged(ctx, id, exchange.AgreementPropose, nil, exchange.AgreementProposed, 1, nil, partyIDs)
		})
		if err != nil {
			return nil, err
		}
		return getAgreement(ctx, tx, p, id, exchange.Today(tx.now))
	})
}

// partyInputIndex is the position of code in the user's list (the proposer, when it
// was added implicitly, is reported at 0).
func partyInputIndex(code string, input []string) int {
	for i, c := range input {
		if strings.ToUpper(strings.TrimSpace(c)) == code {
			return i
		}
	}
	return 0
}

// ReviseAgreement makes a counter-offer: revision n+1, signatures voided, NEGOTIATING.
func (s *AgreementService) ReviseAgreement(ctx context.Context, in exchange.ReviseAgreementInput) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Agreement, error) {
		// authz: DecideAgreement (coordinator of a party).
		a, next, err := tx.decideAgreement(ctx, in.AgreementID, exchange.AgreementRevise, 0, in.ExpectedVersion)
		if err != nil {
			return nil, err
		}
		id = a.ID
		var errs exchange.Errors
		if err := exchange.ValidateTerms(in.Terms, a.PartyCodes, s.occupationExists); err != nil {
			errs = append(errs, exchange.AsErrors(err)...)
		}
		if in.Note != nil {
			exchange.ValidateAgreementNote(&errs, "note", *in.Note, false)
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
		centers := make(map[string]uuid.UUID, len(a.PartyCodes))
		for i, code := range a.PartyCodes {
			centers[code] = a.PartyIDs[i]
		}
		terms := in.Terms.Canonical()
		number := a.CurrentRevision + 1
		note := trimmedOrNil(in.Note)
		if err := tx.insertRevision(ctx, a.ID, number, a.Title, a.PartyCodes, terms, note, centers); err != nil {
			return nil, err
		}
		// A counter-offer voids every signature: they named the previous revision.
		if _, err := tx.Exec(ctx, `DELETE FROM agreement_signatures WHERE agreement_id = $1`, a.ID); err != nil {
			return nil, fmt.Errorf("void signatures: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE agreements SET status = $2, current_revision = $3, valid_from = $4, valid_until = $5,
			updated_at = $6, version = version + 1 WHERE id = $1`,
			a.ID, next, number, terms.ValidFrom, terms.ValidUntil, tx.now); err != nil {
			return nil, fmt.Errorf("revise agreement: %w", err)
		}
		if err := tx.agreementChanged(ctx, a.ID, exchange.AgreementRevise, &a.Status, next, number, note, a.PartyIDs); err != nil {
			return nil, err
		}
		return getAgreement(ctx, tx, p, id, exchange.Today(tx.now))
	})
}

// CommentOnAgreement adds a party member's comment; the agreement itself is unchanged.
func (s *AgreementService) CommentOnAgreement(ctx context.Context, in exchange.CommentOnAgreementInput) (*exchange.Agreement, *exchange.AgreementCommentEntry, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	var c *exchange.AgreementCommentEntry
	a, err := withTxRead(ctx, s.db, func(tx *Tx) error {
		// authz: DecideAgreement (publisher or coordinator of a party).
		a, next, err := tx.decideAgreement(ctx, in.AgreementID, exchange.AgreementComment, 0, nil)
		if err != nil {
			return err
		}
		var errs exchange.Errors
		exchange.ValidateAgreementNote(&errs, "text", in.Text, true)
		if err := errs.Err(); err != nil {
			return err
		}
		text := strings.TrimSpace(in.Text)
		rows, _ := tx.Query(ctx, `
			INSERT INTO agreement_comments (agreement_id, center_id, author_subject, revision, text, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id, agreement_id, center_id, author_subject, revision, text, created_at`,
			a.ID, p.CenterID, p.Subject, a.CurrentRevision, text, tx.now)
		c, err = pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.AgreementCommentEntry])
		if err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		return tx.agreementChanged(ctx, a.ID, exchange.AgreementComment, &a.Status, next, a.CurrentRevision, &text, a.PartyIDs)
	}, func(tx *Tx) (*exchange.Agreement, error) {
		return getAgreement(ctx, tx, p, c.AgreementID, exchange.Today(tx.now))
	})
	if err != nil {
		return nil, nil, err
	}
	return a, c, nil
}

// SignAgreement signs the current revision for the caller's center; the last party's
// signature makes the agreement SIGNED.
func (s *AgreementService) SignAgreement(ctx context.Context, in exchange.SignAgreementInput) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Agreement, error) {
		// authz: DecideAgreement (coordinator of a party, once per revision).
		a, next, err := tx.decideAgreement(ctx, in.AgreementID, exchange.AgreementSign, in.Revision, nil)
		if err != nil {
			return nil, exchange.SignatureField(err)
		}
		id = a.ID
		proof, err := tx.signatureProof(ctx, in.JWS, a.TermsHash)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO agreement_signatures (agreement_id, revision, center_id, signer_subject, terms_hash, signed_at, kid, alg, jws)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.ID, a.CurrentRevision, p.CenterID, p.Subject, a.TermsHash, tx.now,
			proof.kid, proof.alg, proof.jws); err != nil {
			return nil, fmt.Errorf("sign agreement: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE agreements SET status = $2, updated_at = $3, version = version + 1 WHERE id = $1`,
			a.ID, next, tx.now); err != nil {
			return nil, fmt.Errorf("sign agreement: %w", err)
		}
		if err := tx.agreementChanged(ctx, a.ID, exchange.AgreementSign, &a.Status, next, a.CurrentRevision, nil, a.PartyIDs); err != nil {
			return nil, err
		}
		return getAgreement(ctx, tx, p, id, exchange.Today(tx.now))
	})
}

// signatureProof is a signature's checked JWS; all nil for a signature without one.
type signatureProof struct{ kid, alg, jws *string }

// signatureProof checks a JWS sent with signAgreement: a detached JWS over termsHash made
// with a key the caller's center holds now (exchange.DecideSigningKey).
func (tx *Tx) signatureProof(ctx context.Context, jws *string, termsHash string) (signatureProof, error) {
	if jws == nil || strings.TrimSpace(*jws) == "" {
		return signatureProof{}, nil
	}
	j, err := auth.ParseDetachedJWS(*jws)
	if err != nil {
		return signatureProof{}, err
	}
	k, err := getKey(ctx, tx, `k.kid = $1`, j.Kid)
	if err != nil && exchange.ErrorCode(err) != exchange.CodeNotFound {
		return signatureProof{}, err
	}
	// authz: DecideSigningKey (a key of the caller's own center, usable now).
	if err := exchange.DecideSigningKey(k, j.Kid, tx.caller, tx.now); err != nil {
		return signatureProof{}, err
	}
	pub, err := auth.ParsePublicKeyPEM(k.PublicKeyPEM, k.Alg)
	if err != nil {
		// %v: INVALID_KEY is for whoever registers a key, not for this signer.
		return signatureProof{}, fmt.Errorf("load key %q: %v", k.KID, err)
	}
	if err := j.Verify([]byte(termsHash), k.Alg, pub); err != nil {
		return signatureProof{}, err
	}
	text := strings.TrimSpace(*jws)
	return signatureProof{kid: &j.Kid, alg: &j.Alg, jws: &text}, nil
}

// RejectAgreement refuses the current revision and ends the negotiation.
func (s *AgreementService) RejectAgreement(ctx context.Context, in exchange.RejectAgreementInput) (*exchange.Agreement, error) {
	return s.end(ctx, in.AgreementID, exchange.AgreementReject, &in.Reason, true, in.ExpectedVersion, nil)
}

// WithdrawAgreement ends the negotiation by the original proposer.
func (s *AgreementService) WithdrawAgreement(ctx context.Context, in exchange.WithdrawAgreementInput) (*exchange.Agreement, error) {
	return s.end(ctx, in.AgreementID, exchange.AgreementWithdraw, in.Reason, false, in.ExpectedVersion, nil)
}

// TerminateAgreement ends a signed agreement on input.effectiveOn (default today); it
// stays SIGNED and in force until then.
func (s *AgreementService) TerminateAgreement(ctx context.Context, in exchange.TerminateAgreementInput) (*exchange.Agreement, error) {
	return s.end(ctx, in.AgreementID, exchange.AgreementTerminate, &in.Reason, true, in.ExpectedVersion, in.EffectiveOn)
}

// end moves an agreement to a terminal status with a reason; a termination (the only
// action with an effectiveOn) takes effect on that day.
func (s *AgreementService) end(ctx context.Context, globalID string, action exchange.AgreementAction, reason *string,
	reasonRequired bool, expectedVersion *int, effectiveOn *time.Time) (*exchange.Agreement, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	return withTxRead(ctx, s.db, func(tx *Tx) error {
		if action == exchange.AgreementTerminate && effectiveOn == nil {
			today := exchange.Today(tx.now)
			effectiveOn = &today
		}
		// authz: DecideAgreement (which party's coordinator may end it, and when).
		a, next, err := tx.decideAgreement(ctx, globalID, action, 0, expectedVersion)
		if err != nil {
			return err
		}
		id = a.ID
		var errs exchange.Errors
		if reason != nil || reasonRequired {
			r := ""
			if reason != nil {
				r = *reason
			}
			exchange.ValidateAgreementNote(&errs, "reason", r, reasonRequired)
		}
		var terminatesOn *time.Time
		if effectiveOn != nil {
			today := exchange.Today(tx.now)
			day, err := exchange.TerminationDay(effectiveOn, a.ValidUntil, today)
			if err != nil {
				errs = append(errs, exchange.AsErrors(err)...)
			}
			terminatesOn, next = &day, exchange.TerminatedStatus(day, today)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		note := trimmedOrNil(reason)
		if _, err := tx.Exec(ctx, `UPDATE agreements SET status = $2, status_reason = $3, terminates_on = $5, updated_at = $4,
			version = version + 1 WHERE id = $1`, a.ID, next, note, tx.now, terminatesOn); err != nil {
			return fmt.Errorf("%s agreement: %w", strings.ToLower(string(action)), err)
		}
		return tx.agreementChanged(ctx, a.ID, action, &a.Status, next, a.CurrentRevision, note, a.PartyIDs)
	}, func(tx *Tx) (*exchange.Agreement, error) { return getAgreement(ctx, tx, p, id, exchange.Today(tx.now)) })
}

// quotaLineUpdate is the one conditional UPDATE behind consumeQuota and
// countQuotaReferral: the line of the agreement's current revision while the agreement
// is SIGNED and today is within its validity. consumeQuota adds the cap.
var quotaLineUpdate = `
	UPDATE agreement_quota_lines q SET %s = q.%s + 1
	FROM agreements a
	WHERE a.id = $1 AND q.agreement_id = a.id AND q.revision = a.current_revision
		AND ` + AgreementInForceSQL("a", "$5::date") + `
		AND q.occupation_code = $2 AND q.from_center_id = $3 AND q.to_center_id = $4 %s`

// consumeQuota counts one hire against the agreement's quota line for the occupation
// from one center to another. The increment and the check are one UPDATE, so parallel
// hires never pass the line's workers (QUOTA_EXCEEDED once it is used up).
func (tx *Tx) consumeQuota(ctx context.Context, agreementID uuid.UUID, occupationCode string, fromCenterID, toCenterID uuid.UUID) error {
	tag, err := tx.Exec(ctx, fmt.Sprintf(quotaLineUpdate, "hired_count", "hired_count", `AND q.hired_count < q.workers`),
		agreementID, occupationCode, fromCenterID, toCenterID, exchange.Today(tx.now))
	if err != nil {
		return fmt.Errorf("consume quota: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := tx.explainQuotaMiss(ctx, agreementID, occupationCode, fromCenterID, toCenterID); err != nil {
		return err
	}
	return exchange.QuotaUsedUp(occupationCode)
}

// countQuotaReferral counts one referral made under the agreement against its quota
// line. Referrals are not capped: only hires are.
func (tx *Tx) countQuotaReferral(ctx context.Context, agreementID uuid.UUID, occupationCode string, fromCenterID, toCenterID uuid.UUID) error {
	tag, err := tx.Exec(ctx, fmt.Sprintf(quotaLineUpdate, "referred_count", "referred_count", ``),
		agreementID, occupationCode, fromCenterID, toCenterID, exchange.Today(tx.now))
	if err != nil {
		return fmt.Errorf("count quota referral: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if err := tx.explainQuotaMiss(ctx, agreementID, occupationCode, fromCenterID, toCenterID); err != nil {
		return err
	}
	return fmt.Errorf("count quota referral: quota line vanished")
}

// explainQuotaMiss says why no quota line was updated when the reason is not a full
// line: the agreement is not active, or it has no line for that occupation and
// direction. It returns nil when the line exists on an active agreement.
func (tx *Tx) explainQuotaMiss(ctx context.Context, agreementID uuid.UUID, occupationCode string, fromCenterID, toCenterID uuid.UUID) error {
	f := exchange.QuotaLineFacts{Found: true}
	err := tx.QueryRow(ctx, `SELECT `+AgreementStatusSQL("a", "$5::date")+`, a.valid_from, a.in_force_until,
			EXISTS (SELECT 1 FROM agreement_quota_lines q WHERE q.agreement_id = a.id AND q.revision = a.current_revision
				AND q.occupation_code = $2 AND q.from_center_id = $3 AND q.to_center_id = $4)
		FROM agreements a WHERE a.id = $1`, agreementID, occupationCode, fromCenterID, toCenterID, exchange.Today(tx.now)).
		Scan(&f.Status, &f.ValidFrom, &f.ValidUntil, &f.HasLine)
	if errors.Is(err, pgx.ErrNoRows) {
		f.Found = false
	} else if err != nil {
		return fmt.Errorf("read quota line: %w", err)
	}
	return exchange.DecideQuotaLine(f, occupationCode, tx.now)
}
