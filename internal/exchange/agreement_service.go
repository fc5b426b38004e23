package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Agreement is a cooperation agreement between two or more centers (DESIGN §2). Its
// validity period is that of the current revision's terms.
type Agreement struct {
	ID               uuid.UUID       `db:"id"`
	Title            string          `db:"title"`
	Status           AgreementStatus `db:"status"`
	ProposerCenterID uuid.UUID       `db:"proposer_center_id"`
	// PartyCenterIDs are the parties, the proposer first.
	PartyCenterIDs        []uuid.UUID `db:"party_center_ids"`
	CurrentRevisionNumber int         `db:"current_revision"`
	ValidFrom             time.Time   `db:"valid_from"`
	ValidUntil            time.Time   `db:"valid_until"`
	// StatusReason is the reason given to reject, withdraw or terminate.
	StatusReason *string `db:"status_reason"`
	// TerminatesOn is the day a termination takes effect; until then the agreement is
	// SIGNED and in force.
	TerminatesOn *time.Time `db:"terminates_on"`
	CreatedAt    time.Time  `db:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at"`
	Version      int        `db:"version"`
	// IsActive is computed when the agreement is read (IsActive with the store's clock),
	// as is Status once a scheduled termination has taken effect (AgreementStatusAt).
	IsActive bool `db:"-"`
	// Revisions, when not nil, were read in the same snapshot as the agreement (a
	// subscription's event); otherwise they are loaded apart.
	Revisions []*AgreementRevision `db:"-"`
}

// AgreementRevision is one version of the terms; revision 1 is the proposal.
type AgreementRevision struct {
	AgreementID        uuid.UUID `db:"agreement_id"`
	Number             int       `db:"number"`
	TermsJSON          []byte    `db:"terms"`
	TermsHash          string    `db:"terms_hash"`
	ProposedByCenterID uuid.UUID `db:"proposed_by_center_id"`
	ProposedBySubject  string    `db:"proposed_by_subject"`
	Note               *string   `db:"note"`
	CreatedAt          time.Time `db:"created_at"`
	// HashVersion says how TermsHash was computed (RevisionHash).
	HashVersion int            `db:"hash_version"`
	Terms       AgreementTerms `db:"-"`
}

// AgreementSignature is one party's signature of one revision, with the termsHash it
// signed. Revising an agreement deletes the signatures of the previous revision.
type AgreementSignature struct {
	AgreementID   uuid.UUID `db:"agreement_id"`
	CenterID      uuid.UUID `db:"center_id"`
	SignerSubject string    `db:"signer_subject"`
	Revision      int       `db:"revision"`
	TermsHash     string    `db:"terms_hash"`
	SignedAt      time.Time `db:"signed_at"`
	// KID, Alg and JWS are the proof: a detached JWS over TermsHash made with the
	// center's key KID; nil for a signature made without one.
	KID *string `db:"kid"`
	Alg *string `db:"alg"`
	JWS *string `db:"jws"`
}

// AgreementEvent records one action on an agreement.
type AgreementEvent struct {
	AgreementID   uuid.UUID        `db:"agreement_id"`
	Action        AgreementAction  `db:"action"`
	From          *AgreementStatus `db:"from_status"`
	To            AgreementStatus  `db:"to_status"`
	ActorCenterID uuid.UUID        `db:"actor_center_id"`
	ActorSubject  string           `db:"actor_subject"`
	Revision      int              `db:"revision"`
	Note          *string          `db:"note"`
	At            time.Time        `db:"at"`
}

// AgreementCommentEntry (GraphQL AgreementComment) is a remark of a party member on the negotiation.
type AgreementCommentEntry struct {
	ID            uuid.UUID `db:"id"`
	AgreementID   uuid.UUID `db:"agreement_id"`
	CenterID      uuid.UUID `db:"center_id"`
	AuthorSubject string    `db:"author_subject"`
	Revision      int       `db:"revision"`
	Text          string    `db:"text"`
	CreatedAt     time.Time `db:"created_at"`
}

// AgreementQuotaLine is a quota line of the current terms with what referrals under
// the agreement have used of it.
type AgreementQuotaLine struct {
	AgreementID    uuid.UUID `db:"agreement_id"`
	Revision       int       `db:"revision"`
	OccupationCode string    `db:"occupation_code"`
	FromCenterID   uuid.UUID `db:"from_center_id"`
	ToCenterID     uuid.UUID `db:"to_center_id"`
	Workers        int       `db:"workers"`
	Referred       int       `db:"referred_count"`
	Hired          int       `db:"hired_count"`
}

// ProposeAgreementInput creates an agreement with revision 1 of its terms.
type ProposeAgreementInput struct {
	IdempotencyKey   *string        `json:"-"`
	Title            string         `json:"title"`
	PartyCenterCodes []string       `json:"partyCenterCodes"`
	Terms            AgreementTerms `json:"terms"`
}

// ReviseAgreementInput makes a counter-offer: a new revision that voids the signatures.
type ReviseAgreementInput struct {
	AgreementID     string
	Terms           AgreementTerms
	Note            *string
	ExpectedVersion *int
}

