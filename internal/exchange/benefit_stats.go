package exchange

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// BenefitTransferStatsArgs selects the transfers a statistic counts: those requested
// (Form 19 date) between From and To (inclusive, either open), of one center (as the
// paying center for OUTGOING, the receiving one for INCOMING, either when nil) or of
// the whole exchange.
type BenefitTransferStatsArgs struct {
	CenterCode *string
	Direction  *BenefitTransferDirection
	From, To   *time.Time
}

// BenefitTransferStats counts transfers by their status now, the overdue ones, and
// the median working days (the shipped calendar, WorkingDaysBetween) from the request
// to the first sending of the dossier and to acceptance. No personal data: counts and
// medians only.
type BenefitTransferStats struct {
	CenterID  *uuid.UUID
	Direction *BenefitTransferDirection
	From, To  *time.Time
	Total     int
	Requested int
	Notified  int
	Sent      int
	Received  int
	Accepted  int
	Returned  int
	Cancelled int
	// Overdue counts REQUESTED and NOTIFIED transfers past dueBy (OverdueAt).
	Overdue int
	// MedianWorkingDaysToSent is over the transfers whose dossier was sent at least
	// once, from the request to the first sending (the step the deadline is about).
	MedianWorkingDaysToSent *float64
	// MedianWorkingDaysToAccepted is over the ACCEPTED transfers, from the request to
	// the acceptance.
	MedianWorkingDaysToAccepted *float64
}

// AddStatus counts n transfers in status s.
func (st *BenefitTransferStats) AddStatus(s BenefitTransferStatus, n int) {
	st.Total += n
	switch s {
	case TransferRequested:
		st.Requested += n
	case TransferNotified:
		st.Notified += n
	case TransferSent:
		st.Sent += n
	case TransferReceived:
		st.Received += n
	case TransferAccepted:
		st.Accepted += n
	case TransferReturned:
		st.Returned += n
	case TransferCancelled:
		st.Cancelled += n
	}
}

// TransferSpan is n transfers requested on one date that reached a step on another
// (dates in Vietnam).
type TransferSpan struct {
	RequestedOn time.Time `db:"requested_on"`
	ReachedOn   time.Time `db:"reached_on"`
	N           int       `db:"n"`
}

// MedianWorkingDays is the median of the spans' working days (WorkingDaysBetween),
// each counted N times, interpolated between the two middle values as percentile_cont
// does; nil for no span.
func MedianWorkingDays(spans []TransferSpan) *float64 {
	type weighted struct{ days, n int }
	var values []weighted
	total := 0
	for _, s := range spans {
		if s.N <= 0 {
			continue
		}
		values = append(values, weighted{WorkingDaysBetween(s.RequestedOn, s.ReachedOn), s.N})
		total += s.N
	}
	if total == 0 {
		return nil
	}
	slices.SortFunc(values, func(a, b weighted) int { return a.days - b.days })
	// at returns the i-th value (0-based) of the expanded, sorted list.
	at := func(i int) int {
		for _, v := range values {
			if i < v.n {
				return v.days
			}
			i -= v.n
		}
		return values[len(values)-1].days
	}
	lo, hi := at((total-1)/2), at(total/2)
	m := float64(lo+hi) / 2
	return &m
}
