package exchange

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"
)

// Kind names the type a global ID refers to.
type Kind string

// Kinds of objects reachable through node(id:).
const (
	KindCenter          Kind = "Center"
	KindCenterKey       Kind = "CenterKey"
	KindLaborDemand     Kind = "LaborDemand"
	KindLaborSupply     Kind = "LaborSupply"
	KindAgreement       Kind = "Agreement"
	KindReferral        Kind = "Referral"
	KindWorker          Kind = "Worker"
	KindExchangeSession Kind = "ExchangeSession"
	KindBenefitTransfer Kind = "BenefitTransfer"
	KindBenefitDocument Kind = "BenefitTransferDocument"
)

// GlobalID encodes a type and key as an opaque ID. Clients must not parse it; the
// encoding (base64url of "Kind:uuid") is an implementation detail.
func GlobalID(k Kind, id uuid.UUID) string {
	// Built on the stack and allocated once: a page of 50 demands makes 50 of them.
	var raw, enc [96]byte
	b := append(append(raw[:0], k...), ':')
	b = appendUUID(b, id)
	return string(base64.RawURLEncoding.AppendEncode(enc[:0], b))
}

// appendUUID appends id in its canonical text form, as id.String() spells it.
func appendUUID(b []byte, id uuid.UUID) []byte {
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

const hexDigits = "0123456789abcdef"

// ParseGlobalID decodes a global ID. A malformed ID reads as NOT_FOUND, like an ID
// that names nothing, so probing reveals nothing.
func ParseGlobalID(s string) (Kind, uuid.UUID, error) {
	notFound := Errorf(CodeNotFound, "no object has ID %q", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", uuid.Nil, notFound
	}
	kind, key, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", uuid.Nil, notFound
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return "", uuid.Nil, notFound
	}
	return Kind(kind), id, nil
}

// ParseGlobalIDOf decodes a global ID that must be of kind k.
func ParseGlobalIDOf(k Kind, s string) (uuid.UUID, error) {
	kind, id, err := ParseGlobalID(s)
	if err != nil {
		return uuid.Nil, err
	}
	if kind != k {
		return uuid.Nil, Errorf(CodeNotFound, "no %s has ID %q", k, s)
	}
	return id, nil
}

// NodeID is the demand's global ID (GraphQL's LaborDemand.id, resolved inline).
func (d *LaborDemand) NodeID() string { return GlobalID(KindLaborDemand, d.ID) }

// NodeID is the center's global ID (GraphQL's Center.id, resolved inline).
func (c *Center) NodeID() string { return GlobalID(KindCenter, c.ID) }
