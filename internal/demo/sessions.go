package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// The demo job-exchange sessions: Thái Nguyên's mobile session in the former Bắc Kạn
// for workers back from Bắc Ninh, held two days before the first seeding, joined by Hải
// Phòng with its sewing demand, with both centers' outcomes; and Hải Phòng's online
// session for electronics assemblers ten days ahead, joined by Thái Nguyên. Each host
// invites the center that joins (its invitation is then ACCEPTED); Hải Phòng also invites
// Bắc Ninh, which has not answered yet. One of Thái Nguyên's 38 mobile sessions of 2020
// is a record: history, not an announcement, with the outcome of each center.

type demoSession struct {
	host, key, title, description string
	mode                          exchange.SessionMode
	province, address, url        string
	inDays, startHour, hours      int
	// joiner joins, invited, featuring its demand of this occupation.
	joiner, occupation string
	// pending are invited and have not answered.
	pending []string
	// on is the start of a record of a past session (zero: an announcement, inDays).
	on time.Time
	// outcomes by center: attending, interviewed, hired on the spot, referred after.
	outcomes map[string][4]int
}

var demoSessions = []demoSession{
	{host: "TNG", key: "demo-session-tng-cho-moi", title: "Phiên giao dịch việc làm lưu động xã Chợ Mới",
		description: "Dành cho lao động vùng Bắc Kạn cũ trở về từ Bắc Ninh; tư vấn, phỏng vấn trực tiếp với doanh nghiệp Hải Phòng.",
		mode:        exchange.SessionOnSite, province: "19", address: "Nhà văn hoá xã Chợ Mới (huyện Chợ Mới, Bắc Kạn cũ), Thái Nguyên",
		inDays: -2, startHour: 1, hours: 4, joiner: "HPG", occupation: "8153",
		outcomes: map[string][4]int{"TNG": {86, 41, 0, 12}, "HPG": {86, 41, 17, 9}}},
	{host: "HPG", key: "demo-session-hpg-dien-tu", title: "Phiên giao dịch việc làm trực tuyến ngành điện tử Hải Phòng",
		description: "Doanh nghiệp KCN Tràng Duệ phỏng vấn trực tuyến lao động các tỉnh.",
		mode:        exchange.SessionOnline, url: "https://vieclam.haiphong.example.vn/phien-truc-tuyen",
		inDays: 10, startHour: 2, hours: 2, joiner: "TNG", pending: []string{"BNH"}},
	{host: "TNG", key: "demo-session-tng-2020-quang-chu", title: "Phiên giao dịch việc làm lưu động xã Quảng Chu (2020)",
		description: "Một trong 38 phiên lưu động năm 2020 cho lao động mất việc ở Thái Nguyên, Bắc Ninh, Hưng Yên trở về.",
		mode:        exchange.SessionOnSite, province: "19", address: "UBND xã Quảng Chu (huyện Chợ Mới, Bắc Kạn cũ), Thái Nguyên",
		on: time.Date(2020, 9, 18, 0, 30, 0, 0, time.UTC), hours: 4, joiner: "HPG",
		outcomes: map[string][4]int{"TNG": {64, 30, 0, 8}, "HPG": {64, 30, 11, 5}}},
}

