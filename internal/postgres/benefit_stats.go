package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// vietnamDate is the date in Vietnam (UTC+7, no daylight saving) of a timestamptz
// column, whatever the session's TimeZone: DateInVietnam's twin.
func vietnamDate(col string) string {
	return `((` + col + ` AT TIME ZONE 'UTC') + interval '7 hours')::date`
}

// BenefitTransfers counts the transfers of a period by status, the overdue ones, and
// the median working days to the first sending and to acceptance. The database groups
// the transfers by status and by (request date, step date); the working days are
// counted in Go with the shipped calendar (exchange.MedianWorkingDays), which the
// database does not hold.
func (s *StatsService) BenefitTransfers(ctx context.Context, args exchange.BenefitTransferStatsArgs) (*exchange.BenefitTransferStats, error) {
	// authz: StatsScope: a center's own figures, or national ones; operators any center's.
	center, err := s.scopedPeriod(ctx, args.CenterCode, args.From, args.To)
	if err != nil {
		return nil, err
	}
	w := &sqlWhere{}
	transferEnd(w, center, args.Direction)
	if args.From != nil {
		w.add(`t.requested_on >= %s::date`, w.arg(exchange.Day(*args.From)))
	}
	if args.To != nil {
		w.add(`t.requested_on <= %s::date`, w.arg(exchange.Day(*args.To)))
	}
	out := &exchange.BenefitTransferStats{CenterID: center, From: args.From, To: args.To}
	if center != nil {
		out.Direction = args.Direction
	}
	// Overdue is OverdueAt's twin, with today in Vietnam.
	today := w.page()
	rows, _ := s.read.Query(ctx, `
		SELECT t.status, count(*)::int AS n,
			count(*) FILTER (WHERE t.status IN ('REQUESTED', 'NOTIFIED') AND t.due_by < `+
		today.arg(exchange.DateInVietnam(s.db.Now()))+`::date)::int AS overdue
		FROM benefit_transfer_facts t
		WHERE `+today.String()+`
		GROUP BY 1`, today.args...)
	var status exchange.BenefitTransferStatus
	var n, overdue int
	if _, err := pgx.ForEachRow(rows, []any{&status, &n, &overdue}, func() error {
		out.AddStatus(status, n)
		out.Overdue += overdue
		return nil
	}); err != nil {
		return nil, fmt.Errorf("benefit transfer counts: %w", err)
	}
	if out.MedianWorkingDaysToSent, err = s.transferMedian(ctx, w, "t.first_sent_at"); err != nil {
		return nil, err
	}
	if out.MedianWorkingDaysToAccepted, err = s.transferMedian(ctx, w, "t.accepted_at"); err != nil {
		return nil, err
	}
	return out, nil
}

// transferMedian is the median working days from the request to the step whose
// instant is the column reached (first_sent_at or accepted_at).
func (s *StatsService) transferMedian(ctx context.Context, w *sqlWhere, reached string) (*float64, error) {
	rows, _ := s.read.Query(ctx, `
		SELECT t.requested_on, `+vietnamDate(reached)+` AS reached_on, count(*)::int AS n
		FROM benefit_transfer_facts t
		WHERE `+w.String()+` AND `+reached+` IS NOT NULL
		GROUP BY 1, 2`, w.args...)
	spans, err := pgx.CollectRows(rows, pgx.RowToStructByName[exchange.TransferSpan])
	if err != nil {
		return nil, fmt.Errorf("benefit transfer working days: %w", err)
	}
	return exchange.MedianWorkingDays(spans), nil
}

// transferEnd adds the condition that a transfer (alias t) belongs to the center at
// the given end (OUTGOING: it pays; INCOMING: it receives), or either.
func transferEnd(w *sqlWhere, center *uuid.UUID, dir *exchange.BenefitTransferDirection) {
	centerEnd(w, center, "t.from_center_id", "t.to_center_id",
		dir != nil && *dir == exchange.TransferOutgoing, dir != nil && *dir == exchange.TransferIncoming)
}
