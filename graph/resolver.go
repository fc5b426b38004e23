// Package graph is the GraphQL layer: the gqlgen output and thin resolvers that decode
// arguments, call one service in internal/, and map the result.
package graph

//go:generate go run github.com/99designs/gqlgen generate
//go:generate go run ./lean -file generated.go LaborDemandEdge

import (
	"context"
	"log/slog"
	"time"

	"github.com/laborx/laborx/internal/events"
	"github.com/laborx/laborx/internal/exchange"
)

// Resolver is the dependency-injection root for every resolver; gqlgen never
// regenerates this file.
type Resolver struct {
	Catalog                *exchange.Catalog
	Refdata                RefdataSearch
	CenterService          exchange.CenterService
	Market                 exchange.MarketService
	AgreementService       exchange.AgreementService
	ReferralService        exchange.ReferralService
	ChangeFeed             exchange.ChangeFeed
	StatsService           exchange.StatsService
	SessionService         exchange.ExchangeSessionService
	BenefitTransferService exchange.BenefitTransferService
	AuditTrail             exchange.AuditTrail
	WebhookService         exchange.WebhookService
	// Now is the store's clock (overdue deadlines); nil means time.Now.
	Now func() time.Time
	// Recheck re-reads the caller's key before each subscription delivery, so revoking
	// it (or suspending its center) ends live subscriptions at once.
	Recheck func(ctx context.Context, p *exchange.Principal) error
	// Hub wakes subscriptions when changes are committed on any instance.
	Hub    *events.Hub
	Logger *slog.Logger
}

// RefdataSearch is the one reference-data lookup that needs the database: title search
// that ignores diacritics.
type RefdataSearch interface {
	SearchOccupations(ctx context.Context, level *int, search string) ([]*exchange.Occupation, error)
}
