package exchange

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Audience says who may read a change in the feed.
type Audience string

const (
	// AudienceAll: every center.
	AudienceAll Audience = "ALL"
	// AudienceCenters: only the listed centers (agreement parties, a referral's two ends).
	AudienceCenters Audience = "CENTERS"
	// AudiencePartners: the owner and centers with an active agreement with it, decided
	// when the change is read (AGREEMENT_PARTNERS postings).
	AudiencePartners Audience = "PARTNERS"
)

// Change is one published change in the outbox, the source of the change feed and of
// every subscription. Payload never holds personal data.
type Change struct {
	Sequence          int64           `db:"sequence"`
	EntityKind        Kind            `db:"entity_kind"`
	EntityID          uuid.UUID       `db:"entity_id"`
	Action            string          `db:"action"`
	ActorCenterID     *uuid.UUID      `db:"actor_center_id"`
	ActorSubject      string          `db:"actor_subject"`
	Audience          Audience        `db:"audience"`
	AudienceCenterIDs []uuid.UUID     `db:"audience_center_ids"`
	OwnerCenterID     *uuid.UUID      `db:"owner_center_id"`
	Payload           json.RawMessage `db:"payload"`
	OccurredAt        time.Time       `db:"occurred_at"`
}
