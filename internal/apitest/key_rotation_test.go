package apitest_test

import (
	"crypto"
	"encoding/json"
	"testing"
	"time"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/auth"
)

const (
	addKey = `mutation($in: AddCenterKeyInput!) { addCenterKey(input: $in) {
		centerKey { kid alg center { code } revokedAt } userErrors { field code message } } }`
	revokeKey = `mutation($kid: String!) { revokeCenterKey(input: {kid: $kid}) {
		centerKey { kid revokedAt } userErrors { field code message } } }`
)

func publicPEM(t *testing.T, k crypto.Signer) string {
	t.Helper()
	pem, err := auth.MarshalPublicKeyPEM(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem)
}

func possession(t *testing.T, k crypto.Signer, kid, center string) string {
	t.Helper()
	proof, err := auth.MintKeyPossession(k, kid, center, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return proof
}

func publishedKids(t *testing.T, e *apitest.Env, code string) []string {
	t.Helper()
	var doc struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(jwks(t, e, code), &doc); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range doc.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

// TestCenterKeyRotation is point 6 of issue 13: TNG's coordinator adds a new key with a
// proof of possession (every unsound attempt refused), uses it at once for tokens and
// agreement signatures, revokes the old key, after which the old key's tokens (cached
// before) and JWS are refused at once and the JWKS shows only the new key; the last
// active key cannot be revoked, nor another center's. Other instances hear of the
// revocation through the center_keys trigger, the path
// TestRevocationThroughOneInstanceIsRefusedOnAnotherWithinOneSecond measures.
func TestCenterKeyRotation(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	_, second := e.NewInstance(t, apitest.Options{})
	oldTok := tng.Token(t, "coordinator")
	for range 2 { // cached on both instances
		apitest.Post(t, e.Server.URL, oldTok, viewerQuery, nil).NoErrors(t)
		apitest.Post(t, second.URL, oldTok, viewerQuery, nil).NoErrors(t)
	}

	next, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	const kid2 = "TNG-2027"
	key := func(proof any) map[string]any {
		return in("centerCode", "TNG", "kid", kid2, "alg", "EdDSA", "publicKeyPem", publicPEM(t, next), "proof", proof)
	}
	for name, c := range map[string]struct {
		token string
		vars  map[string]any
		field string
		want  string
	}{
		"no proof":                    {oldTok, key(nil), `["input","proof"]`, "REQUIRED"},
		"proof signed by the old key": {oldTok, key(possession(t, tng.Key, kid2, "TNG")), `["input","proof"]`, "INVALID_SIGNATURE"},
		"proof for another center":    {oldTok, key(possession(t, next, kid2, "HPG")), `["input","proof"]`, "INVALID_SIGNATURE"},
		"proof for another kid":       {oldTok, key(possession(t, next, "TNG-other", "TNG")), `["input","proof"]`, "INVALID_SIGNATURE"},
		"an API token as proof": {oldTok, key(func() string {
			tok, err := auth.Mint(next, kid2, auth.Claims{Issuer: "TNG", Subject: kid2, TTL: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}()), `["input","proof"]`, "INVALID_SIGNATURE"},
		"a publisher":                  {tng.Token(t, "publisher"), key(possession(t, next, kid2, "TNG")), `null`, "FORBIDDEN"},
		"another center's coordinator": {hpg.Token(t, "coordinator"), key(possession(t, next, kid2, "TNG")), `["input","centerCode"]`, "FORBIDDEN"},
	} {
		r := e.Do(t, c.token, addKey, c.vars)
		if got := r.UserErrorCodes("addCenterKey"); len(got) != 1 || got[0] != c.want ||
			fmtJSON(r.Get("addCenterKey.userErrors.0.field")) != c.field {
			t.Errorf("%s: %s", name, r.Raw)
		}
	}
	if kids := publishedKids(t, e, "TNG"); len(kids) != 1 {
		t.Fatalf("a refused key was published: %v", kids)
	}

	r := e.Do(t, oldTok, addKey, key(possession(t, next, kid2, "TNG")))
	r.NoErrors(t)
	wantString(t, r, "addCenterKey.centerKey.center.code", "TNG")
	if kids := publishedKids(t, e, "TNG"); len(kids) != 2 || kids[1] != kid2 {
		t.Fatalf("JWKS after adding: %v", kids)
	}
	// The new key works at once, on every instance.
	rotated := &apitest.Center{ID: tng.ID, Code: "TNG", Key: next, KID: kid2}
	newTok := rotated.Token(t, "coordinator")
	apitest.Post(t, second.URL, newTok, viewerQuery, nil).NoErrors(t)

	// An agreement to sign after the rotation.
	r = e.Do(t, newTok, proposeAgreement, in("title", "Sau khi đổi khoá", "partyCenterCodes", []string{"HPG"},
		"terms", terms(quota("8153", 10, "TNG", "HPG"))))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	hash := r.String(t, "proposeAgreement.agreement.currentRevision.termsHash")

	// Revoke the old key with a token of the new one.
	wantCodes(t, e.Do(t, hpg.Token(t, "coordinator"), revokeKey, map[string]any{"kid": tng.KID}), "revokeCenterKey", "NOT_FOUND")
	r = e.Do(t, newTok, revokeKey, map[string]any{"kid": tng.KID})
	r.NoErrors(t)
	assertUnauthenticated(t, e.Do(t, oldTok, viewerQuery, nil))
	if kids := publishedKids(t, e, "TNG"); len(kids) != 1 || kids[0] != kid2 {
		t.Fatalf("JWKS after revoking the old key: %v", kids)
	}
	r = e.Do(t, newTok, signWithJWS, in("agreementId", id, "revision", 1, "jws", signJWS(t, tng, hash)))
	wantCodes(t, r, "signAgreement", "INVALID_SIGNATURE")
	r = e.Do(t, newTok, signWithJWS, in("agreementId", id, "revision", 1, "jws", signJWS(t, rotated, hash)))
	r.NoErrors(t)
	wantString(t, r, "signAgreement.agreement.signatures.0.kid", kid2)

	// The last active key stays; the operator could still revoke it.
	r = e.Do(t, newTok, revokeKey, map[string]any{"kid": kid2})
	wantCodes(t, r, "revokeCenterKey", "LAST_ACTIVE_KEY")
	apitest.Post(t, e.Server.URL, newTok, viewerQuery, nil).NoErrors(t)
}
