package exchange

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// BenefitDocumentKind is what a paper of a transfer's dossier is.
type BenefitDocumentKind string

const (
	DocumentDecision      BenefitDocumentKind = "DECISION"
	DocumentRequestForm   BenefitDocumentKind = "REQUEST_FORM"
	DocumentBenefitRecord BenefitDocumentKind = "BENEFIT_RECORD"
	DocumentIdentity      BenefitDocumentKind = "IDENTITY"
	DocumentOther         BenefitDocumentKind = "OTHER"
)

// Limits of a dossier's documents: a scanned decision or form fits in 4 MiB.
const (
	MaxBenefitDocumentBytes = 4 << 20
	MaxBenefitDocumentTitle = 200
)

// BenefitDocument is one paper of a transfer's dossier, without its content.
type BenefitDocument struct {
	ID         uuid.UUID           `db:"id"`
	TransferID uuid.UUID           `db:"transfer_id"`
	Kind       BenefitDocumentKind `db:"kind"`
	Title      string              `db:"title"`
	SHA256     []byte              `db:"sha256"`
	Size       int                 `db:"size"`
	// Revision is the dossier revision the document was added to.
	Revision int       `db:"revision"`
	AddedAt  time.Time `db:"added_at"`
}

// AddBenefitDocumentInput adds a document to a transfer's dossier.
type AddBenefitDocumentInput struct {
	TransferID      string
	Kind            BenefitDocumentKind
	Title           string
	Content         []byte
	ExpectedVersion *int
}

// DecideAddBenefitDocument is who adds to a dossier, and when: the paying center's
// staff, while the dossier is theirs (before sending, or after a return).
func DecideAddBenefitDocument(p *Principal, t *BenefitTransfer) error {
	if err := Authenticated(p); err != nil {
		return err
	}
	side := SideOf(p.CenterID, t.FromCenterID, t.ToCenterID)
	// authz: the paying center's publishers add documents; the receiving center reads them.
	switch {
	case !SeesBenefitTransfer(p, t.FromCenterID, t.ToCenterID):
		return BenefitTransferNotFound()
	case side != SidePaying || !p.Has(RolePublisher):
		return Errorf(CodeForbidden, "only the paying center's publishers add documents to the dossier")
	}
	open := []BenefitTransferStatus{TransferRequested, TransferNotified, TransferReturned}
	if !slices.Contains(open, t.Status) {
		return FieldErrorf(fieldOf("benefitTransferId"), CodeInvalidTransition,
			"the dossier is %s: documents are added before sending, or after a return", t.Status)
	}
	return nil
}

// CheckBenefitDocument checks a document's title and size.
func CheckBenefitDocument(in AddBenefitDocumentInput) error {
	var errs Errors
	switch title := strings.TrimSpace(in.Title); {
	case title == "":
		errs.Add(fieldOf("title"), CodeRequired, "title is required")
	case utf8.RuneCountInString(title) > MaxBenefitDocumentTitle:
		errs.Add(fieldOf("title"), CodeTooLong, "title is longer than %d characters", MaxBenefitDocumentTitle)
	}
	switch {
	case len(in.Content) == 0:
		errs.Add(fieldOf("contentBase64"), CodeRequired, "the document is empty")
	case len(in.Content) > MaxBenefitDocumentBytes:
		errs.Add(fieldOf("contentBase64"), CodeTooLong, "the document is larger than %d bytes", MaxBenefitDocumentBytes)
	}
	return errs.Err()
}
