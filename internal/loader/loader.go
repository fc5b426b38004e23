// Package loader batches the lookups behind nested GraphQL fields: one loader set per
// GraphQL response (created by the server around each response, read with For(ctx)),
// so a page of 50 postings asks for its centers in one query, not 50.
package loader

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"

	"github.com/laborx/laborx/internal/exchange"
)

// Fetchers are the batch queries behind the loaders; each returns the rows it found
// keyed by id, and applies the caller's rights from ctx.
type Fetchers struct {
	Centers func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.Center, error)
	// Workers also writes the audit entries of the reads.
	Workers func(ctx context.Context, reads []exchange.WorkerRead) (map[exchange.WorkerRead]*exchange.Worker, error)
	// ReferralEvents also audits the reads of the events' notes.
	ReferralEvents func(ctx context.Context, reads []exchange.ReferralEventsRead) (map[exchange.ReferralEventsRead][]*exchange.ReferralEvent, error)
	LaborDemands   func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.LaborDemand, error)
	Agreements     func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.Agreement, error)
	// SessionParticipants and SessionDemands load the nested lists of exchange sessions.
	SessionParticipants func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.SessionParticipant, error)
	SessionDemands      func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.LaborDemand, error)
	// The lists of agreements, by agreement id; each re-checks that the caller is a
	// party (or an operator) and gives an empty list otherwise.
	AgreementRevisions  func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementRevision, error)
	AgreementSignatures func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementSignature, error)
	AgreementEvents     func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementEvent, error)
	AgreementComments   func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementCommentEntry, error)
	AgreementQuotaLines func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.AgreementQuotaLine, error)
	ReferralCheckpoints func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.RetentionCheckpoint, error)
	// WorkerConsents loads consent histories by worker id, for the registering center only.
	WorkerConsents func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.Consent, error)
	// SessionReferrals loads the referrals made from sessions that the caller may see.
	SessionReferrals func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.SessionReferral, error)
	// CenterKeys loads keys by center id, for the centers whose keys the caller may see.
	CenterKeys func(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.CenterKey, error)
}

// Loaders is one request's set of loaders.
type Loaders struct {
	Center         *dataloadgen.Loader[uuid.UUID, *exchange.Center]
	Worker         *dataloadgen.Loader[exchange.WorkerRead, *exchange.Worker]
	ReferralEvents *dataloadgen.Loader[exchange.ReferralEventsRead, []*exchange.ReferralEvent]
	LaborDemand    *dataloadgen.Loader[uuid.UUID, *exchange.LaborDemand]
	Agreement      *dataloadgen.Loader[uuid.UUID, *exchange.Agreement]
	// Keyed by session id.
	SessionParticipants *dataloadgen.Loader[uuid.UUID, []*exchange.SessionParticipant]
	SessionDemands      *dataloadgen.Loader[uuid.UUID, []*exchange.LaborDemand]

	AgreementRevisions  *dataloadgen.Loader[uuid.UUID, []*exchange.AgreementRevision]
	AgreementSignatures *dataloadgen.Loader[uuid.UUID, []*exchange.AgreementSignature]
	AgreementEvents     *dataloadgen.Loader[uuid.UUID, []*exchange.AgreementEvent]
	AgreementComments   *dataloadgen.Loader[uuid.UUID, []*exchange.AgreementCommentEntry]
	AgreementQuotaLines *dataloadgen.Loader[uuid.UUID, []*exchange.AgreementQuotaLine]
	ReferralCheckpoints *dataloadgen.Loader[uuid.UUID, []*exchange.RetentionCheckpoint]
	WorkerConsents      *dataloadgen.Loader[uuid.UUID, []*exchange.Consent]
	SessionReferrals    *dataloadgen.Loader[uuid.UUID, []*exchange.SessionReferral]
	CenterKeys          *dataloadgen.Loader[uuid.UUID, []*exchange.CenterKey]
}

// wait is how long a loader collects keys before it runs its batch: long enough for
// sibling resolvers to ask, short against a request's latency.
const wait = 500 * time.Microsecond

// New creates a fresh set of loaders for one request.
func New(f Fetchers) *Loaders {
	return &Loaders{
		Center:              dataloadgen.NewMappedLoader(f.Centers, dataloadgen.WithWait(wait)),
		Worker:              dataloadgen.NewMappedLoader(f.Workers, dataloadgen.WithWait(wait)),
		ReferralEvents:      dataloadgen.NewMappedLoader(f.ReferralEvents, dataloadgen.WithWait(wait)),
		LaborDemand:         dataloadgen.NewMappedLoader(f.LaborDemands, dataloadgen.WithWait(wait)),
		Agreement:           dataloadgen.NewMappedLoader(f.Agreements, dataloadgen.WithWait(wait)),
		SessionParticipants: dataloadgen.NewMappedLoader(f.SessionParticipants, dataloadgen.WithWait(wait)),
		SessionDemands:      dataloadgen.NewMappedLoader(f.SessionDemands, dataloadgen.WithWait(wait)),

		AgreementRevisions:  dataloadgen.NewMappedLoader(f.AgreementRevisions, dataloadgen.WithWait(wait)),
		AgreementSignatures: dataloadgen.NewMappedLoader(f.AgreementSignatures, dataloadgen.WithWait(wait)),
		AgreementEvents:     dataloadgen.NewMappedLoader(f.AgreementEvents, dataloadgen.WithWait(wait)),
		AgreementComments:   dataloadgen.NewMappedLoader(f.AgreementComments, dataloadgen.WithWait(wait)),
		AgreementQuotaLines: dataloadgen.NewMappedLoader(f.AgreementQuotaLines, dataloadgen.WithWait(wait)),
		ReferralCheckpoints: dataloadgen.NewMappedLoader(f.ReferralCheckpoints, dataloadgen.WithWait(wait)),
		WorkerConsents:      dataloadgen.NewMappedLoader(f.WorkerConsents, dataloadgen.WithWait(wait)),
		SessionReferrals:    dataloadgen.NewMappedLoader(f.SessionReferrals, dataloadgen.WithWait(wait)),
		CenterKeys:          dataloadgen.NewMappedLoader(f.CenterKeys, dataloadgen.WithWait(wait)),
	}
}

type ctxKey struct{}

// NewLazyContext returns ctx carrying loaders created on first use: a response that
// resolves no nested field (most subscription events, and every event whose rendering
// another subscriber shared) creates none.
func NewLazyContext(ctx context.Context, f Fetchers) context.Context {
	return context.WithValue(ctx, ctxKey{}, &lazy{f: f})
}

type lazy struct {
	once sync.Once
	f    Fetchers
	l    *Loaders
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders {
	switch l := ctx.Value(ctxKey{}).(type) {
	case *Loaders:
		return l
	case *lazy:
		l.once.Do(func() { l.l = New(l.f) })
		return l.l
	}
	panic("loader: no loaders in the context (the server sets them around each response)")
}
