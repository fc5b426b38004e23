package exchange_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

func TestDecideReferral_EveryActionStatusSide(t *testing.T) {
	const (
		F  = "!FORBIDDEN"
		NF = "!NOT_FOUND"
		IT = "!INVALID_TRANSITION"
	)
	type (
		A = exchange.ReferralAction
		S = exchange.ReferralStatus
	)
	const (
		REF = exchange.ReferralReferred
		ACK = exchange.ReferralAcknowledged
		INT = exchange.ReferralInterviewScheduled
		HIR = exchange.ReferralHired
		NOT = exchange.ReferralNotHired
		WDN = exchange.ReferralWithdrawn
		EMP = exchange.ReferralEmployed
		LFT = exchange.ReferralLeftJob
	)
	// Columns: a publisher of the origin, of the destination, of neither center.
	tests := []struct {
		action A
		from   S
		want   [3]string
	}{
		{exchange.ReferralAcknowledge, REF, [3]string{F, "ACKNOWLEDGED", NF}},
		{exchange.ReferralAcknowledge, ACK, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, INT, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, HIR, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, NOT, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, WDN, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, EMP, [3]string{F, IT, NF}},
		{exchange.ReferralAcknowledge, LFT, [3]string{F, IT, NF}},

		{exchange.ReferralScheduleInterview, REF, [3]string{F, "INTERVIEW_SCHEDULED", NF}},
		{exchange.ReferralScheduleInterview, ACK, [3]string{F, "INTERVIEW_SCHEDULED", NF}},
		{exchange.ReferralScheduleInterview, INT, [3]string{F, IT, NF}},
		{exchange.ReferralScheduleInterview, HIR, [3]string{F, IT, NF}},
		{exchange.ReferralScheduleInterview, NOT, [3]string{F, IT, NF}},
		{exchange.ReferralScheduleInterview, WDN, [3]string{F, IT, NF}},
		{exchange.ReferralScheduleInterview, EMP, [3]string{F, IT, NF}},
		{exchange.ReferralScheduleInterview, LFT, [3]string{F, IT, NF}},

		{exchange.ReferralMarkHired, REF, [3]string{F, IT, NF}},
		{exchange.ReferralMarkHired, ACK, [3]string{F, "HIRED", NF}},
		{exchange.ReferralMarkHired, INT, [3]string{F, "HIRED", NF}},
		{exchange.ReferralMarkHired, HIR, [3]string{F, IT, NF}},
		{exchange.ReferralMarkHired, NOT, [3]string{F, IT, NF}},
		{exchange.ReferralMarkHired, WDN, [3]string{F, IT, NF}},
		{exchange.ReferralMarkHired, EMP, [3]string{F, IT, NF}},
		{exchange.ReferralMarkHired, LFT, [3]string{F, IT, NF}},

		{exchange.ReferralMarkNotHired, REF, [3]string{F, IT, NF}},
		{exchange.ReferralMarkNotHired, ACK, [3]string{F, "NOT_HIRED", NF}},
		{exchange.ReferralMarkNotHired, INT, [3]string{F, "NOT_HIRED", NF}},
		{exchange.ReferralMarkNotHired, HIR, [3]string{F, IT, NF}},
		{exchange.ReferralMarkNotHired, NOT, [3]string{F, IT, NF}},
		{exchange.ReferralMarkNotHired, WDN, [3]string{F, IT, NF}},
		{exchange.ReferralMarkNotHired, EMP, [3]string{F, IT, NF}},
		{exchange.ReferralMarkNotHired, LFT, [3]string{F, IT, NF}},

		{exchange.ReferralWithdraw, REF, [3]string{"WITHDRAWN", F, NF}},
		{exchange.ReferralWithdraw, ACK, [3]string{"WITHDRAWN", F, NF}},
		{exchange.ReferralWithdraw, INT, [3]string{"WITHDRAWN", F, NF}},
		{exchange.ReferralWithdraw, HIR, [3]string{IT, F, NF}},
		{exchange.ReferralWithdraw, NOT, [3]string{IT, F, NF}},
		{exchange.ReferralWithdraw, WDN, [3]string{IT, F, NF}},
		{exchange.ReferralWithdraw, EMP, [3]string{IT, F, NF}},
		{exchange.ReferralWithdraw, LFT, [3]string{IT, F, NF}},

		{exchange.ReferralConfirmEmployment, REF, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, ACK, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, INT, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, HIR, [3]string{"EMPLOYED", "EMPLOYED", NF}},
		{exchange.ReferralConfirmEmployment, NOT, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, WDN, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, EMP, [3]string{IT, IT, NF}},
		{exchange.ReferralConfirmEmployment, LFT, [3]string{IT, IT, NF}},

		{exchange.ReferralMarkLeft, REF, [3]string{IT, IT, NF}},
		{exchange.ReferralMarkLeft, ACK, [3]string{IT, IT, NF}},
		{exchange.ReferralMarkLeft, INT, [3]string{IT, IT, NF}},
		{exchange.ReferralMarkLeft, HIR, [3]string{"LEFT_JOB", "LEFT_JOB", NF}},
		{exchange.ReferralMarkLeft, NOT, [3]string{IT, IT, NF}},
		{exchange.ReferralMarkLeft, WDN, [3]string{IT, IT, NF}},
		{exchange.ReferralMarkLeft, EMP, [3]string{"LEFT_JOB", "LEFT_JOB", NF}},
		{exchange.ReferralMarkLeft, LFT, [3]string{IT, IT, NF}},
	}
	if len(tests) != 7*8 {
		t.Fatalf("table has %d rows, want every one of 7 actions x 8 statuses", len(tests))
	}
	sides := []exchange.ReferralSide{exchange.SideOrigin, exchange.SideDestination, exchange.SideNone}
	for _, tt := range tests {
		for i, side := range sides {
			t.Run(fmt.Sprintf("%s from %s by %s", tt.action, tt.from, side), func(t *testing.T) {
				publisher := centerActor("HNI", exchange.RolePublisher)
				next, err := exchange.DecideReferral(tt.from, tt.action, side, publisher)
				if got := outcome(next, err); got != tt.want[i] {
					t.Errorf("publisher: got %s, want %s (err: %v)", got, tt.want[i], err)
				}

				// A coordinator may do what a publisher may.
				coordinator := centerActor("HNI", exchange.RoleCoordinator)
				next, err = exchange.DecideReferral(tt.from, tt.action, side, coordinator)
				if got := outcome(next, err); got != tt.want[i] {
					t.Errorf("coordinator: got %s, want %s (err: %v)", got, tt.want[i], err)
				}

				// A viewer moves nothing; outside the referral it does not even see it.
				viewerWant := F
				if side == exchange.SideNone {
					viewerWant = NF
				}
				next, err = exchange.DecideReferral(tt.from, tt.action, side, centerActor("HNI", exchange.RoleViewer))
				if got := outcome(next, err); got != viewerWant {
					t.Errorf("viewer: got %s, want %s (err: %v)", got, viewerWant, err)
				}

				// The operator is at neither end: a referral it asks to move does not
				// exist for it, like one that does not exist at all.
				next, err = exchange.DecideReferral(tt.from, tt.action, side, operator)
				if got := outcome(next, err); got != viewerWant {
					t.Errorf("operator: got %s, want %s (err: %v)", got, viewerWant, err)
				}
			})
		}
	}
}

