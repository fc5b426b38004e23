package exchange

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Dashboard statistics (DESIGN §6). Every figure is an aggregate: counts and sums by
// province, occupation group, center, status or month, never a person. National
// figures are open to every authenticated caller; figures of one center to that
// center's own users and to operators.

// Stats is the root of the statistics fields; every field is computed on demand.
type Stats struct{}

// StatsMetric names a monthly time series.
type StatsMetric string

const (
	// MetricDemandPositionsPublished sums the quantity of demands published in a month.
	MetricDemandPositionsPublished StatsMetric = "DEMAND_POSITIONS_PUBLISHED"
	// MetricSupplyWorkersPublished sums the quantity of supply published in a month.
	MetricSupplyWorkersPublished StatsMetric = "SUPPLY_WORKERS_PUBLISHED"
	// MetricReferrals counts referrals made in a month.
	MetricReferrals StatsMetric = "REFERRALS"
	// MetricHires counts referrals marked HIRED in a month (by the step's time).
	MetricHires StatsMetric = "HIRES"
	// MetricEmploymentsConfirmed counts referrals confirmed EMPLOYED in a month.
	MetricEmploymentsConfirmed StatsMetric = "EMPLOYMENTS_CONFIRMED"
	// MetricAgreementsSigned counts agreements that became SIGNED in a month.
	MetricAgreementsSigned StatsMetric = "AGREEMENTS_SIGNED"
)

// MaxStatsMonths bounds a monthly series (ten years).
const MaxStatsMonths = 120

// MarketBalanceArgs selects the market balance: one province (any code, a dissolved
// one standing for its successor) or all, and the occupation level to group by.
type MarketBalanceArgs struct {
	ProvinceCode    *string
	OccupationLevel int
}

// MarketBalance is one (province, occupation group) cell of the market: open demand
// positions against available supply. Supply is counted where the workers are, in the
// province of the center that published it, so each worker counts once.
type MarketBalance struct {
	ProvinceCode    string `db:"province_code"`
	OccupationCode  string `db:"occupation_code"`
	DemandPositions int    `db:"demand_positions"`
	DemandPostings  int    `db:"demand_postings"`
	SupplyWorkers   int    `db:"supply_workers"`
	SupplyPostings  int    `db:"supply_postings"`
	// Shortage is DemandPositions - SupplyWorkers; negative is a surplus of workers.
	Shortage int `db:"shortage"`
}

// ReferralFlow counts the referrals from the centers of one province to those of
// another, by their current status.
type ReferralFlow struct {
	OriginProvinceCode      string `db:"origin_province_code"`
	DestinationProvinceCode string `db:"destination_province_code"`
	Total                   int    `db:"total"`
	Referred                int    `db:"referred"`
	Acknowledged            int    `db:"acknowledged"`
	InterviewScheduled      int    `db:"interview_scheduled"`
	Hired                   int    `db:"hired"`
	NotHired                int    `db:"not_hired"`
	Withdrawn               int    `db:"withdrawn"`
	Employed                int    `db:"employed"`
	LeftJob                 int    `db:"left_job"`
}

// ReferralFunnelArgs selects the cohort of a funnel: referrals made between From and
// To (inclusive dates, either open), of one center (at the given end, or either) or of
// the whole exchange.
type ReferralFunnelArgs struct {
	CenterCode *string
	Direction  *ReferralDirection
	From, To   *time.Time
}

// ReferralFunnel counts a cohort of referrals by the furthest stage each reached, so
// every stage includes the ones after it and the rates between stages are at most 1.
type ReferralFunnel struct {
	CenterID     *uuid.UUID `db:"-"`
	From         *time.Time `db:"-"`
	To           *time.Time `db:"-"`
	Referred     int        `db:"referred"`
	Acknowledged int        `db:"acknowledged"`
	Interviewed  int        `db:"interviewed"`
	Hired        int        `db:"hired"`
	Employed     int        `db:"employed"`
	// Rates between consecutive stages; nil when the earlier stage is empty.
	AcknowledgedRate *float64 `db:"acknowledged_rate"`
	InterviewedRate  *float64 `db:"interviewed_rate"`
	HiredRate        *float64 `db:"hired_rate"`
	EmployedRate     *float64 `db:"employed_rate"`
	// OverallHireRate is Hired / Referred.
	OverallHireRate *float64 `db:"overall_hire_rate"`
	// MedianDaysToHire is the median time from referral to the HIRED step, in days.
	MedianDaysToHire *float64 `db:"median_days_to_hire"`
}

