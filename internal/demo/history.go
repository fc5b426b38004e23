package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// historyMonths is how far back the demo's history reaches, this month included, so
// that every monthly series of the console has a shape.
const historyMonths = 18

// historyMarker is the idempotency key of the history's first posting: when it exists
// the history was seeded and is not seeded again.
const historyMarker = "demo-history-demand-000"

// seedHistory replays about 18 months of activity of the five demo centers through the
// services, with the database clock (db.Now) set to each moment in turn: demands
// published and filled, supply published, two agreements signed (one of them
// terminated later), referrals moving through every stage with delays of days, and
// job-exchange sessions with their outcomes. The same seed gives the same history.
// Nothing else may use db while it runs: `serve` seeds before it listens.
func seedHistory(ctx context.Context, db *postgres.DB) error {
	var done bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = $1)`, historyMarker).Scan(&done); err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	if done {
		return nil
	}
	h, err := newHistory(ctx, db)
	if err != nil {
		return err
	}
	realNow := db.Now
	defer func() { db.Now = realNow }()
	h.end = realNow().UTC().Add(-48 * time.Hour) // the history ends before today's demo data
	h.plan()
	slices.SortStableFunc(h.steps, func(a, b historyStep) int { return a.at.Compare(b.at) })
	for _, s := range h.steps {
		at := s.at
		db.Now = func() time.Time { return at }
		if err := s.do(); err != nil {
			return fmt.Errorf("demo history %s at %s: %w", s.what, at.Format(time.DateOnly), err)
		}
	}
	return nil
}

type historyStep struct {
	at   time.Time
	what string
	do   func() error
}

type history struct {
	ctx        context.Context
	rng        *rand.Rand
	start, end time.Time
	steps      []historyStep
	as         map[string]context.Context // each demo center's coordinator and publisher
	market     *postgres.MarketService
	referrals  *postgres.ReferralService
	agreements *postgres.AgreementService
	sessions   *postgres.SessionService
	// Filled in as the steps run: what later steps refer to.
	demandIDs    map[int]string
	agreementIDs map[string]string
	referralIDs  map[int]string
	supplyIDs    map[string]string
	sessionIDs   map[int]string
}

func newHistory(ctx context.Context, db *postgres.DB) (*history, error) {
	centers := postgres.NewCenterService(db)
	h := &history{ctx: ctx, rng: rand.New(rand.NewPCG(2021, 2238)), as: map[string]context.Context{},
		market: postgres.NewMarketService(db), referrals: postgres.NewReferralService(db),
		agreements: postgres.NewAgreementService(db), sessions: postgres.NewSessionService(db),
		demandIDs: map[int]string{}, agreementIDs: map[string]string{}, referralIDs: map[int]string{}, sessionIDs: map[int]string{},
		supplyIDs: map[string]string{}}
	for _, c := range Centers {
		center, err := centers.CenterByCode(ctx, c.Code)
		if err != nil {
			return nil, fmt.Errorf("demo history: %w", err)
		}
		h.as[c.Code] = auth.NewContext(ctx, &exchange.Principal{CenterID: center.ID, CenterCode: c.Code,
			Subject: "demo-history", Roles: []exchange.Role{exchange.RolePublisher, exchange.RoleCoordinator}})
	}
	return h, nil
}

func (h *history) add(at time.Time, what string, do func() error) {
	if at.After(h.end) {
		return // not happened yet
	}
	h.steps = append(h.steps, historyStep{at: at, what: what, do: do})
}

// between is a moment d0 to d1 days (fractional) after t.
func (h *history) between(t time.Time, d0, d1 float64) time.Time {
	return t.Add(time.Duration((d0 + h.rng.Float64()*(d1-d0)) * 24 * float64(time.Hour)))
}

// historyDemand is a job order of the history, published at the start of a month.
type historyDemand struct {
	center, occupation, title, employer, province string
	quantity                                      int
	wage                                          int64
}

var historyDemandKinds = []historyDemand{
	{center: "HPG", occupation: "8212", title: "Công nhân lắp ráp điện tử", employer: "Công ty TNHH Điện tử Tràng Duệ", province: "31", quantity: 40, wage: 8_000_000},
	{center: "BNH", occupation: "8212", title: "Công nhân lắp ráp điện thoại", employer: "Công ty TNHH Linh kiện Yên Phong", province: "24", quantity: 60, wage: 8_500_000},
	{center: "HYN", occupation: "8153", title: "Công nhân may", employer: "Công ty TNHH May Phố Nối", province: "33", quantity: 30, wage: 7_200_000},
	{center: "HNI", occupation: "7212", title: "Thợ hàn kết cấu thép", employer: "Công ty CP Cơ khí Đông Anh", province: "01", quantity: 12, wage: 11_000_000},
	{center: "HPG", occupation: "8156", title: "Thợ vận hành máy sản xuất giày", employer: "Công ty CP Giày da Hải Dương", province: "31", quantity: 25, wage: 7_000_000},
}

// origins are the centers workers come from, with how often.
var historyOrigins = []string{"TNG", "TNG", "TNG", "TNG", "HNI", "HYN", "BNH", "HPG"}

func (h *history) plan() {
	h.start = time.Date(h.end.Year(), h.end.Month()-historyMonths+1, 1, 0, 0, 0, 0, time.UTC)
	h.planAgreements()
	demand := 0
	referral := 0
	for m := 0; m < historyMonths; m++ {
		month := h.start.AddDate(0, m, 0)
		// Supply: Thái Nguyên (with the former Bắc Kạn) and Hà Nội publish workers ready to move.
		for k, s := range []struct {
			center, occupation string
			destinations       []string
		}{{"TNG", "8212", []string{"24", "31", "33"}}, {"TNG", "8153", nil}, {"HNI", "7212", []string{"31"}}} {
			key := fmt.Sprintf("demo-history-supply-%02d-%d", m, k)
			qty := 15 + h.rng.IntN(40)
			at := h.between(month, 0, 5)
			h.add(at, key, func() error {
				from := exchange.Day(at).AddDate(0, 0, 3)
				until := from.AddDate(0, 3, 0)
				skill := exchange.SkillSemiSkilled
				x, err := h.market.PublishLaborSupply(h.as[s.center], exchange.PublishLaborSupplyInput{IdempotencyKey: &key,
					OccupationCode: s.occupation, SkillLevel: &skill, Quantity: qty, AvailableFrom: from, AvailableUntil: &until,
					DestinationProvinceCodes: s.destinations, Notes: ptr("Lao động đã qua tư vấn tại phiên giao dịch việc làm.")})
				if err != nil {
					return err
				}
				h.supplyIDs[key] = exchange.GlobalID(exchange.KindLaborSupply, x.ID)
				return nil
			})
			// When the period ends the center takes the posting down: the workers found
			// work or went home.
			h.add(h.between(at, 80, 95), key+" withdraw", func() error {
				_, err := h.market.WithdrawLaborSupply(h.as[s.center], exchange.WithdrawLaborSupplyInput{LaborSupplyID: h.supplyIDs[key],
					Reason: ptr("Hết thời gian sẵn sàng; người lao động đã có việc làm hoặc trở về địa phương.")})
				return err
			})
		}
		// Demand: each destination center posts its job orders; referrals follow them.
		for _, kind := range historyDemandKinds {
			if h.rng.IntN(4) == 0 {
				continue // not every center recruits every month
			}
			n := demand
			demand++
			qty := kind.quantity/2 + h.rng.IntN(kind.quantity)
			published := h.between(month, 0, 6)
			h.planDemand(n, kind, qty, published, month)
			hires := 0
			for r := 0; r < 1+h.rng.IntN(4); r++ {
				referral++
				origin := historyOrigins[h.rng.IntN(len(historyOrigins))]
				if origin == kind.center {
					origin = "TNG"
				}
				if origin == kind.center {
					origin = "HNI"
				}
				h.planReferral(referral, n, kind, origin, h.between(published, 2, 24), &hires, qty)
			}
		}
		if m%2 == 1 {
			h.planSession(m/2, month)
		}
	}
}

func (h *history) planDemand(n int, kind historyDemand, qty int, at time.Time, month time.Time) {
	key := fmt.Sprintf("demo-history-demand-%03d", n)
	title := fmt.Sprintf("%s (đợt %s)", kind.title, month.Format("01/2006"))
	h.add(at, key, func() error {
		wageMax := kind.wage + 2_500_000
		d, err := h.market.PublishLaborDemand(h.as[kind.center], exchange.PublishLaborDemandInput{IdempotencyKey: &key,
			Employer: exchange.EmployerInput{Name: kind.employer}, OccupationCode: kind.occupation, Title: title, Quantity: qty,
			WageMin: &kind.wage, WageMax: &wageMax, WorkProvinceCode: kind.province, EmploymentType: exchange.EmploymentFullTime,
			ExpiresAt: at.AddDate(0, 0, 75)})
		if err != nil {
			return err
		}
		h.demandIDs[n] = exchange.GlobalID(exchange.KindLaborDemand, d.ID)
		return nil
	})
}

// outcome is where a referral of the history ends, with its weight.
var historyOutcomes = []struct {
	status exchange.ReferralStatus
	weight int
}{
	{exchange.ReferralEmployed, 30}, {exchange.ReferralHired, 8}, {exchange.ReferralLeftJob, 7},
	{exchange.ReferralNotHired, 22}, {exchange.ReferralWithdrawn, 10}, {exchange.ReferralInterviewScheduled, 8},
	{exchange.ReferralAcknowledged, 8}, {exchange.ReferralReferred, 7},
}

func (h *history) pickOutcome() exchange.ReferralStatus {
	n := h.rng.IntN(100)
	for _, o := range historyOutcomes {
		if n < o.weight {
			return o.status
		}
		n -= o.weight
	}
	return exchange.ReferralEmployed
}

func (h *history) planReferral(n, demand int, kind historyDemand, origin string, at time.Time, hires *int, quantity int) {
	outcome := h.pickOutcome()
	hired := outcome == exchange.ReferralHired || outcome == exchange.ReferralEmployed || outcome == exchange.ReferralLeftJob
	if hired && *hires >= quantity {
		outcome, hired = exchange.ReferralNotHired, false // the demand is full
	}
	if hired {
		*hires++
	}
	agreement := h.coveringAgreement(origin, kind.center, kind.occupation, at, hired)
	key := fmt.Sprintf("demo-history-referral-%03d", n)
	h.add(at, key, func() error {
		gender := exchange.GenderMale
		name := fmt.Sprintf("Lê Văn Lịch Sử %03d", n)
		if n%2 == 0 {
			gender, name = exchange.GenderFemale, fmt.Sprintf("Phạm Thị Lịch Sử %03d", n)
		}
		in := exchange.ReferWorkerInput{IdempotencyKey: &key, DestinationCenterCode: kind.center,
			Note: ptr("Hồ sơ mẫu (lịch sử trình diễn)"),
			Worker: exchange.WorkerInput{FullName: name, DateOfBirth: time.Date(1980+n%22, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC),
				Gender: &gender, NationalID: fmt.Sprintf("002000%06d", n), OccupationCode: kind.occupation,
				Consent: exchange.ConsentInput{Given: true, Purpose: ptr("giới thiệu việc làm liên tỉnh (dữ liệu mẫu)")}}}
		if id := h.demandIDs[demand]; id != "" {
			in.DemandID = &id
		}
		if id := h.agreementIDs[agreement]; id != "" {
			in.AgreementID = &id
		}
		r, err := h.referrals.ReferWorker(h.as[origin], in)
		if err != nil {
			return err
		}
		h.referralIDs[n] = exchange.GlobalID(exchange.KindReferral, r.ID)
		return nil
	})
	// The steps to the outcome, each some days after the one before.
	type step struct {
		action   exchange.ReferralAction
		byOrigin bool
		d0, d1   float64
	}
	var path []step
	ack := step{exchange.ReferralAcknowledge, false, 0.5, 3}
	interview := step{exchange.ReferralScheduleInterview, false, 2, 8}
	hire := step{exchange.ReferralMarkHired, false, 2, 12}
	switch outcome {
	case exchange.ReferralAcknowledged:
		path = []step{ack}
	case exchange.ReferralInterviewScheduled:
		path = []step{ack, interview}
	case exchange.ReferralNotHired:
		path = []step{ack, interview, {exchange.ReferralMarkNotHired, false, 2, 10}}
	case exchange.ReferralWithdrawn:
		path = []step{ack, {exchange.ReferralWithdraw, true, 1, 10}}
	case exchange.ReferralHired:
		path = []step{ack, interview, hire}
	case exchange.ReferralEmployed:
		path = []step{ack, interview, hire, {exchange.ReferralConfirmEmployment, true, 30, 35}}
	case exchange.ReferralLeftJob:
		path = []step{ack, interview, hire, {exchange.ReferralMarkLeft, true, 20, 80}}
	}
	t := at
	for _, s := range path {
		t = h.between(t, s.d0, s.d1)
		by := kind.center
		if s.byOrigin {
			by = origin
		}
		h.add(t, fmt.Sprintf("%s %s", key, s.action), func() error {
			_, err := h.referrals.UpdateReferralStatus(h.as[by], exchange.UpdateReferralStatusInput{
				ReferralID: h.referralIDs[n], Action: s.action})
			return err
		})
	}
}

// historyAgreement is an agreement of the history: signed some weeks after it was
// proposed, and perhaps terminated later.
type historyAgreement struct {
	key, title, proposer, party string
	quotas                      []exchange.QuotaLine
	proposedMonth, validMonths  int
	terminatedMonth             int // 0: still in force
	hires                       map[string]int
}

var historyAgreements = []*historyAgreement{
	{key: "demo-history-agreement-TNG-HYN", title: "Chương trình cung ứng lao động Thái Nguyên – Hưng Yên",
		proposer: "TNG", party: "HYN", proposedMonth: 0, validMonths: 30,
		quotas: []exchange.QuotaLine{{OccupationCode: "8153", Workers: 150, FromCenterCode: "TNG", ToCenterCode: "HYN"}}},
	{key: "demo-history-agreement-BNH-TNG", title: "Hợp tác tuyển dụng lắp ráp điện tử Bắc Ninh – Thái Nguyên",
		proposer: "BNH", party: "TNG", proposedMonth: 2, validMonths: 24, terminatedMonth: 13,
		quotas: []exchange.QuotaLine{{OccupationCode: "8212", Workers: 200, FromCenterCode: "TNG", ToCenterCode: "BNH"}}},
}

func (h *history) planAgreements() {
	for _, a := range historyAgreements {
		a.hires = map[string]int{}
		proposed := h.between(h.start.AddDate(0, a.proposedMonth, 0), 1, 4)
		from := exchange.Day(h.start.AddDate(0, a.proposedMonth+1, 0))
		terms := exchange.AgreementTerms{ValidFrom: from, ValidUntil: from.AddDate(0, a.validMonths, -1), Quotas: a.quotas,
			SupportPolicy: "Hỗ trợ chi phí đi lại một lần; bên tiếp nhận bố trí nhà ở tháng đầu.",
			Responsibilities: []exchange.Responsibility{
				{CenterCode: a.proposer, Text: "Tuyển chọn, tư vấn và giới thiệu người lao động."},
				{CenterCode: a.party, Text: "Kết nối doanh nghiệp, theo dõi người lao động sau tuyển dụng."}}}
		h.add(proposed, a.key, func() error {
			x, err := h.agreements.ProposeAgreement(h.as[a.proposer], exchange.ProposeAgreementInput{IdempotencyKey: &a.key,
				Title: a.title, PartyCenterCodes: []string{a.party}, Terms: terms})
			if err != nil {
				return err
			}
			h.agreementIDs[a.key] = exchange.GlobalID(exchange.KindAgreement, x.ID)
			return nil
		})
		signed := proposed
		for _, code := range []string{a.party, a.proposer} {
			signed = h.between(signed, 3, 12)
			h.add(signed, a.key+" sign "+code, func() error {
				_, err := h.agreements.SignAgreement(h.as[code], exchange.SignAgreementInput{AgreementID: h.agreementIDs[a.key], Revision: 1})
				return err
			})
		}
		if a.terminatedMonth > 0 {
			h.add(h.between(h.start.AddDate(0, a.terminatedMonth, 0), 5, 20), a.key+" terminate", func() error {
				_, err := h.agreements.TerminateAgreement(h.as[a.party], exchange.TerminateAgreementInput{AgreementID: h.agreementIDs[a.key],
					Reason: "Doanh nghiệp tiếp nhận thu hẹp dây chuyền; hai bên thống nhất chấm dứt sớm."})
				return err
			})
		}
	}
}

// coveringAgreement names the history agreement a referral is made under: one in force
// then whose quota line covers the direction and occupation and still has room.
func (h *history) coveringAgreement(origin, dest, occupation string, at time.Time, hired bool) string {
	for _, a := range historyAgreements {
		signedBy := h.start.AddDate(0, a.proposedMonth+2, 0) // both have signed by then
		if at.Before(signedBy) || (a.terminatedMonth > 0 && !at.Before(h.start.AddDate(0, a.terminatedMonth, 0))) {
			continue
		}
		for _, q := range a.quotas {
			if q.FromCenterCode == origin && q.ToCenterCode == dest && q.OccupationCode == occupation &&
				(!hired || a.hires[occupation] < q.Workers) {
				if hired {
					a.hires[occupation]++
				}
				return a.key
			}
		}
	}
	return ""
}

// planSession: a job-exchange session every two months, hosted in turn, announced two
// weeks ahead, joined by two other centers, with everyone's outcome the day after.
func (h *history) planSession(n int, month time.Time) {
	host := Centers[n%len(Centers)]
	joiners := []string{Centers[(n+1)%len(Centers)].Code, Centers[(n+2)%len(Centers)].Code}
	starts := time.Date(month.Year(), month.Month(), 15, 1, 30, 0, 0, time.UTC) // 08:30 in Việt Nam
	key := fmt.Sprintf("demo-history-session-%02d", n)
	title := fmt.Sprintf("Phiên giao dịch việc làm %s tháng %s", host.Name[len("Trung tâm Dịch vụ việc làm "):], month.Format("01/2006"))
	h.add(starts.AddDate(0, 0, -14), key, func() error {
		s, err := h.sessions.ScheduleExchangeSession(h.as[host.Code], exchange.ScheduleExchangeSessionInput{IdempotencyKey: &key,
			Title: title, Mode: exchange.SessionOnSite, StartsAt: starts, EndsAt: starts.Add(4 * time.Hour),
			ProvinceCode: &host.ProvinceCode, Address: ptr("Sàn giao dịch việc làm của Trung tâm")})
		if err != nil {
			return err
		}
		h.sessionIDs[n] = exchange.GlobalID(exchange.KindExchangeSession, s.ID)
		return nil
	})
	for k, code := range joiners {
		h.add(h.between(starts.AddDate(0, 0, -12), 0, 6).Add(time.Duration(k)*time.Hour), key+" join "+code, func() error {
			_, err := h.sessions.JoinExchangeSession(h.as[code], exchange.JoinExchangeSessionInput{SessionID: h.sessionIDs[n]})
			return err
		})
	}
	for k, code := range append([]string{host.Code}, joiners...) {
		attending := 40 + h.rng.IntN(120)
		interviewed := attending * (40 + h.rng.IntN(30)) / 100
		hired := interviewed * (20 + h.rng.IntN(30)) / 100
		referred := interviewed * (10 + h.rng.IntN(20)) / 100
		h.add(starts.AddDate(0, 0, 1).Add(time.Duration(k)*time.Hour), key+" outcome "+code, func() error {
			_, _, err := h.sessions.RecordSessionOutcome(h.as[code], exchange.RecordSessionOutcomeInput{SessionID: h.sessionIDs[n],
				WorkersAttending: attending, Interviewed: interviewed, HiredOnSpot: hired, ReferredAfter: referred})
			return err
		})
	}
}