// seedSessions schedules the demo sessions. It is idempotent: a session the host
// already has (by title) is not scheduled again, a center already taking part does not
// join again, and an outcome already recorded is left alone.
func seedSessions(ctx context.Context, db *postgres.DB) error {
	centers := postgres.NewCenterService(db)
	sessions := postgres.NewSessionService(db)
	market := postgres.NewMarketService(db)
	today := exchange.Day(db.Now())
	for _, d := range demoSessions {
		hostCtx, err := centerContext(ctx, centers, d.host)
		if err != nil {
			return err
		}
		s, err := findSession(hostCtx, sessions, d.host, d.title)
		if err != nil {
			return err
		}
		if s == nil {
			start := today.AddDate(0, 0, d.inDays).Add(time.Duration(d.startHour) * time.Hour)
			record := !d.on.IsZero()
			if record {
				start = d.on
			}
			in := exchange.ScheduleExchangeSessionInput{IdempotencyKey: &d.key, Title: d.title, Description: &d.description,
				Mode: d.mode, StartsAt: start, EndsAt: start.Add(time.Duration(d.hours) * time.Hour), Record: &record}
			if d.province != "" {
				in.ProvinceCode, in.Address = &d.province, &d.address
			}
			if d.url != "" {
				in.OnlineURL = &d.url
			}
			if s, err = sessions.ScheduleExchangeSession(hostCtx, in); err != nil {
				return fmt.Errorf("demo session %s: %w", d.key, err)
			}
			if err := inviteDemo(hostCtx, sessions, s, d.key, d.pending); err != nil {
				return err
			}
		}
		parts, err := sessions.SessionParticipants(hostCtx, []uuid.UUID{s.ID})
		if err != nil {
			return err
		}
		joined := map[string]*exchange.SessionParticipant{}
		for _, p := range parts[s.ID] {
			c, err := centers.Center(hostCtx, p.CenterID)
			if err != nil {
				return err
			}
			joined[c.Code] = p
		}
		if joined[d.joiner] == nil {
			if err := inviteDemo(hostCtx, sessions, s, d.key, []string{d.joiner}); err != nil {
				return err
			}
			if err := joinDemo(ctx, centers, market, sessions, s, d); err != nil {
				return err
			}
		}
		for code, n := range d.outcomes {
			if p := joined[code]; p != nil && p.Outcome() != nil {
				continue
			}
			cctx, err := centerContext(ctx, centers, code)
			if err != nil {
				return err
			}
			if _, _, err := sessions.RecordSessionOutcome(cctx, exchange.RecordSessionOutcomeInput{
				SessionID: exchange.GlobalID(exchange.KindExchangeSession, s.ID), WorkersAttending: n[0], Interviewed: n[1],
				HiredOnSpot: n[2], ReferredAfter: n[3]}); err != nil {
				return fmt.Errorf("demo session %s outcome of %s: %w", d.key, code, err)
			}
		}
	}
	return nil
}

func findSession(ctx context.Context, sessions *postgres.SessionService, host, title string) (*exchange.ExchangeSession, error) {
	page, err := sessions.ExchangeSessions(ctx, exchange.ExchangeSessionFilter{HostCenterCodes: []string{host}, Text: &title},
		exchange.SessionOrderStartsAt, exchange.PageArgs{First: exchange.MaxPageSize})
	if err != nil {
		return nil, fmt.Errorf("find demo session: %w", err)
	}
	for _, s := range page.Items {
		if s.Title == title {
			return s, nil
		}
	}
	return nil, nil
}

// inviteDemo invites centers to a demo session (a center invited already is left as
// it is).
func inviteDemo(hostCtx context.Context, sessions *postgres.SessionService, s *exchange.ExchangeSession, key string, codes []string) error {
	if len(codes) == 0 {
		return nil
	}
	msg := "Trân trọng kính mời Trung tâm tham gia phiên giao dịch việc làm."
	if _, _, err := sessions.InviteToExchangeSession(hostCtx, exchange.InviteToExchangeSessionInput{
		SessionID: exchange.GlobalID(exchange.KindExchangeSession, s.ID), CenterCodes: codes, Message: &msg}); err != nil {
		return fmt.Errorf("demo session %s: invite %v: %w", key, codes, err)
	}
	return nil
}

// joinDemo takes the joiner into the session, featuring its open demo demand of the
// session's occupation when it has one.
func joinDemo(ctx context.Context, centers *postgres.CenterService, market *postgres.MarketService,
	sessions *postgres.SessionService, s *exchange.ExchangeSession, d demoSession) error {
	cctx, err := centerContext(ctx, centers, d.joiner)
	if err != nil {
		return err
	}
	in := exchange.JoinExchangeSessionInput{SessionID: exchange.GlobalID(exchange.KindExchangeSession, s.ID)}
	if d.occupation != "" {
		demands, err := market.LaborDemands(cctx, exchange.LaborDemandFilter{CenterCodes: []string{d.joiner},
			OccupationCode: &d.occupation, Statuses: []exchange.DemandStatus{exchange.DemandOpen}},
			exchange.DemandOrderNewest, exchange.PageArgs{First: 1})
		if err != nil {
			return err
		}
		for _, x := range demands.Items {
			in.FeaturedDemandIds = append(in.FeaturedDemandIds, exchange.GlobalID(exchange.KindLaborDemand, x.ID))
		}
	}
	if _, err := sessions.JoinExchangeSession(cctx, in); err != nil {
		return fmt.Errorf("demo session %s: %s joins: %w", d.key, d.joiner, err)
	}
	return nil
}