// CommentOnAgreementInput adds a comment.
type CommentOnAgreementInput struct {
	AgreementID string
	Text        string
}

// SignAgreementInput signs the named revision, which must be the current one.
type SignAgreementInput struct {
	AgreementID string
	Revision    int
	// JWS is an optional compact detached JWS over the revision's termsHash.
	JWS *string
}

// RejectAgreementInput ends a negotiation by refusing the current revision.
type RejectAgreementInput struct {
	AgreementID     string
	Reason          string
	ExpectedVersion *int
}

// WithdrawAgreementInput ends a negotiation by the original proposer.
type WithdrawAgreementInput struct {
	AgreementID     string
	Reason          *string
	ExpectedVersion *int
}

// TerminateAgreementInput ends a signed agreement.
type TerminateAgreementInput struct {
	AgreementID string
	Reason      string
	// EffectiveOn is the day the termination takes effect; nil means today.
	EffectiveOn     *time.Time
	ExpectedVersion *int
}

// AgreementFilter narrows agreements(filter:). Every listed party must be a party of
// the agreement; ActiveOn keeps agreements that are SIGNED and valid on that day.
type AgreementFilter struct {
	Statuses         []AgreementStatus
	PartyCenterCodes []string
	ActiveOn         *time.Time
}

// AgreementService negotiates and reads cooperation agreements. Only parties and
// operators see an agreement; for everyone else it does not exist (NOT_FOUND).
type AgreementService interface {
	ProposeAgreement(ctx context.Context, in ProposeAgreementInput) (*Agreement, error)
	ReviseAgreement(ctx context.Context, in ReviseAgreementInput) (*Agreement, error)
	CommentOnAgreement(ctx context.Context, in CommentOnAgreementInput) (*Agreement, *AgreementCommentEntry, error)
	SignAgreement(ctx context.Context, in SignAgreementInput) (*Agreement, error)
	RejectAgreement(ctx context.Context, in RejectAgreementInput) (*Agreement, error)
	WithdrawAgreement(ctx context.Context, in WithdrawAgreementInput) (*Agreement, error)
	TerminateAgreement(ctx context.Context, in TerminateAgreementInput) (*Agreement, error)

	Agreement(ctx context.Context, id uuid.UUID) (*Agreement, error)
	// AgreementSnapshot is Agreement with its Revisions read in the same snapshot.
	AgreementSnapshot(ctx context.Context, id uuid.UUID) (*Agreement, error)
	Agreements(ctx context.Context, f AgreementFilter, page PageArgs) (*Page[*Agreement], error)
	AgreementRevision(ctx context.Context, agreementID uuid.UUID, number int) (*AgreementRevision, error)
	AgreementRevisions(ctx context.Context, agreementID uuid.UUID) ([]*AgreementRevision, error)
	AgreementSignatures(ctx context.Context, agreementID uuid.UUID) ([]*AgreementSignature, error)
	AgreementEvents(ctx context.Context, agreementID uuid.UUID) ([]*AgreementEvent, error)
	AgreementComments(ctx context.Context, agreementID uuid.UUID) ([]*AgreementCommentEntry, error)
	AgreementQuotaLines(ctx context.Context, agreementID uuid.UUID) ([]*AgreementQuotaLine, error)
}

// ParseTermsJSON reads terms stored as CanonicalJSON (dates as "YYYY-MM-DD").
func ParseTermsJSON(b []byte) (AgreementTerms, error) {
	var raw struct {
		ValidFrom        string           `json:"validFrom"`
		ValidUntil       string           `json:"validUntil"`
		Quotas           []QuotaLine      `json:"quotas"`
		Responsibilities []Responsibility `json:"responsibilities"`
		SupportPolicy    string           `json:"supportPolicy"`
		Notes            string           `json:"notes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return AgreementTerms{}, fmt.Errorf("parse agreement terms: %w", err)
	}
	from, err := time.Parse(time.DateOnly, raw.ValidFrom)
	if err != nil {
		return AgreementTerms{}, fmt.Errorf("parse agreement terms: validFrom: %w", err)
	}
	until, err := time.Parse(time.DateOnly, raw.ValidUntil)
	if err != nil {
		return AgreementTerms{}, fmt.Errorf("parse agreement terms: validUntil: %w", err)
	}
	t := AgreementTerms{ValidFrom: from, ValidUntil: until, Quotas: raw.Quotas, Responsibilities: raw.Responsibilities,
		SupportPolicy: raw.SupportPolicy, Notes: raw.Notes}
	return t.Canonical(), nil
}

// Today is the calendar day of now that agreement validity is judged on (UTC, the
// store's clock).
func Today(now time.Time) time.Time {
	return dateOnly(now.UTC())
}

// RevisionNumbered picks revision number out of an agreement's revisions.
func RevisionNumbered(revisions []*AgreementRevision, number int) (*AgreementRevision, error) {
	for _, r := range revisions {
		if r.Number == number {
			return r, nil
		}
	}
	return nil, Errorf(CodeNotFound, "agreement has no revision %d", number)
}
