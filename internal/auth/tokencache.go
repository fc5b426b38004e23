package auth

import (
	"crypto"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// maxVerifiedTokens bounds the verified-token cache: a client sends the same token
// with every request for up to an hour, so a few thousand cover every caller at once.
const maxVerifiedTokens = 4096

// tokenCache remembers the tokens whose signature Verify has checked, so a token seen
// again skips the decoding, the JSON and the signature (a few per cent of a page's CPU)
// and only what can change is checked again on every request: the time claims at now,
// and the signing key, looked up as on a first sight (revoked, expired, its center
// suspended, or no longer the key that signed: the token is then verified in full,
// which gives the refusal its exact reason). It holds only what a successful
// verification established. It is a bounded LRU: a burst of new callers evicts the
// least recently used tokens (an expired token is never used again, so it is among
// the first to go), at the price of one full verification each on their return.
type tokenCache struct {
	tokens *lru.Cache[string, verifiedToken]
}

// verifiedToken is a token whose signature pub checked.
type verifiedToken struct {
	parsed *jwt.Token // its Claims are *tokenClaims; read, never written, once cached
	pub    crypto.PublicKey
}

func newTokenCache() *tokenCache {
	c, err := lru.New[string, verifiedToken](maxVerifiedTokens)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &tokenCache{tokens: c}
}

func (c *tokenCache) get(token string) (verifiedToken, bool) {
	if c == nil {
		return verifiedToken{}, false
	}
	return c.tokens.Get(token)
}

// put remembers a verified token.
func (c *tokenCache) put(token string, t verifiedToken) {
	if c == nil {
		return
	}
	c.tokens.Add(token, t)
}

func (c *tokenCache) drop(token string) {
	if c == nil {
		return
	}
	c.tokens.Remove(token)
}

// samePublicKey reports whether a and b are the same key (every key type laborx
// accepts has an Equal method).
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
