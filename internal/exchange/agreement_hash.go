package exchange

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Hash versions of a revision's termsHash (AgreementRevision.hashVersion). Version 1
// covered the terms only (AgreementTerms.Hash); it is kept for the revisions stored
// before version 2, whose signatures name those hashes. Every new revision is version 2.
const (
	HashVersionTerms    = 1
	HashVersionRevision = 2
	// CurrentHashVersion is the version new revisions are stored with.
	CurrentHashVersion = HashVersionRevision
)

// RevisionDocument is what a version-2 termsHash covers and what a center's JWS signs:
// the agreement, the revision, its title, its parties and its terms.
type RevisionDocument struct {
	// AgreementID is the agreement's ID as the API gives it (Agreement.id), so a
	// signature of one agreement cannot be passed off as one of another with the same
	// terms.
	AgreementID string
	Revision    int
	Title       string
	PartyCodes  []string
	Terms       AgreementTerms
}

// CanonicalJSON returns the bytes a version-2 termsHash digests, an RFC 8785 (JCS)
// document:
//
//	{"agreement":S,"parties":[S,...],"revision":N,"terms":T,"title":S,"version":2}
//
// T is the version-1 terms object (see AgreementTerms.Hash, same rules for S, N, D and
// list order). Every string is first made valid UTF-8, trimmed and put in Unicode
// Normalization Form C, so the same words typed on two keyboards (precomposed "ế" or
// "ê" + U+0301) hash alike; center codes are upper-cased; parties are sorted and
// listed once.
func (d RevisionDocument) CanonicalJSON() []byte {
	parties := make([]string, 0, len(d.PartyCodes))
	for _, p := range d.PartyCodes {
		if c := nfc(centerCode(p)); !slices.Contains(parties, c) {
			parties = append(parties, c)
		}
	}
	slices.Sort(parties)
	var b []byte
	b = append(b, `{"agreement":`...)
	b = appendJSONString(b, d.AgreementID)
	b = append(b, `,"parties":[`...)
	for i, p := range parties {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p)
	}
	b = append(b, `],"revision":`...)
	b = strconv.AppendInt(b, int64(d.Revision), 10)
	b = append(b, `,"terms":`...)
	b = appendTermsJSON(b, d.Terms.NFC().Canonical())
	b = append(b, `,"title":`...)
	b = appendJSONString(b, nfc(cleanText(d.Title)))
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, HashVersionRevision, 10)
	return append(b, '}')
}

// Hash returns the version-2 termsHash: the lowercase hex SHA-256 of CanonicalJSON.
func (d RevisionDocument) Hash() string {
	sum := sha256.Sum256(d.CanonicalJSON())
	return hex.EncodeToString(sum[:])
}

// RevisionHash computes the termsHash of a revision stored with the given hash
// version, so a stored hash (and the signatures naming it) can be checked against the
// revision's content whatever version made it.
func RevisionHash(version int, d RevisionDocument) (string, error) {
	switch version {
	case HashVersionTerms:
		return d.Terms.Hash(), nil
	case HashVersionRevision:
		return d.Hash(), nil
	}
	return "", Errorf(CodeInvalid, "hash version %d is unknown (1 or 2)", version)
}

// NFC returns the terms with every text in Unicode Normalization Form C: what is
// stored, shown and hashed for a new revision.
func (t AgreementTerms) NFC() AgreementTerms {
	c := AgreementTerms{
		ValidFrom:        t.ValidFrom,
		ValidUntil:       t.ValidUntil,
		Quotas:           make([]QuotaLine, len(t.Quotas)),
		Responsibilities: make([]Responsibility, len(t.Responsibilities)),
		SupportPolicy:    nfc(t.SupportPolicy),
		Notes:            nfc(t.Notes),
	}
	for i, q := range t.Quotas {
		q.OccupationCode, q.FromCenterCode, q.ToCenterCode = nfc(q.OccupationCode), nfc(q.FromCenterCode), nfc(q.ToCenterCode)
		c.Quotas[i] = q
	}
	for i, r := range t.Responsibilities {
		c.Responsibilities[i] = Responsibility{CenterCode: nfc(r.CenterCode), Text: nfc(r.Text)}
	}
	return c
}

// NFCTitle is an agreement title as stored and hashed.
func NFCTitle(title string) string { return nfc(cleanText(title)) }

func nfc(s string) string { return norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD")) }
