package exchange_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// TestChangeVisible: the Go twin of the feed's SQL rule, case by case.
func TestChangeVisible(t *testing.T) {
	row := func(kind exchange.Kind, a exchange.Audience, centers, partners []uuid.UUID) *exchange.OutboxRow {
		return &exchange.OutboxRow{Change: &exchange.Change{EntityKind: kind, Audience: a, AudienceCenterIDs: centers},
			OwnerPartners: partners}
	}
	viewerB := staff(centerB, "BBB", exchange.RoleViewer)
	for _, c := range []struct {
		name string
		p    *exchange.Principal
		row  *exchange.OutboxRow
		want bool
	}{
		{"all/viewer", viewerA, row(exchange.KindLaborDemand, exchange.AudienceAll, nil, nil), true},
		{"all/anonymous", nil, row(exchange.KindLaborDemand, exchange.AudienceAll, nil, nil), false},
		{"listed", viewerA, row(exchange.KindAgreement, exchange.AudienceCenters, []uuid.UUID{centerA, centerC}, nil), true},
		{"not listed", viewerB, row(exchange.KindAgreement, exchange.AudienceCenters, []uuid.UUID{centerA, centerC}, nil), false},
		{"partner", viewerA, row(exchange.KindLaborDemand, exchange.AudiencePartners, nil, []uuid.UUID{centerC, centerA}), true},
		{"not a partner", viewerB, row(exchange.KindLaborDemand, exchange.AudiencePartners, nil, []uuid.UUID{centerC, centerA}), false},
		{"operator", op, row(exchange.KindAgreement, exchange.AudienceCenters, []uuid.UUID{centerA}, nil), true},
		{"referral/publisher", pubA, row(exchange.KindReferral, exchange.AudienceCenters, []uuid.UUID{centerA}, nil), true},
		{"referral/viewer", viewerA, row(exchange.KindReferral, exchange.AudienceCenters, []uuid.UUID{centerA}, nil), false},
		{"worker/operator", op, row(exchange.KindWorker, exchange.AudienceAll, nil, nil), false},
	} {
		if got := exchange.ChangeVisible(c.p, c.row); got != c.want {
			t.Errorf("%s: visible = %t, want %t", c.name, got, c.want)
		}
	}
}