func TestDecideReferral_Refusals(t *testing.T) {
	publisher := centerActor("HNI", exchange.RolePublisher)
	tests := []struct {
		name    string
		from    exchange.ReferralStatus
		action  exchange.ReferralAction
		side    exchange.ReferralSide
		actor   *exchange.Principal
		code    string
		message string
	}{
		{"no caller", exchange.ReferralReferred, exchange.ReferralAcknowledge, exchange.SideDestination, nil,
			"!UNAUTHENTICATED", "authentication required"},
		{"unknown action", exchange.ReferralReferred, "PROMOTE", exchange.SideDestination, publisher,
			"!INVALID", `unknown referral action "PROMOTE"`},
		{"origin marks hired", exchange.ReferralAcknowledged, exchange.ReferralMarkHired, exchange.SideOrigin, publisher,
			"!FORBIDDEN", "only the destination center may mark hired; this center is the origin"},
		{"destination withdraws", exchange.ReferralReferred, exchange.ReferralWithdraw, exchange.SideDestination, publisher,
			"!FORBIDDEN", "only the origin center may withdraw; this center is the destination"},
		{"hire straight from referred", exchange.ReferralReferred, exchange.ReferralMarkHired, exchange.SideDestination, publisher,
			"!INVALID_TRANSITION", "cannot move a referral from REFERRED to HIRED: MARK_HIRED is allowed only from ACKNOWLEDGED, INTERVIEW_SCHEDULED"},
		{"withdraw after hire", exchange.ReferralHired, exchange.ReferralWithdraw, exchange.SideOrigin, publisher,
			"!INVALID_TRANSITION", "cannot move a referral from HIRED to WITHDRAWN"},
		{"viewer", exchange.ReferralReferred, exchange.ReferralAcknowledge, exchange.SideDestination, centerActor("HNI", exchange.RoleViewer),
			"!FORBIDDEN", "needs the PUBLISHER role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := exchange.DecideReferral(tt.from, tt.action, tt.side, tt.actor)
			if got := outcome(next, err); got != tt.code {
				t.Errorf("got %s, want %s (err: %v)", got, tt.code, err)
			}
			if msg := exchange.ErrorMessage(err); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q does not contain %q", msg, tt.message)
			}
		})
	}
}

