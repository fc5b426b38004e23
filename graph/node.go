package graph

import (
	"context"

	"github.com/laborx/laborx/graph/model"
	"github.com/laborx/laborx/internal/exchange"
)

// node resolves a global ID through the service that owns its type; each service
// applies the caller's rights, so an object the caller may not see is NOT_FOUND.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	kind, key, err := exchange.ParseGlobalID(id)
	if err != nil {
		return nil, err
	}
	switch kind {
	case exchange.KindCenter:
		return r.CenterService.Center(ctx, key)
	case exchange.KindCenterKey:
		return r.CenterService.CenterKey(ctx, key)
	case exchange.KindAgreement:
		return r.AgreementService.Agreement(ctx, key)
	case exchange.KindReferral:
		return r.ReferralService.Referral(ctx, key)
	case exchange.KindWorker:
		return r.worker(ctx, key)
	case exchange.KindLaborDemand:
		return r.Market.LaborDemand(ctx, key)
	case exchange.KindLaborSupply:
		return r.Market.LaborSupply(ctx, key)
	case exchange.KindBenefitTransfer:
		return r.BenefitTransferService.BenefitTransfer(ctx, key)
	case exchange.KindExchangeSession:
		return r.SessionService.ExchangeSession(ctx, key)
	}
	return nil, exchange.Errorf(exchange.CodeNotFound, "no object has ID %q", id)
}
