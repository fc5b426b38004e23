package postgres

import (
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laborx/laborx/internal/exchange"
)

func TestCheckViolation(t *testing.T) {
	for _, c := range []struct {
		table, constraint string
		code              exchange.Code
		field             []string
	}{
		{"labor_demands", "labor_demands_filled_range", exchange.CodeDemandFilled, []string{"demandId"}},
		{"agreement_quota_lines", "agreement_quota_lines_hired_within_quota", exchange.CodeQuotaExceeded, []string{"agreementId"}},
		{"labor_demands", "labor_demands_wage_min_check", exchange.CodeInvalid, []string{"wageMin"}},
		{"centers", "centers_name_check", exchange.CodeInvalid, []string{"name"}},
		{"referrals", "something_else", exchange.CodeInvalid, nil},
	} {
		err := translate(&pgconn.PgError{Code: "23514", TableName: c.table, ConstraintName: c.constraint})
		es := exchange.AsErrors(err)
		if len(es) != 1 || es[0].Code != c.code || !slices.Equal(es[0].Field, c.field) {
			t.Errorf("%s: got %v at %q", c.constraint, err, es[0].Field)
		}
		if es[0].Message == "" || strings.Contains(es[0].Message, c.constraint) {
			t.Errorf("%s: message %q", c.constraint, es[0].Message)
		}
	}
}

// Unique and foreign-key violations are user errors too; a unique constraint behind an
// input field names it.
func TestConstraintViolations(t *testing.T) {
	for _, c := range []struct {
		err   *pgconn.PgError
		code  exchange.Code
		field []string
	}{
		{&pgconn.PgError{Code: "23505", ConstraintName: "centers_code_key"}, exchange.CodeTaken, []string{"code"}},
		{&pgconn.PgError{Code: "23505", ConstraintName: "center_keys_kid_key"}, exchange.CodeTaken, []string{"kid"}},
		{&pgconn.PgError{Code: "23505", ConstraintName: "other_key"}, exchange.CodeTaken, nil},
		{&pgconn.PgError{Code: "23503", ConstraintName: "referrals_demand_id_fkey"}, exchange.CodeInvalid, nil},
	} {
		es := exchange.AsErrors(translate(c.err))
		if len(es) != 1 || es[0].Code != c.code || !slices.Equal(es[0].Field, c.field) {
			t.Errorf("%s: got %v", c.err.ConstraintName, es)
		}
	}
	if err := translate(&pgconn.PgError{Code: "57014"}); exchange.AsErrors(err) != nil {
		t.Errorf("a cancelled statement became a user error: %v", err)
	}
}
