package exchange

import "github.com/google/uuid"

// One lifecycle for postings, demand and supply alike: the owning center's staff
// publish them and change them until the owner ends them (closes a demand, withdraws a
// supply); an ended posting never changes again. Status is derived, never stored:
// DemandStatusAt and SupplyStatusAt, with their SQL twins in the store proven equal by
// a table test there.

// PostingKind names what differs between demand and supply in the lifecycle's refusals.
type PostingKind struct {
	Kind Kind
	// IDField is the input field of the posting's ID.
	IDField string
	// Noun is how messages name the posting ("labor demand").
	Noun string
	// Ended is the status of an ended posting ("closed", "withdrawn"); EndedNoun reads
	// "a closed demand".
	Ended, EndedNoun string
}

var (
	DemandPosting = PostingKind{Kind: KindLaborDemand, IDField: "laborDemandId", Noun: "labor demand",
		Ended: "closed", EndedNoun: "demand"}
	SupplyPosting = PostingKind{Kind: KindLaborSupply, IDField: "laborSupplyId", Noun: "labor supply",
		Ended: "withdrawn", EndedNoun: "supply"}
)

// PostingAction is what a posting's owner does to it.
type PostingAction int

const (
	// PostingUpdate changes the posting's fields.
	PostingUpdate PostingAction = iota
	// PostingEnd closes a demand or withdraws a supply, for good.
	PostingEnd
)

// PostingFacts are what the store loaded (and locked) of a posting; Found is false
// when no posting has the ID.
type PostingFacts struct {
	Found   bool
	OwnerID uuid.UUID
	Version int
	Ended   bool
}

// DecidePublish is who publishes and changes postings (and schedules sessions).
func DecidePublish(p *Principal) error {
	if err := p.Require(RolePublisher); err != nil {
		return err
	}
	// authz: publishing and changing postings needs a center's publisher or coordinator.
	if p.CenterID == uuid.Nil {
		return Errorf(CodeForbidden, "only a center's staff publish postings")
	}
	return nil
}

// DecideReadMarket is who reads demand and supply.
func DecideReadMarket(p *Principal) error {
	// authz: every role may read the market, operators too.
	if p.IsOperator() {
		return nil
	}
	return p.Require(RoleViewer)
}

// DecidePosting decides an owner's action on a posting: another center's posting does
// not exist for the caller (NOT_FOUND, whether or not it can see it), the version must
// match, and an ended posting neither changes nor ends again.
func DecidePosting(k PostingKind, p *Principal, f PostingFacts, expectedVersion *int, a PostingAction) error {
	// authz: only the owning center changes a posting; to others it does not exist.
	if !f.Found || f.OwnerID != p.CenterID {
		return FieldErrorf(fieldOf(k.IDField), CodeNotFound, "no such %s", k.Noun)
	}
	if err := CheckVersion(expectedVersion, f.Version); err != nil {
		return err
	}
	switch {
	case f.Ended && a == PostingUpdate:
		return Errorf(CodeInvalidTransition, "a %s %s cannot change", k.Ended, k.EndedNoun)
	case f.Ended && a == PostingEnd:
		return Errorf(CodeInvalidTransition, "the %s is already %s", k.EndedNoun, k.Ended)
	}
	return nil
}
