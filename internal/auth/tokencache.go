package auth

import (
	"crypto"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
// verification established and never outlives a token's exp.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]verifiedToken
}

// verifiedToken is a token whose signature pub checked.
type verifiedToken struct {
	parsed *jwt.Token // its Claims are *tokenClaims; read, never written, once cached
	pub    crypto.PublicKey
}

func newTokenCache() *tokenCache { return &tokenCache{tokens: map[string]verifiedToken{}} }

func (c *tokenCache) get(token string) (verifiedToken, bool) {
	if c == nil {
		return verifiedToken{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[token]
	return t, ok
}

// put remembers a verified token. When the cache is full, the tokens past their exp
// leave first; if none has, the cache starts over (a burst of new callers costs one
// full verification each, never unbounded memory).
func (c *tokenCache) put(token string, t verifiedToken, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) >= maxVerifiedTokens {
		for k, v := range c.tokens {
			if exp := v.parsed.Claims.(*tokenClaims).ExpiresAt; exp == nil || !exp.Add(Leeway).After(now) {
				delete(c.tokens, k)
			}
		}
		if len(c.tokens) >= maxVerifiedTokens {
			clear(c.tokens)
		}
	}
	c.tokens[token] = t
}

func (c *tokenCache) drop(token string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tokens, token)
}

// samePublicKey reports whether a and b are the same key (every key type laborx
// accepts has an Equal method).
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
