package exchange

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
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
	Action            ChangeAction    `db:"action"`
	ActorCenterID     *uuid.UUID      `db:"actor_center_id"`
	ActorSubject      string          `db:"actor_subject"`
	Audience          Audience        `db:"audience"`
	AudienceCenterIDs []uuid.UUID     `db:"audience_center_ids"`
	OwnerCenterID     *uuid.UUID      `db:"owner_center_id"`
	Payload           json.RawMessage `db:"payload"`
	OccurredAt        time.Time       `db:"occurred_at"`
}

// ChangeFeed reads the outbox as the caller in ctx may see it.
type ChangeFeed interface {
	Changes(ctx context.Context, page PageArgs) (*Page[*Change], error)
	LatestSequence(ctx context.Context) (int64, error)
}

// ChangeCursor is the feed cursor after a sequence number.
func ChangeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(seq, 10)))
}

// ParseChangeCursor reads a feed cursor; "" is the start of the feed.
func ParseChangeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	seq, perr := strconv.ParseInt(string(b), 10, 64)
	if err != nil || perr != nil || seq < 0 {
		return 0, FieldErrorf([]string{"after"}, CodeBadUserInput, "after is not a change feed cursor")
	}
	return seq, nil
}

// ChangeAction is what happened to an entity, as the change feed and the audit trail
// name it. The outbox writes these, and the feed and subscription filters match them.
type ChangeAction string

const (
	ActionCreated          ChangeAction = "CREATED"
	ActionUpdated          ChangeAction = "UPDATED"
	ActionPublished        ChangeAction = "PUBLISHED"
	ActionClosed           ChangeAction = "CLOSED"
	ActionWithdrawn        ChangeAction = "WITHDRAWN"
	ActionKeyAdded         ChangeAction = "KEY_ADDED"
	ActionKeyRevoked       ChangeAction = "KEY_REVOKED"
	ActionReferred         ChangeAction = "REFERRED"
	ActionErased           ChangeAction = "ERASED"
	ActionConsentWithdrawn ChangeAction = "CONSENT_WITHDRAWN"
	ActionConsentGiven     ChangeAction = "CONSENT_GIVEN"
	ActionScheduled        ChangeAction = "SCHEDULED"
	ActionJoined           ChangeAction = "JOINED"
	ActionDemandsFeatured  ChangeAction = "DEMANDS_FEATURED"
	ActionOutcomeRecorded  ChangeAction = "OUTCOME_RECORDED"
	ActionCancelled        ChangeAction = "CANCELLED"
	ActionInvited          ChangeAction = "INVITED"
	ActionDeclined         ChangeAction = "DECLINED"
)

// CenterStatusAction is the change of a center's status: SUSPENDED or ACTIVE.
func CenterStatusAction(s CenterStatus) ChangeAction { return ChangeAction(s) }

// ChangeAction is the feed's name of a referral step: the action itself.
func (a ReferralAction) ChangeAction() ChangeAction { return ChangeAction(a) }

// ChangeAction is the feed's name of an agreement action: the action itself.
func (a AgreementAction) ChangeAction() ChangeAction { return ChangeAction(a) }

// AuditName is the audit trail's name of an action on an entity: "laborDemand.published".
func (a ChangeAction) AuditName(entity string) string {
	return entity + "." + strings.ToLower(string(a))
}

// ActionName is the action as the API's Change.action spells it.
func (c *Change) ActionName() string { return string(c.Action) }