// AgreementFulfillment is the use of an agreement's quota lines (current revision).
type AgreementFulfillment struct {
	AgreementID uuid.UUID
	Revision    int
	Lines       []*QuotaFulfillment
	Quota       int
	Referred    int
	Hired       int
}

// QuotaFulfillment is one quota line with the referrals and hires counted against it.
type QuotaFulfillment struct {
	OccupationCode string    `db:"occupation_code"`
	FromCenterID   uuid.UUID `db:"from_center_id"`
	ToCenterID     uuid.UUID `db:"to_center_id"`
	Quota          int       `db:"quota"`
	Referred       int       `db:"referred"`
	Hired          int       `db:"hired"`
	Remaining      int       `db:"remaining"`
	HiredRate      float64   `db:"hired_rate"`
}

// MonthlyArgs selects a monthly series: months from From's to To's (inclusive dates),
// national or of one center (for referral metrics at the given end, or either).
type MonthlyArgs struct {
	Metric     StatsMetric
	From, To   time.Time
	CenterCode *string
	Direction  *ReferralDirection
}

// MonthlyValue is the value of a metric in one month (UTC), "YYYY-MM".
type MonthlyValue struct {
	Month string `db:"month"`
	Value int    `db:"value"`
}

// StatsService computes the dashboard statistics. Every method takes the caller from ctx.
type StatsService interface {
	MarketBalance(ctx context.Context, args MarketBalanceArgs) ([]*MarketBalance, error)
	ReferralFlows(ctx context.Context, from, to *time.Time) ([]*ReferralFlow, error)
	ReferralFunnel(ctx context.Context, args ReferralFunnelArgs) (*ReferralFunnel, error)
	AgreementFulfillment(ctx context.Context, agreementID uuid.UUID) (*AgreementFulfillment, error)
	Monthly(ctx context.Context, args MonthlyArgs) ([]*MonthlyValue, error)
	Retention(ctx context.Context) ([]*RetentionRate, error)
	BenefitTransfers(ctx context.Context, args BenefitTransferStatsArgs) (*BenefitTransferStats, error)
}

// CheckDateRange validates an optional period of inclusive dates: from not after to.
func CheckDateRange(from, to *time.Time) error {
	if from != nil && to != nil && from.After(*to) {
		return FieldErrorf([]string{"from"}, CodeBadUserInput, "from (%s) is after to (%s)",
			from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return nil
}

// CheckMonthlyArgs validates a monthly series: a known metric and a period of at most
// MaxStatsMonths months.
func CheckMonthlyArgs(a MonthlyArgs) error {
	switch a.Metric {
	case MetricDemandPositionsPublished, MetricSupplyWorkersPublished, MetricReferrals, MetricHires,
		MetricEmploymentsConfirmed, MetricAgreementsSigned:
	default:
		return FieldErrorf([]string{"metric"}, CodeBadUserInput, "unknown metric %q", a.Metric)
	}
	if err := CheckDateRange(&a.From, &a.To); err != nil {
		return err
	}
	if months := (a.To.Year()-a.From.Year())*12 + int(a.To.Month()-a.From.Month()) + 1; months > MaxStatsMonths {
		return FieldErrorf([]string{"to"}, CodeBadUserInput, "a series covers at most %d months, this one %d", MaxStatsMonths, months)
	}
	return nil
}

// CheckOccupationLevel validates the level a market balance groups occupations by.
func CheckOccupationLevel(level int) error {
	if level < 1 || level > 4 {
		return FieldErrorf([]string{"occupationLevel"}, CodeBadUserInput, "occupationLevel must be 1 to 4")
	}
	return nil
}
