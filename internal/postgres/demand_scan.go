package postgres

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// demandTargets appends the scan targets of demandColumns, in its order, to t: a page
// of demands is read by position, without pgx matching 41 column names to struct
// fields by reflection for every row.
func demandTargets(t []any, d *exchange.LaborDemand) []any {
	return append(t, &d.ID, &d.CenterID, &d.EmployerName, &d.EmployerTaxCode, &d.OccupationCode, &d.Title,
		&d.Description, &d.Quantity, &d.FilledCount, &d.WageMin, &d.WageMax, &d.WorkProvinceCode, &d.WorkAddress,
		&d.EmploymentType, &d.EducationLevel, &d.SkillLevel, &d.MinAge, &d.MaxAge, &d.ExperienceYears, &d.Housing,
		&d.TransportSupport, &d.Meals, &d.BenefitsNote, &d.StartDate, &d.ExpiresAt, &d.Visibility, &d.ClosedAt,
		&d.CloseReason, &d.CreatedAt, &d.UpdatedAt, &d.Version, &d.HoursPerWeek, &d.Shifts, &d.ContractMonths,
		&d.ContractEndDate, &d.OvertimeHoursPerMonth, &d.OvertimePayPercent, &d.PayPeriod, &d.Deductions,
		&d.ProbationDays, &d.SocialInsurance)
}

// scanDemand reads a row of demandColumns by position.
func scanDemand(row pgx.CollectableRow) (*exchange.LaborDemand, error) {
	d := &exchange.LaborDemand{}
	if err := row.Scan(demandTargets(make([]any, 0, 41), d)...); err != nil {
		return nil, err
	}
	return d, nil
}

// centerTargets appends the scan targets of centerColumns, in its order, to t.
func centerTargets(t []any, c *exchange.Center) []any {
	return append(t, &c.ID, &c.Code, &c.Name, &c.ProvinceCode, &c.Email, &c.Phone, &c.Status, &c.CreatedAt, &c.UpdatedAt, &c.Version)
}

// demandCenterColumns are centerColumns of the join `JOIN centers c ON c.id = d.center_id`.
var demandCenterColumns = "c." + strings.ReplaceAll(centerColumns, ", ", ", c.")

// demandsWithCenters reads rows of demandColumns followed by demandCenterColumns: the
// demands, and their centers once each (in *centers), for a list whose nested centers
// are then served without a second statement. A center already read is not decoded
// again: a page names few centers, and each would cost its strings on every row.
type demandsWithCenters struct {
	centers []*exchange.Center
	seen    map[uuid.UUID]bool
	targets []any // reused from row to row
}

// centerColumnCount is the number of centerColumns.
var centerColumnCount = len(centerTargets(nil, &exchange.Center{}))

func (dc *demandsWithCenters) scan(row pgx.CollectableRow) (*exchange.LaborDemand, error) {
	d := &exchange.LaborDemand{}
	t := demandTargets(dc.targets[:0], d)
	n := len(t)
	for range centerColumnCount {
		t = append(t, nil) // pgx skips a nil target
	}
	dc.targets = t
	if err := row.Scan(t...); err != nil {
		return nil, err
	}
	if dc.seen[d.CenterID] { // the join's c.id is d.center_id
		return d, nil
	}
	// The same row again, now its center columns only.
	c := &exchange.Center{}
	clear(t[:n])
	centerTargets(t[:n], c)
	if err := row.Scan(t...); err != nil {
		return nil, err
	}
	if dc.seen == nil {
		dc.seen = map[uuid.UUID]bool{}
	}
	dc.seen[c.ID] = true
	dc.centers = append(dc.centers, c)
	return d, nil
}

// readDemand finishes a demand read from the database: its status at the
// transaction's now and its catalog entries. Every read of a demand ends here.
func (tx *Tx) readDemand(d *exchange.LaborDemand) { readDemand(d, tx.now, tx.catalog) }

// readDemand finishes d, read at now, with its status and catalog's entries.
func readDemand(d *exchange.LaborDemand, now time.Time, catalog *exchange.Catalog) {
	d.SetStatus(now)
	catalog.DescribeDemand(d)
}
