package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// demoReferrals is how many referrals the demo has: five in each of the eight statuses.
const demoReferrals = 40

// demoPath is the sequence of actions that brings a referral to each status, and which
// end takes each.
var demoPath = map[exchange.ReferralStatus][]struct {
	byOrigin bool
	action   exchange.ReferralAction
}{
	exchange.ReferralReferred:           nil,
	exchange.ReferralAcknowledged:       {{false, exchange.ReferralAcknowledge}},
	exchange.ReferralInterviewScheduled: {{false, exchange.ReferralAcknowledge}, {false, exchange.ReferralScheduleInterview}},
	exchange.ReferralHired:              {{false, exchange.ReferralScheduleInterview}, {false, exchange.ReferralMarkHired}},
	exchange.ReferralNotHired:           {{false, exchange.ReferralAcknowledge}, {false, exchange.ReferralMarkNotHired}},
	exchange.ReferralWithdrawn:          {{false, exchange.ReferralAcknowledge}, {true, exchange.ReferralWithdraw}},
	exchange.ReferralEmployed:           {{false, exchange.ReferralAcknowledge}, {false, exchange.ReferralMarkHired}, {true, exchange.ReferralConfirmEmployment}},
	exchange.ReferralLeftJob:            {{false, exchange.ReferralAcknowledge}, {false, exchange.ReferralMarkHired}, {false, exchange.ReferralMarkLeft}},
}

var demoStatuses = []exchange.ReferralStatus{
	exchange.ReferralReferred, exchange.ReferralAcknowledged, exchange.ReferralInterviewScheduled, exchange.ReferralHired,
	exchange.ReferralNotHired, exchange.ReferralWithdrawn, exchange.ReferralEmployed, exchange.ReferralLeftJob,
}

var demoOccupations = []string{"7212", "8211", "7531", "8322", "9329", "5120", "7115", "8153"}

// seedReferrals refers synthetic, obviously fake people ("Nguyễn Văn Mẫu 01", national
// IDs 0010000000NN) between the demo centers and moves each referral to its status,
// through the referral service. It is idempotent: each referral has an idempotency key,
// and a referral already on its way only takes the steps it lacks.
func seedReferrals(ctx context.Context, db *postgres.DB) error {
	if db.PII == nil {
		return errors.New("demo referrals need the PII key")
	}
	svc := postgres.NewReferralService(db)
	centers := postgres.NewCenterService(db)
	ids := map[string]exchange.Principal{}
	for _, c := range Centers {
		center, err := centers.CenterByCode(ctx, c.Code)
		if err != nil {
			return err
		}
		ids[c.Code] = exchange.Principal{CenterID: center.ID, CenterCode: c.Code, Subject: "demo-staff",
			Roles: []exchange.Role{exchange.RolePublisher}}
	}
	as := func(code string) context.Context {
		p := ids[code]
		return auth.NewContext(ctx, &p)
	}
	now := db.Now()
	for i := 1; i <= demoReferrals; i++ {
		origin := Centers[i%len(Centers)].Code
		dest := Centers[(i+1+i/len(Centers))%len(Centers)].Code
		if dest == origin {
			dest = Centers[(i+1)%len(Centers)].Code
		}
		gender := exchange.GenderMale
		name := fmt.Sprintf("Nguyễn Văn Mẫu %02d", i)
		if i%2 == 0 {
			gender, name = exchange.GenderFemale, fmt.Sprintf("Trần Thị Mẫu %02d", i)
		}
		phone := fmt.Sprintf("09000000%02d", i)
		purpose := "giới thiệu việc làm liên tỉnh (dữ liệu mẫu)"
		key := fmt.Sprintf("demo-referral-%02d", i)
		note := "Hồ sơ mẫu để trình diễn"
		ref, err := svc.ReferWorker(as(origin), exchange.ReferWorkerInput{
			IdempotencyKey: &key, DestinationCenterCode: dest, Note: &note,
			Worker: exchange.WorkerInput{
				FullName: name, DateOfBirth: time.Date(now.Year()-20-i%30, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
				Gender: &gender, Phone: &phone, NationalID: fmt.Sprintf("0010000000%02d", i),
				OccupationCode: demoOccupations[i%len(demoOccupations)], Skills: []string{"kỹ năng mẫu"},
				Consent: exchange.ConsentInput{Given: true, Purpose: &purpose},
			},
		})
		if err != nil {
			return fmt.Errorf("demo referral %d: %w", i, err)
		}
		// Take the steps from wherever the referral stands on its path.
		path := demoPath[demoStatuses[i%len(demoStatuses)]]
		status := exchange.ReferralReferred
		for _, step := range path {
			to, err := exchange.DecideReferral(status, step.action, sideOf(step.byOrigin), &exchange.Principal{
				CenterID: ids[origin].CenterID, Roles: []exchange.Role{exchange.RolePublisher}})
			if err != nil {
				return fmt.Errorf("demo referral %d: %w", i, err)
			}
			if ref.Status == status {
				by := dest
				if step.byOrigin {
					by = origin
				}
				ref, err = svc.UpdateReferralStatus(as(by), exchange.UpdateReferralStatusInput{
					ReferralID: exchange.GlobalID(exchange.KindReferral, ref.ID), Action: step.action,
				})
				if err != nil {
					return fmt.Errorf("demo referral %d %s: %w", i, step.action, err)
				}
			}
			status = to
		}
	}
	return nil
}

func sideOf(byOrigin bool) exchange.ReferralSide {
	if byOrigin {
		return exchange.SideOrigin
	}
	return exchange.SideDestination
}
