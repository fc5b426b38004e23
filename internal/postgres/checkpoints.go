package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

const checkpointColumns = `c.referral_id, c.day, c.due_on, c.status, c.confirmed_at`

// checkpoints loads one referral's retention checkpoints, by day.
func (tx *Tx) checkpoints(ctx context.Context, referralID uuid.UUID) ([]*exchange.RetentionCheckpoint, error) {
	rows, _ := tx.Query(ctx, `SELECT `+checkpointColumns+` FROM referral_checkpoints c
		WHERE c.referral_id = $1 ORDER BY c.day`, referralID)
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.RetentionCheckpoint])
	if err != nil {
		return nil, fmt.Errorf("load checkpoints: %w", err)
	}
	return list, nil
}

// retentionStep records what a step does to the referral's checkpoints: MARK_HIRED
// creates them, a confirmation of a checkpoint confirms it, MARK_LEFT closes the open
// ones and keeps the reason.
func (tx *Tx) retentionStep(ctx context.Context, referralID uuid.UUID, in exchange.UpdateReferralStatusInput, day int, at time.Time) error {
	switch {
	case in.Action == exchange.ReferralMarkHired:
		for _, c := range exchange.CheckpointsFor(referralID, at) {
			if _, err := tx.Exec(ctx, `INSERT INTO referral_checkpoints (referral_id, day, due_on) VALUES ($1, $2, $3)`,
				c.ReferralID, c.Day, c.DueOn); err != nil {
				return fmt.Errorf("insert checkpoint: %w", err)
			}
		}
	case day != 0:
		if _, err := tx.Exec(ctx, `UPDATE referral_checkpoints SET status = 'CONFIRMED', confirmed_at = $3
			WHERE referral_id = $1 AND day = $2`, referralID, day, at); err != nil {
			return fmt.Errorf("confirm checkpoint: %w", err)
		}
	case in.Action == exchange.ReferralMarkLeft:
		if _, err := tx.Exec(ctx, `UPDATE referral_checkpoints SET status = 'LEFT' WHERE referral_id = $1 AND status = 'DUE'`,
			referralID); err != nil {
			return fmt.Errorf("close checkpoints: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE referrals SET left_reason = $2 WHERE id = $1`, referralID, in.LeftReason); err != nil {
			return fmt.Errorf("record left reason: %w", err)
		}
	}
	return nil
}

// scheduleInterview records the interview a step scheduled as the referral's current one.
func (tx *Tx) scheduleInterview(ctx context.Context, referralID uuid.UUID, iv *exchange.Interview) error {
	if iv == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE referrals SET interview_at = $2, interview_place = $3, interview_link = $4
		WHERE id = $1`, referralID, iv.At, iv.Place, iv.Link); err != nil {
		return fmt.Errorf("schedule interview: %w", err)
	}
	return nil
}

// ReferralCheckpoints loads the checkpoints of referrals the caller may see, for a
// dataloader, with the status of today (MISSED derived).
func (s *ReferralService) ReferralCheckpoints(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.RetentionCheckpoint, error) {
	return referralLists(ctx, s, ids, `SELECT `+checkpointColumns+` FROM referral_checkpoints c
		JOIN referrals r ON r.id = c.referral_id WHERE c.referral_id = ANY($1)`, `c.referral_id, c.day`,
		func(c *exchange.RetentionCheckpoint) uuid.UUID { return c.ReferralID },
		func(c *exchange.RetentionCheckpoint, now time.Time) { c.Status = c.StatusOn(now) }, nil)
}

// Retention counts, per origin and destination province and checkpoint day, the
// checkpoints that fell due by today and how many were confirmed or closed by a
// departure. National figures: like referralFlows, open to every caller with a role.
func (s *StatsService) Retention(ctx context.Context) ([]*exchange.RetentionRate, error) {
	if _, err := statsCaller(ctx); err != nil {
		return nil, err
	}
	rows, _ := s.read.Query(ctx, `
		WITH pairs AS (
			SELECT r.origin_center_id, r.destination_center_id, c.day,
				count(*) AS due,
				count(*) FILTER (WHERE c.status = 'CONFIRMED') AS confirmed,
				count(*) FILTER (WHERE c.status = 'LEFT') AS left_job
			FROM referral_checkpoints c JOIN referral_facts r ON r.id = c.referral_id
			WHERE c.due_on <= $1::date
			GROUP BY 1, 2, 3)
		SELECT op.now_code AS origin_province_code, dp.now_code AS destination_province_code, p.day,
			sum(p.due)::bigint AS due, sum(p.confirmed)::bigint AS confirmed, sum(p.left_job)::bigint AS left_job
		FROM pairs p
			JOIN centers oc ON oc.id = p.origin_center_id JOIN `+provinceNow+` op ON op.code = oc.province_code
			JOIN centers dc ON dc.id = p.destination_center_id JOIN `+provinceNow+` dp ON dp.code = dc.province_code
		GROUP BY 1, 2, 3
		ORDER BY 1, 2, 3`, s.db.Now().UTC().Format(time.DateOnly))
	list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.RetentionRate])
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	return list, nil
}
