package exchange_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestCheckpointsFor_DueDaysAfterTheHire(t *testing.T) {
	hired := time.Date(2026, 1, 31, 23, 30, 0, 0, time.FixedZone("ICT", 7*3600)) // 16:30 UTC
	got := exchange.CheckpointsFor(uuid.New(), hired)
	want := []string{"2026-03-02", "2026-05-01", "2026-07-30"}
	for i, c := range got {
		if c.Day != exchange.RetentionDays[i] || c.DueOn.Format(time.DateOnly) != want[i] || c.Status != exchange.CheckpointDue {
			t.Errorf("checkpoint %d = %+v, want day %d due %s DUE", i, c, exchange.RetentionDays[i], want[i])
		}
	}
}

func TestCheckpointStatusOn_MissedAfterGrace(t *testing.T) {
	due := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := &exchange.RetentionCheckpoint{Day: 30, DueOn: due, Status: exchange.CheckpointDue}
	for _, tc := range []struct {
		today time.Time
		want  exchange.CheckpointStatus
	}{
		{due.AddDate(0, 0, -1), exchange.CheckpointDue},
		{due.AddDate(0, 0, exchange.CheckpointGraceDays).Add(23 * time.Hour), exchange.CheckpointDue},
		{due.AddDate(0, 0, exchange.CheckpointGraceDays+1), exchange.CheckpointMissed},
	} {
		if got := c.StatusOn(tc.today); got != tc.want {
			t.Errorf("StatusOn(%s) = %s, want %s", tc.today, got, tc.want)
		}
	}
	confirmed := &exchange.RetentionCheckpoint{DueOn: due, Status: exchange.CheckpointConfirmed}
	if got := confirmed.StatusOn(due.AddDate(1, 0, 0)); got != exchange.CheckpointConfirmed {
		t.Errorf("a confirmed checkpoint became %s", got)
	}
}

func TestDecideReferralStep_LaterCheckpointKeepsEmployed(t *testing.T) {
	day := 90
	withDay := exchange.ReferralStep{CheckpointDay: &day}
	for _, tc := range []struct {
		name string
		from exchange.ReferralStatus
		step exchange.ReferralStep
		side exchange.ReferralSide
		who  *exchange.Principal
		want string
	}{
		{"first confirmation", exchange.ReferralHired, withDay, exchange.SideOrigin, pubA, "EMPLOYED"},
		{"later confirmation", exchange.ReferralEmployed, withDay, exchange.SideDestination, pubA, "EMPLOYED"},
		{"again without a checkpoint", exchange.ReferralEmployed, exchange.ReferralStep{}, exchange.SideOrigin, pubA, "!INVALID_TRANSITION"},
		{"after leaving", exchange.ReferralLeftJob, withDay, exchange.SideOrigin, pubA, "!INVALID_TRANSITION"},
		{"viewer", exchange.ReferralEmployed, withDay, exchange.SideOrigin, viewerA, "!FORBIDDEN"},
		{"operator", exchange.ReferralEmployed, withDay, exchange.SideNone, op, "!NOT_FOUND"},
		{"third center", exchange.ReferralEmployed, withDay, exchange.SideNone, pubA, "!NOT_FOUND"},
	} {
		to, err := exchange.DecideReferralStep(tc.from, exchange.ReferralConfirmEmployment, tc.step, tc.side, tc.who)
		if got := outcome(to, err); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDecideCheckpoint(t *testing.T) {
	hired := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	cps := exchange.CheckpointsFor(uuid.New(), hired)
	cps[0].Status = exchange.CheckpointConfirmed
	day := func(d int) *int { return &d }
	reason := func(r exchange.LeftReason) *exchange.LeftReason { return &r }
	for _, tc := range []struct {
		name   string
		action exchange.ReferralAction
		step   exchange.ReferralStep
		at     time.Time
		want   string // the confirmed day, or the field and code
	}{
		{"no checkpoint", exchange.ReferralConfirmEmployment, exchange.ReferralStep{}, hired, "0"},
		{"90 on its day", exchange.ReferralConfirmEmployment, exchange.ReferralStep{CheckpointDay: day(90)}, hired.AddDate(0, 0, 90), "90"},
		{"90 too early", exchange.ReferralConfirmEmployment, exchange.ReferralStep{CheckpointDay: day(90)}, hired.AddDate(0, 0, 89), "checkpointDay OUT_OF_RANGE"},
		{"30 again", exchange.ReferralConfirmEmployment, exchange.ReferralStep{CheckpointDay: day(30)}, hired.AddDate(0, 0, 40), "checkpointDay INVALID_TRANSITION"},
		{"not a checkpoint", exchange.ReferralConfirmEmployment, exchange.ReferralStep{CheckpointDay: day(60)}, hired, "checkpointDay INVALID"},
		{"day with another action", exchange.ReferralMarkLeft, exchange.ReferralStep{CheckpointDay: day(90)}, hired, "checkpointDay INVALID"},
		{"reason with another action", exchange.ReferralConfirmEmployment, exchange.ReferralStep{LeftReason: reason(exchange.LeftOther)}, hired, "leftReason INVALID"},
		{"unknown reason", exchange.ReferralMarkLeft, exchange.ReferralStep{LeftReason: reason("BORED")}, hired, "leftReason INVALID"},
		{"reason", exchange.ReferralMarkLeft, exchange.ReferralStep{LeftReason: reason(exchange.LeftBetterJob)}, hired, "0"},
	} {
		d, err := exchange.DecideCheckpoint(tc.action, tc.step, cps, tc.at)
		var got string
		if es := exchange.AsErrors(err); len(es) > 0 {
			got = es[0].Field[0] + " " + string(es[0].Code)
		} else if err != nil {
			got = err.Error()
		} else {
			got = strconv.Itoa(d)
		}
		if got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}
