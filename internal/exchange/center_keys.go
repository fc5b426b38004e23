package exchange

import (
	"strings"
	"time"
)

// Key rotation by the centers themselves (issue 13, point 6). The operator registers
// and revokes any key (DecideDirectoryChange). A center's coordinator may add a key
// for the own center and revoke one of its own keys, under two conditions that keep a
// center from locking itself out or taking a key it does not hold:
//
//   - adding: the request is authenticated by a token signed with an active key of the
//     center (every center token is), and carries a proof of possession of the new key,
//     a short-lived JWT signed with the new private key (auth.VerifyKeyPossession). A
//     stolen coordinator token therefore cannot register a key without holding it, and
//     nobody can register another party's public key as theirs.
//   - revoking: the key is the center's own and another active key of the center stays.

// KeyPossessionAudience is the aud claim of a proof of possession: never that of an
// API token, so a proof is no token and a token is no proof.
const KeyPossessionAudience = "laborx:key-possession"

// DecideAddKey decides who may add a key for the center with code centerCode. It
// reports whether the caller is a coordinator adding a key for its own center, who
// must then send a proof of possession.
func DecideAddKey(p *Principal, centerCode string, proof *string) (needsProof bool, err error) {
	if err := Authenticated(p); err != nil {
		return false, err
	}
	// authz: the operator adds keys for any center; a coordinator only for its own.
	switch {
	case p.IsOperator():
		return false, nil
	case !p.Has(RoleCoordinator):
		return false, Errorf(CodeForbidden, "adding a key needs the coordinator role")
	case NormalizeCenterCode(centerCode) != p.CenterCode:
		return false, FieldErrorf(fieldOf("centerCode"), CodeForbidden,
			"center %s's coordinator may add keys for %s only", p.CenterCode, p.CenterCode)
	case proof == nil || strings.TrimSpace(*proof) == "":
		return false, FieldErrorf(fieldOf("proof"), CodeRequired,
			"a coordinator adding a key proves holding it: a JWT signed with the new key (see the input's documentation)")
	}
	return true, nil
}

// InvalidKeyProof is the refusal of a proof of possession, at input.proof.
func InvalidKeyProof(format string, args ...any) *Error {
	return FieldErrorf(fieldOf("proof"), CodeInvalidSignature, format, args...)
}

// DecideRevokeOwnKey decides a revocation of key k (nil: no key has kid) by p.
// usableOthers counts the center's other keys usable at now, read while the center's
// keys are locked so two revocations cannot each leave the other as the last.
func DecideRevokeOwnKey(p *Principal, k *CenterKey, kid string, usableOthers int) error {
	if err := Authenticated(p); err != nil {
		return err
	}
	if p.IsOperator() {
		// authz: the operator revokes any key, the last one too (a compromise).
		return DecideRevokeKey(k, kid)
	}
	// authz: a coordinator revokes keys of its own center only; another center's key
	// reads as no key at all.
	if !p.Has(RoleCoordinator) {
		return Errorf(CodeForbidden, "revoking a key needs the coordinator role")
	}
	if k != nil && k.CenterID != p.CenterID {
		k = nil
	}
	if err := DecideRevokeKey(k, kid); err != nil {
		return err
	}
	if usableOthers == 0 {
		return FieldErrorf(fieldOf("kid"), CodeLastActiveKey,
			"key %q is center %s's last active key: add its successor first", kid, p.CenterCode)
	}
	return nil
}

// UsableKeys counts the keys usable at now.
func UsableKeys(keys []*CenterKey, now time.Time) int {
	n := 0
	for _, k := range keys {
		if k.Usable(now) {
			n++
		}
	}
	return n
}
