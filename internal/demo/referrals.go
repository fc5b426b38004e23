package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

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
	seed := func(r demoReferral) error { return r.seed(ctx, svc, ids, as, db.Now()) }
	for i := 1; i <= demoReferrals; i++ {
		origin := Centers[i%len(Centers)].Code
		dest := Centers[(i+1+i/len(Centers))%len(Centers)].Code
		if dest == origin {
			dest = Centers[(i+1)%len(Centers)].Code
		}
		if err := seed(demoReferral{n: i, origin: origin, dest: dest, occupation: demoOccupations[i%len(demoOccupations)],
			status: demoStatuses[i%len(demoStatuses)]}); err != nil {
			return err
		}
	}
	if err := seedConsentStory(ctx, db, svc, as(Centers[1%len(Centers)].Code)); err != nil {
		return err
	}
	// Sewing workers from Thái Nguyên for Hải Phòng's garment demand, under the TNG–HPG
	// agreement while it is in force: hires fill the demand and the quota line.
	demandID, err := seededID(ctx, db, "demo-demand-hpg-1")
	if err != nil {
		return err
	}
	agreementID, err := seededID(ctx, db, "demo-agreement-TNG-HPG-2026")
	if err != nil {
		return err
	}
	if ok, err := agreementActive(ctx, db, agreementID); err != nil {
		return err
	} else if !ok {
		agreementID = ""
	}
	linked := []exchange.ReferralStatus{exchange.ReferralHired, exchange.ReferralHired, exchange.ReferralHired,
		exchange.ReferralEmployed, exchange.ReferralEmployed, exchange.ReferralInterviewScheduled,
		exchange.ReferralReferred, exchange.ReferralReferred}
	for i, status := range linked {
		if err := seed(demoReferral{n: 100 + i + 1, origin: "TNG", dest: "HPG", occupation: "8153", status: status,
			demandID: demandID, agreementID: agreementID}); err != nil {
			return err
		}
	}
	return nil
}

// seededID is the id an idempotent demo call created, found through its key.
func seededID(ctx context.Context, db *postgres.DB, key string) (string, error) {
	var kind exchange.Kind
	var id uuid.UUID
	err := db.Pool.QueryRow(ctx, `SELECT CASE operation WHEN 'publishLaborDemand' THEN 'LaborDemand' ELSE 'Agreement' END,
		result_id FROM idempotency_keys WHERE key = $1 AND result_id IS NOT NULL`, key).Scan(&kind, &id)
	if err != nil {
		return "", fmt.Errorf("demo %s: %w", key, err)
	}
	return exchange.GlobalID(kind, id), nil
}

func agreementActive(ctx context.Context, db *postgres.DB, gid string) (bool, error) {
	_, id, err := exchange.ParseGlobalID(gid)
	if err != nil {
		return false, err
	}
	var ok bool
	err = db.Pool.QueryRow(ctx, `SELECT `+postgres.AgreementInForceSQL("a", "$2::date")+`
		FROM agreements a WHERE a.id = $1`, id, exchange.Today(db.Now())).Scan(&ok)
	return ok, err
}

// demoReferral is one synthetic referral and the status it is brought to.
type demoReferral struct {
	n                     int
	origin, dest          string
	occupation            string
	status                exchange.ReferralStatus
	demandID, agreementID string
}

