package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// This file is the store's one error translation point: database errors become
// application errors here and nowhere else. Refusals are decided in internal/exchange;
// the store only passes them on.

// caller returns the authenticated caller or UNAUTHENTICATED.
func caller(ctx context.Context) (*exchange.Principal, error) {
	p := auth.FromContext(ctx)
	return p, exchange.Authenticated(p)
}

// translate maps database errors to application errors; anything it does not
// recognise stays as it is and reaches clients as INTERNAL.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var appErr *exchange.Error
	var appErrs exchange.Errors
	if errors.As(err, &appErr) || errors.As(err, &appErrs) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return exchange.Errorf(exchange.CodeNotFound, "not found")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			if refusal, ok := uniqueRefusals[pgErr.ConstraintName]; ok {
				return refusal()
			}
			if msg, ok := uniqueMessages[pgErr.ConstraintName]; ok {
				return exchange.FieldErrorf(msg.field, exchange.CodeTaken, "%s", msg.text)
			}
			return exchange.Errorf(exchange.CodeTaken, "already exists")
		case "23503": // foreign_key_violation
			return exchange.Errorf(exchange.CodeInvalid, "refers to something that does not exist")
		case "23514": // check_violation
			return checkViolation(pgErr)
		}
	}
	return err
}

// notFoundAs replaces the translation point's generic NOT_FOUND (a missing row) with the
// refusal the service reports for it; other errors pass unchanged.
func notFoundAs(err error, notFound error) error {
	if exchange.ErrorCode(translate(err)) == exchange.CodeNotFound {
		return notFound
	}
	return err
}

type constraintMessage struct {
	field []string
	code  exchange.Code
	text  string
}

// uniqueMessages names the input field behind each unique constraint.
var uniqueMessages = map[string]constraintMessage{
	"centers_code_key":    {field: []string{"code"}, text: "a center with this code is already registered"},
	"center_keys_kid_key": {field: []string{"kid"}, text: "a key with this kid is already registered"},
}

// uniqueRefusals are the unique indexes that back a business rule: they fire only when
// concurrent requests race past the rule, and report its refusal.
var uniqueRefusals = map[string]func() *exchange.Error{
	"referrals_one_open_per_demand": exchange.AlreadyReferred,
	"referrals_one_placement":       exchange.WorkerAlreadyPlaced,
}

// checkMessages turns CHECK constraints that back up business rules into the user
// errors of those rules; the services check first, so these fire only under races the
// checks cannot see.
var checkMessages = map[string]constraintMessage{
	"labor_demands_filled_range": {field: []string{"demandId"}, code: exchange.CodeDemandFilled,
		text: "the demand has no open position: it is filled, closed or expired"},
	"agreement_quota_lines_hired_within_quota": {field: []string{"agreementId"}, code: exchange.CodeQuotaExceeded,
		text: "the agreement's quota for this occupation and direction is used up"},
	"labor_demands_wage_range": {field: []string{"wageMin"}, code: exchange.CodeInvalid, text: "wageMin is more than wageMax"},
	"labor_demands_age_range":  {field: []string{"requirements", "minAge"}, code: exchange.CodeInvalid, text: "minAge is more than maxAge"},
	"labor_supplies_dates":     {field: []string{"availableUntil"}, code: exchange.CodeInvalid, text: "availableUntil is before availableFrom"},
	"referrals_other_center":   {field: []string{"destinationCenterCode"}, code: exchange.CodeInvalid, text: "a center cannot refer a worker to itself"},
}

// checkViolation reports a CHECK violation as a user error: a named rule with its own
// code, or a column's own CHECK (PostgreSQL names it table_column_check) as INVALID on
// that column. The constraint's name never reaches the client.
func checkViolation(pgErr *pgconn.PgError) error {
	if msg, ok := checkMessages[pgErr.ConstraintName]; ok {
		return exchange.FieldErrorf(msg.field, msg.code, "%s", msg.text)
	}
	name := strings.TrimSuffix(pgErr.ConstraintName, "_check")
	if col, ok := strings.CutPrefix(name, pgErr.TableName+"_"); ok && name != pgErr.ConstraintName && col != "" {
		field := camelCase(col)
		return exchange.FieldErrorf([]string{field}, exchange.CodeInvalid, "%s has a value that is not allowed", field)
	}
	return exchange.Errorf(exchange.CodeInvalid, "a value is not allowed")
}

// camelCase turns a column name into its input field name: wage_min → wageMin.
func camelCase(col string) string {
	parts := strings.Split(col, "_")
	for i := 1; i < len(parts); i++ {
		if p := parts[i]; p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
