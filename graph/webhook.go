package graph

import (
	"github.com/google/uuid"

	"github.com/laborx/laborx/internal/exchange"
)

// withWebhookID decodes a webhook's global ID and runs fn with its key; a malformed ID
// is NOT_FOUND, like an unknown one.
func withWebhookID(gid string, fn func(id uuid.UUID) (*exchange.Webhook, string, error)) (*exchange.Webhook, string, error) {
	id, err := exchange.ParseGlobalIDOf(exchange.KindWebhook, gid)
	if err != nil {
		return nil, "", err
	}
	return fn(id)
}

// optional is nil for "", so a payload's secret is null when there is none.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
