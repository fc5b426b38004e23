// Package proof checks an agreement's signatures offline, as any third party can: from
// the agreement as the API returns it and the parties' published keys, with no access
// to the exchange. It recomputes each revision's termsHash from the title, parties and
// terms (exchange.RevisionHash) and verifies each signature's detached JWS over it with
// the signing center's key. `laborx agreement verify FILE` runs it; the file format and
// the recipe to make one are in docs/agreement-signatures.md.
package proof

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// Query is the GraphQL query whose data.agreement is File.Agreement (a party's or an
// operator's token; $id is the agreement's ID). docs/agreement-signatures.md shows it.
const Query = `query AgreementForVerification($id: ID!) {
  agreement: node(id: $id) {
    ... on Agreement {
      id
      title
      parties { code }
      revisions {
        number
        hashVersion
        termsHash
        terms {
          validFrom
          validUntil
          quotas { occupationCode workers fromCenterCode toCenterCode }
          responsibilities { centerCode text }
          supportPolicy
          notes
        }
      }
      signatures { center { code } revision termsHash kid alg jws }
    }
  }
}`

// File is what `laborx agreement verify` reads: the agreement, as the documented
// GraphQL query returns it, and each party's JWKS document
// (/.well-known/centers/{code}/jwks.json) by center code.
type File struct {
	Agreement *Agreement                 `json:"agreement"`
	JWKS      map[string]json.RawMessage `json:"jwks"`
}

// Agreement holds the fields of Agreement the check reads.
type Agreement struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Parties []struct {
		Code string `json:"code"`
	} `json:"parties"`
	Revisions []struct {
		Number      int             `json:"number"`
		HashVersion int             `json:"hashVersion"`
		TermsHash   string          `json:"termsHash"`
		Terms       json.RawMessage `json:"terms"`
	} `json:"revisions"`
	Signatures []Signature `json:"signatures"`
}

// Signature holds the fields of AgreementSignature the check reads.
type Signature struct {
	Center struct {
		Code string `json:"code"`
	} `json:"center"`
	Revision  int     `json:"revision"`
	TermsHash string  `json:"termsHash"`
	Kid       *string `json:"kid"`
	Alg       *string `json:"alg"`
	JWS       *string `json:"jws"`
}

// Result is the verdict on one signature: Problem is empty when it is proven.
type Result struct {
	Center   string
	Revision int
	Kid, Alg string
	Problem  string
}

// ErrUnproven is returned by Run when a signature is missing its proof or fails it.
var ErrUnproven = errors.New("not every signature is proven")

// Parse reads a File. It also accepts a whole GraphQL response whose data holds
// agreement, with jwks beside data.
func Parse(r io.Reader) (*File, error) {
	var doc struct {
		File
		Data *struct {
			Agreement *Agreement `json:"agreement"`
		} `json:"data"`
	}
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("read agreement file: %w", err)
	}
	f := doc.File
	if f.Agreement == nil && doc.Data != nil {
		f.Agreement = doc.Data.Agreement
	}
	if f.Agreement == nil {
		return nil, errors.New(`read agreement file: no "agreement" object`)
	}
	return &f, nil
}

// Verify checks every signature of the file's agreement. An error means the file
// itself cannot be checked (a revision's terms do not parse).
func Verify(f *File) ([]Result, error) {
	a := f.Agreement
	parties := make([]string, len(a.Parties))
	for i, p := range a.Parties {
		parties[i] = p.Code
	}
	// Each revision's content must hash to its termsHash.
	hashes := map[int]string{}
	mismatched := map[int]string{}
	for _, rev := range a.Revisions {
		terms, err := exchange.ParseTermsJSON(rev.Terms)
		if err != nil {
			return nil, fmt.Errorf("revision %d: %w", rev.Number, err)
		}
		got, err := exchange.RevisionHash(rev.HashVersion, exchange.RevisionDocument{
			AgreementID: a.ID, Revision: rev.Number, Title: a.Title, PartyCodes: parties, Terms: terms})
		if err != nil {
			return nil, fmt.Errorf("revision %d: %s", rev.Number, exchange.ErrorMessage(err))
		}
		hashes[rev.Number] = rev.TermsHash
		if got != rev.TermsHash {
			mismatched[rev.Number] = got
		}
	}
	keySets := map[string]*auth.KeySet{}
	results := make([]Result, 0, len(a.Signatures))
	for _, s := range a.Signatures {
		res := Result{Center: s.Center.Code, Revision: s.Revision}
		res.Problem = checkSignature(&res, s, hashes, mismatched, func(code string) (*auth.KeySet, error) {
			if ks, ok := keySets[code]; ok {
				return ks, nil
			}
			raw, ok := f.JWKS[code]
			if !ok {
				return nil, fmt.Errorf("the file has no JWKS for center %s", code)
			}
			ks, err := auth.ParseJWKS(raw)
			if err != nil {
				return nil, fmt.Errorf("center %s: %w", code, err)
			}
			keySets[code] = ks
			return ks, nil
		})
		results = append(results, res)
	}
	return results, nil
}

// checkSignature returns what is wrong with s, or "" when its JWS proves it.
func checkSignature(res *Result, s Signature, hashes, mismatched map[int]string, keys func(string) (*auth.KeySet, error)) string {
	hash, ok := hashes[s.Revision]
	switch {
	case !ok:
		return fmt.Sprintf("the file has no revision %d", s.Revision)
	case mismatched[s.Revision] != "":
		return fmt.Sprintf("revision %d's title, parties and terms hash to %s, not to its termsHash %s: the content was changed",
			s.Revision, mismatched[s.Revision], hash)
	case s.TermsHash != hash:
		return fmt.Sprintf("the signature names termsHash %s, not revision %d's %s", s.TermsHash, s.Revision, hash)
	case s.JWS == nil || *s.JWS == "":
		return "no JWS: the signature was recorded without a proof"
	}
	j, err := auth.ParseDetachedJWS(*s.JWS)
	if err != nil {
		return exchange.ErrorMessage(err)
	}
	res.Kid, res.Alg = j.Kid, j.Alg
	if s.Kid != nil && *s.Kid != j.Kid {
		return fmt.Sprintf("the signature says key %q but its JWS names %q", *s.Kid, j.Kid)
	}
	ks, err := keys(s.Center.Code)
	if err != nil {
		return err.Error()
	}
	alg, pub, ok := ks.PublicKey(j.Kid)
	if !ok {
		return fmt.Sprintf("key %q is not in center %s's JWKS (not its key, or no longer published)", j.Kid, s.Center.Code)
	}
	if err := j.Verify([]byte(hash), alg, pub); err != nil {
		return exchange.ErrorMessage(err)
	}
	return ""
}

// Run verifies the file read from r and writes one line per signature to w. It
// returns ErrUnproven when any signature is not proven.
func Run(r io.Reader, w io.Writer) error {
	f, err := Parse(r)
	if err != nil {
		return err
	}
	results, err := Verify(f)
	if err != nil {
		return err
	}
	failed := 0
	for _, res := range results {
		if res.Problem == "" {
			fmt.Fprintf(w, "ok      %s signed revision %d: JWS verified with key %s (%s)\n", res.Center, res.Revision, res.Kid, res.Alg)
			continue
		}
		failed++
		fmt.Fprintf(w, "FAILED  %s signed revision %d: %s\n", res.Center, res.Revision, res.Problem)
	}
	fmt.Fprintf(w, "agreement %s: %d of %d signatures proven\n", f.Agreement.ID, len(results)-failed, len(results))
	if failed > 0 || len(results) == 0 {
		return ErrUnproven
	}
	return nil
}