func TestReferralAction_CountsAsHire(t *testing.T) {
	for _, a := range []exchange.ReferralAction{
		exchange.ReferralAcknowledge, exchange.ReferralScheduleInterview, exchange.ReferralMarkHired,
		exchange.ReferralMarkNotHired, exchange.ReferralWithdraw, exchange.ReferralConfirmEmployment,
		exchange.ReferralMarkLeft,
	} {
		if got, want := a.CountsAsHire(), a == exchange.ReferralMarkHired; got != want {
			t.Errorf("%s.CountsAsHire() = %v, want %v", a, got, want)
		}
	}
}

func TestSideOf(t *testing.T) {
	origin, destination, other := uuid.New(), uuid.New(), uuid.New()
	tests := []struct {
		actor uuid.UUID
		want  exchange.ReferralSide
	}{
		{origin, exchange.SideOrigin},
		{destination, exchange.SideDestination},
		{other, exchange.SideNone},
		{uuid.Nil, exchange.SideNone},
	}
	for _, tt := range tests {
		if got := exchange.SideOf(tt.actor, origin, destination); got != tt.want {
			t.Errorf("SideOf(%s) = %s, want %s", tt.actor, got, tt.want)
		}
	}
	// An operator is no side even of a (broken) row whose centers are unset.
	if got := exchange.SideOf(uuid.Nil, uuid.Nil, uuid.Nil); got != exchange.SideNone {
		t.Errorf("SideOf(nil, nil, nil) = %s, want none", got)
	}
}

func TestReferralOccupation(t *testing.T) {
	demand := "8212"
	for _, c := range []struct {
		worker string
		demand *string
		allow  bool
		want   string
		code   exchange.Code
	}{
		{"8153", nil, false, "8153", ""},
		{"8219", &demand, false, "8212", ""},
		{"8153", &demand, false, "", exchange.CodeOccupationMismatch},
		{"8153", &demand, true, "8212", ""},
	} {
		got, err := exchange.ReferralOccupation(c.worker, c.demand, c.allow)
		if got != c.want || (err == nil) != (c.code == "") || err != nil && exchange.ErrorCode(err) != c.code {
			t.Errorf("ReferralOccupation(%s, %v, %v) = %q, %v; want %q, %s", c.worker, c.demand, c.allow, got, err, c.want, c.code)
		}
	}
}
