package server

import (
	"github.com/laborx/laborx/graph"
	"github.com/laborx/laborx/internal/exchange"
)

// complexity makes list fields cost their page size times their children, so a client
// cannot ask for 100 × 100 × 100 nested rows in one request.
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Centers = func(child int, _ *exchange.CenterFilter, first *int, _ *string) int {
		return page(first) * child
	}
	c.Query.Changes = func(child int, _ *string, first *int) int {
		return page(first) * child
	}
	c.Query.Agreements = func(child int, _ *exchange.AgreementFilter, first *int, _ *string) int {
		return page(first) * child
	}
	c.Query.Referrals = func(child int, _ *exchange.ReferralFilter, first *int, _ *string) int {
		return page(first) * child
	}
	c.Query.LaborDemands = func(child int, _ *exchange.LaborDemandFilter, first *int, _ *string, _ *exchange.LaborDemandOrder) int {
		return page(first) * child
	}
	c.Query.LaborSupplies = func(child int, _ *exchange.LaborSupplyFilter, first *int, _ *string, _ *exchange.LaborSupplyOrder) int {
		return page(first) * child
	}
	c.Query.MatchesForDemand = func(child int, _ string, first *int) int { return page(first) * child }
	c.Query.MatchesForSupply = func(child int, _ string, first *int) int { return page(first) * child }
	c.Query.ExchangeSessions = func(child int, _ *exchange.ExchangeSessionFilter, first *int, _ *string, _ *exchange.ExchangeSessionOrder) int {
		return page(first) * child
	}
	return c
}

// page is the number of items a connection field returns at most.
func page(first *int) int {
	if first == nil || *first < 1 {
		return 20
	}
	return *first
}
