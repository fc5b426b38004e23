package graph

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/laborx/laborx/graph/model"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// seesPersonal is exchange.SeesTransferPersonalData for the caller in ctx.
func seesPersonal(ctx context.Context, t *exchange.BenefitTransfer) bool {
	// authz: SeesTransferPersonalData.
	return exchange.SeesTransferPersonalData(auth.FromContext(ctx), t)
}

// personal returns v for callers who may see the transfer's personal data, nil for
// others (operators, viewers, the receiving center before the dossier is sent).
func personal[T any](ctx context.Context, t *exchange.BenefitTransfer, v T) *T {
	if !seesPersonal(ctx, t) {
		return nil
	}
	return &v
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func simpleStep(a exchange.BenefitTransferAction, in model.BenefitTransferStepInput) exchange.BenefitTransferStep {
	return exchange.BenefitTransferStep{TransferID: in.BenefitTransferID, Action: a, Note: in.Note,
		ExpectedVersion: in.ExpectedVersion}
}

func (r *mutationResolver) stepTransfer(ctx context.Context, s exchange.BenefitTransferStep) (*model.BenefitTransferPayload, error) {
	t, err := r.BenefitTransferService.StepBenefitTransfer(ctx, s)
	return transferPayload(ctx, t, err)
}

func transferPayload(ctx context.Context, t *exchange.BenefitTransfer, err error) (*model.BenefitTransferPayload, error) {
	ues, err := userErrors(ctx, err)
	return &model.BenefitTransferPayload{BenefitTransfer: t, UserErrors: ues}, err
}

// documentInput decodes the file of addBenefitTransferDocument.
func documentInput(in model.AddBenefitTransferDocumentInput) (exchange.AddBenefitDocumentInput, error) {
	content, err := base64.StdEncoding.DecodeString(in.ContentBase64)
	if err != nil {
		return exchange.AddBenefitDocumentInput{}, exchange.FieldErrorf([]string{"contentBase64"}, exchange.CodeInvalid,
			"contentBase64 is not base64")
	}
	return exchange.AddBenefitDocumentInput{TransferID: in.BenefitTransferID, Kind: in.Kind, Title: in.Title,
		Content: content, ExpectedVersion: in.ExpectedVersion}, nil
}
