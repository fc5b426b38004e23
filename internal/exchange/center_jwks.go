package exchange

import "time"

// PublishedCenterKeys picks, of one center's keys, those its JWKS document
// (/.well-known/centers/{code}/jwks.json) publishes: the keys usable now. A public key
// is no secret, and anyone who holds a token or a signed agreement of the center
// checks it against these; revoked or expired keys, and every key of a center that is
// not active, are left out so that nothing they signed verifies as current.
func PublishedCenterKeys(keys []*CenterKey, now time.Time) []*CenterKey {
	out := make([]*CenterKey, 0, len(keys))
	for _, k := range keys {
		// authz: public keys are public, but only while usable.
		if k.Usable(now) {
			out = append(out, k)
		}
	}
	return out
}
