package apitest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/laborx/laborx/internal/apitest"
	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/proof"
)

const signWithJWS = `mutation($in: SignAgreementInput!) { signAgreement(input: $in) {
	agreement { status signatures { center { code } revision termsHash kid alg jws } }
	userErrors { field message code } } }`

// jwks fetches a center's published keys the way an integrator would.
func jwks(t *testing.T, e *apitest.Env, code string) json.RawMessage {
	t.Helper()
	resp, err := http.Get(e.Server.URL + "/.well-known/centers/" + code + "/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET jwks of %s: %d %v %s", code, resp.StatusCode, err, body)
	}
	return body
}

func signJWS(t *testing.T, c *apitest.Center, hash string) string {
	t.Helper()
	jws, err := auth.SignDetached(c.Key, c.KID, []byte(hash))
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

// TestAgreementSignedWithJWS is point 5 of issue 13 end to end: both parties sign with
// a detached JWS made with their own registered keys; forged, tampered and foreign
// proofs are refused with INVALID_SIGNATURE and sign nothing; the agreement fetched
// with the documented query plus the parties' JWKS verifies offline, and any change to
// the fetched content or proof makes the offline check fail.
func TestAgreementSignedWithJWS(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	tng, hpg := e.AddCenter(t, "TNG", "19"), e.AddCenter(t, "HPG", "31")
	r := e.Do(t, tng.Token(t, "coordinator"), proposeAgreement, in("title", "Cung ứng lao động 2026",
		"partyCenterCodes", []string{"HPG"}, "terms", map[string]any{
			"validFrom": terms()["validFrom"], "validUntil": terms()["validUntil"],
			"quotas": []any{quota("8153", 30, "TNG", "HPG")},
			// Typed with combining marks: stored and hashed in NFC.
			"responsibilities": []any{map[string]any{"centerCode": "HPG", "text": "Nha\u0300 o\u031b\u0309 cho ngu\u031bo\u031b\u0300i lao đô\u0323ng"}},
		}))
	r.NoErrors(t)
	id := r.String(t, "proposeAgreement.agreement.id")
	hash := r.String(t, "proposeAgreement.agreement.currentRevision.termsHash")
	if got := r.String(t, "proposeAgreement.agreement.currentRevision.terms.responsibilities.0.text"); got != "Nhà ở cho người lao động" {
		t.Fatalf("responsibility stored as %q, want NFC", got)
	}
	hpgCoord := hpg.Token(t, "coordinator")
	sign := func(token, jws string) *apitest.Response {
		return e.Do(t, token, signWithJWS, in("agreementId", id, "revision", 1, "jws", jws))
	}

	good := signJWS(t, hpg, hash)
	other, err := auth.GenerateEd25519()
	if err != nil {
		t.Fatal(err)
	}
	forged, err := auth.SignDetached(other, hpg.KID, []byte(hash)) // HPG's kid, someone else's key
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(good, "..")
	for name, jws := range map[string]string{
		"tampered signature":    good[:len(good)-2] + flip(good[len(good)-2:]),
		"another hash":          signJWS(t, hpg, strings.Repeat("0", 64)),
		"TNG's key":             signJWS(t, tng, hash),
		"forged with HPG's kid": forged,
		"not detached":          head + ".eyJ4IjoxfQ." + good[len(head)+2:],
		"garbage":               "not a jws",
	} {
		r := sign(hpgCoord, jws)
		wantCodes(t, r, "signAgreement", "INVALID_SIGNATURE")
		if f := r.Get("signAgreement.userErrors.0.field"); fmtJSON(f) != `["input","jws"]` {
			t.Errorf("%s: field %s", name, fmtJSON(f))
		}
		if r.Get("signAgreement.agreement") != nil {
			t.Errorf("%s: signed anyway: %s", name, r.Raw)
		}
	}

	r = sign(hpgCoord, good)
	r.NoErrors(t)
	wantString(t, r, "signAgreement.agreement.signatures.0.kid", hpg.KID)
	wantString(t, r, "signAgreement.agreement.signatures.0.alg", "EdDSA")
	wantString(t, r, "signAgreement.agreement.signatures.0.jws", good)
	r = sign(tng.Token(t, "coordinator"), signJWS(t, tng, hash))
	r.NoErrors(t)
	wantString(t, r, "signAgreement.agreement.status", "SIGNED")

	// Offline: the documented query and the two JWKS documents are all it takes.
	q := e.Do(t, hpgCoord, proof.Query, map[string]any{"id": id})
	q.NoErrors(t)
	if v := q.Int(t, "agreement.revisions.0.hashVersion"); v != 2 {
		t.Fatalf("hashVersion %d, want 2", v)
	}
	file := map[string]any{"agreement": q.Data["agreement"],
		"jwks": map[string]json.RawMessage{"TNG": jwks(t, e, "TNG"), "HPG": jwks(t, e, "HPG")}}
	out, err := verifyOffline(t, file)
	if err != nil || !strings.Contains(out, "2 of 2 signatures proven") {
		t.Fatalf("offline verification: %v\n%s", err, out)
	}

	for name, tc := range map[string]struct {
		change func(a map[string]any, keys map[string]json.RawMessage)
		want   string
	}{
		"title changed": {func(a map[string]any, _ map[string]json.RawMessage) { a["title"] = "Cung ứng lao động 2027" },
			"the content was changed"},
		"workers changed": {func(a map[string]any, _ map[string]json.RawMessage) {
			rev := a["revisions"].([]any)[0].(map[string]any)
			rev["terms"].(map[string]any)["quotas"].([]any)[0].(map[string]any)["workers"] = 300
		}, "the content was changed"},
		"a party added": {func(a map[string]any, _ map[string]json.RawMessage) {
			a["parties"] = append(a["parties"].([]any), map[string]any{"code": "BNH"})
		}, "the content was changed"},
		"JWS tampered": {func(a map[string]any, _ map[string]json.RawMessage) {
			s := a["signatures"].([]any)[0].(map[string]any)
			jws := s["jws"].(string)
			s["jws"] = jws[:len(jws)-2] + flip(jws[len(jws)-2:])
		}, "does not verify"},
		"wrong center's keys": {func(_ map[string]any, keys map[string]json.RawMessage) { keys["HPG"] = keys["TNG"] },
			"is not in center HPG's JWKS"},
	} {
		a := cloneJSON(t, q.Data["agreement"]).(map[string]any)
		keys := map[string]json.RawMessage{"TNG": jwks(t, e, "TNG"), "HPG": jwks(t, e, "HPG")}
		tc.change(a, keys)
		out, err := verifyOffline(t, map[string]any{"agreement": a, "jwks": keys})
		if !errors.Is(err, proof.ErrUnproven) || !strings.Contains(out, tc.want) {
			t.Errorf("%s: err %v, want %q in\n%s", name, err, tc.want, out)
		}
	}
}

// verifyOffline runs what `laborx agreement verify FILE` runs on the file's JSON.
func verifyOffline(t *testing.T, file any) (string, error) {
	t.Helper()
	raw, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = proof.Run(bytes.NewReader(raw), &out)
	return out.String(), err
}

// flip changes a base64url text without changing its length.
func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func cloneJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