func (d demoReferral) seed(ctx context.Context, svc *postgres.ReferralService, ids map[string]exchange.Principal,
	as func(string) context.Context, now time.Time) error {
	i := d.n
	gender := exchange.GenderMale
	name := fmt.Sprintf("Nguyễn Văn Mẫu %02d", i)
	if i%2 == 0 {
		gender, name = exchange.GenderFemale, fmt.Sprintf("Trần Thị Mẫu %02d", i)
	}
	phone := fmt.Sprintf("0900000%03d", i)
	purpose := "giới thiệu việc làm liên tỉnh (dữ liệu mẫu)"
	// Every other worker consents to referrals to the destination's province only, every
	// third until the end of next year (a date that changes once a year, like the dates
	// of birth, so that a reseed replays the same input).
	consent := exchange.ConsentInput{Given: true, Purpose: &purpose}
	if i%2 == 1 {
		consent.DestinationProvinceCodes = []string{provinceOf(d.dest)}
	}
	if i%3 == 0 {
		until := time.Date(now.Year()+1, 12, 31, 0, 0, 0, 0, time.UTC)
		consent.ValidUntil = &until
	}
	key := fmt.Sprintf("demo-referral-%02d", i)
	note := "Hồ sơ mẫu để trình diễn"
	in := exchange.ReferWorkerInput{
		IdempotencyKey: &key, DestinationCenterCode: d.dest, Note: &note,
		Worker: exchange.WorkerInput{
			FullName: name, DateOfBirth: time.Date(now.Year()-20-i%30, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
			Gender: &gender, Phone: &phone, NationalID: fmt.Sprintf("001000000%03d", i),
			OccupationCode: d.occupation, Skills: []string{"kỹ năng mẫu"},
			Consent: consent,
		},
	}
	if d.demandID != "" {
		in.DemandID = &d.demandID
	}
	if d.agreementID != "" {
		in.AgreementID = &d.agreementID
	}
	ref, err := svc.ReferWorker(as(d.origin), in)
	if err != nil {
		return fmt.Errorf("demo referral %d: %w", i, err)
	}
	// Take the steps from wherever the referral stands on its path.
	status := exchange.ReferralReferred
	for _, step := range demoPath[d.status] {
		to, err := exchange.DecideReferral(status, step.action, sideOf(step.byOrigin), &exchange.Principal{
			CenterID: ids[d.origin].CenterID, Roles: []exchange.Role{exchange.RolePublisher}})
		if err != nil {
			return fmt.Errorf("demo referral %d: %w", i, err)
		}
		if ref.Status == status {
			by := d.dest
			if step.byOrigin {
				by = d.origin
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
	return nil
}

// provinceOf is the province of a demo center.
func provinceOf(code string) string {
	for _, c := range Centers {
		if c.Code == code {
			return c.ProvinceCode
		}
	}
	return ""
}

// seedConsentStory gives the worker of the first demo referral a consent history: the
// consent given at registration withdrawn, then consent given again for any province.
// It runs once: a worker with more than one record has the story already.
func seedConsentStory(ctx context.Context, db *postgres.DB, svc *postgres.ReferralService, as context.Context) error {
	// As the referral's origin: row-level security shows a referral to its centers only.
	workerID, err := postgres.WithTxV(as, db, func(tx *postgres.Tx) (uuid.UUID, error) {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `SELECT r.worker_id FROM idempotency_keys k JOIN referrals r ON r.id = k.result_id
			WHERE k.key = 'demo-referral-01'`).Scan(&id)
		return id, err
	})
	if err != nil {
		return fmt.Errorf("demo consent story: %w", err)
	}
	consents, err := svc.WorkerConsents(as, []uuid.UUID{workerID})
	if err != nil || len(consents[workerID]) != 1 {
		return err
	}
	gid := exchange.GlobalID(exchange.KindWorker, workerID)
	if _, err := svc.WithdrawConsent(as, exchange.WithdrawConsentInput{WorkerID: gid}); err != nil {
		return fmt.Errorf("demo consent story: %w", err)
	}
	purpose, key := "giới thiệu việc làm, đồng ý lại sau khi rút (dữ liệu mẫu)", "demo-consent-01"
	if _, err := svc.GiveConsent(as, exchange.GiveConsentInput{IdempotencyKey: &key, WorkerID: gid, Purpose: &purpose}); err != nil {
		return fmt.Errorf("demo consent story: %w", err)
	}
	return nil
}

func sideOf(byOrigin bool) exchange.ReferralSide {
	if byOrigin {
		return exchange.SideOrigin
	}
	return exchange.SideDestination
}
