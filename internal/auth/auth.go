// Package auth authenticates callers by the JWTs their center's own system signs
// (DESIGN §4): it picks the key by kid, refuses any algorithm but the key's own, checks
// the claims, and turns a good token into an exchange.Principal carried in the request
// context. It also holds the key utilities the command line uses to create keys, write
// JWKS files and mint tokens.
package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/laborx/laborx/internal/exchange"
)

const (
	// DefaultAudience is the aud claim tokens must carry unless configured otherwise.
	DefaultAudience = "laborx"
	// OperatorIssuer is the iss claim of national operator tokens.
	OperatorIssuer = "operator"
	// MaxTokenBytes bounds a token before any of it is decoded, so an oversized header
	// costs neither time nor memory.
	MaxTokenBytes = 8 << 10
	// maxHeaderBytes is MaxTokenBytes with room for "Bearer " and stray whitespace.
	maxHeaderBytes = MaxTokenBytes + 64
	// MaxLifetime is the longest a token may be valid (exp - iat).
	MaxLifetime = time.Hour
	// Leeway absorbs clock skew between a center's system and the exchange when checking
	// exp, nbf and iat.
	Leeway = 30 * time.Second
)

// Verifier checks bearer tokens. Its fields may be set after NewVerifier and before first
// use; it is safe for concurrent use.
type Verifier struct {
	// Keys finds center keys; it is consulted on every request so that revoking a key or
	// suspending a center takes effect on the next request on every instance.
	Keys exchange.KeyLookup
	// Operators holds the operator keys; nil refuses every operator token.
	Operators *KeySet
	// Audience is the required aud claim; empty means DefaultAudience.
	Audience string
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time

	cache  *keyCache
	tokens *tokenCache
}

// NewVerifier returns a Verifier for center keys found through keys and the given
// operator keys. An empty audience means DefaultAudience.
func NewVerifier(keys exchange.KeyLookup, operators *KeySet, audience string) *Verifier {
	if audience == "" {
		audience = DefaultAudience
	}
	return &Verifier{Keys: keys, Operators: operators, Audience: audience, cache: newKeyCache(), tokens: newTokenCache()}
}

// VerifyHeader verifies the value of an Authorization header (or the authorization
// member of a websocket connection_init payload): "Bearer <token>".
func (v *Verifier) VerifyHeader(ctx context.Context, authorization string) (*exchange.Principal, error) {
	if len(authorization) > maxHeaderBytes {
		return nil, refuse("token too large")
	}
	authorization = strings.TrimSpace(authorization)
	if authorization == "" {
		return nil, refuse("authentication required")
	}
	scheme, token, _ := strings.Cut(authorization, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, refuse("use an Authorization header of the form \"Bearer <token>\"")
	}
	return v.Verify(ctx, strings.TrimSpace(token))
}

// Verify checks a compact JWS token and returns the caller it authenticates. A refusal
// is an UNAUTHENTICATED *exchange.Error with a short message for the client; any other
// error (the key store failing) is the server's problem and must be reported as INTERNAL.
func (v *Verifier) Verify(ctx context.Context, token string) (*exchange.Principal, error) {
	if token == "" {
		return nil, refuse("authentication required")
	}
	if len(token) > MaxTokenBytes {
		return nil, refuse("token too large")
	}
	now := v.now()
	if t, ok := v.tokens.get(token); ok {
		if p, ok := v.again(ctx, t, now); ok {
			return p, nil
		}
		v.tokens.drop(token) // verified in full below, for the refusal's exact reason
	}
	var (
		claims tokenClaims
		center *exchange.CenterKey // nil for an operator token
		pub    crypto.PublicKey
	)
	parser := jwt.NewParser(parserOptions(now, v.audience())...)
	parsed, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		key, c, err := v.signingKey(ctx, t, now)
		pub, center = key, c
		return key, err
	})
	if err != nil {
		return nil, explain(err, parsed, &claims)
	}
	kid, _ := parsed.Header["kid"].(string)
	p, err := principal(&claims, center, kid, now)
	if err == nil {
		v.tokens.put(token, verifiedToken{parsed: parsed, pub: pub})
	}
	return p, err
}

// again accepts a token whose signature was verified before (tokenCache) when it
// still passes every check that depends on now or on the key store: the time
// claims and audience, the signing key looked up afresh (and still the key that
// signed), and principal's. Anything else is verified in full by the caller.
func (v *Verifier) again(ctx context.Context, t verifiedToken, now time.Time) (*exchange.Principal, bool) {
	claims := t.parsed.Claims.(*tokenClaims)
	if jwt.NewValidator(parserOptions(now, v.audience())...).Validate(claims) != nil {
		return nil, false
	}
	pub, center, err := v.signingKey(ctx, t.parsed, now)
	if err != nil || !samePublicKey(pub, t.pub) {
		return nil, false
	}
	kid, _ := t.parsed.Header["kid"].(string)
	p, err := principal(claims, center, kid, now)
	return p, err == nil
}

// parserOptions are the checks every JWT laborx reads gets: one of headerAlgs, strict
// base64, exp required and iat honoured at now with Leeway, and the audience.
func parserOptions(now time.Time, audience string) []jwt.ParserOption {
	return []jwt.ParserOption{
		jwt.WithValidMethods(headerAlgs),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithAudience(audience),
	}
}

// tokenClaims are the claims laborx reads (DESIGN §4).
type tokenClaims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles,omitempty"`
}

// lookupError marks a failure to look up or load a key, as opposed to a refusal of the
// token: the caller sees INTERNAL, not UNAUTHENTICATED.
type lookupError struct{ err error }

func (e *lookupError) Error() string { return e.err.Error() }
func (e *lookupError) Unwrap() error { return e.err }

// signingKey is the parser's key function: it runs after the header and claims are
// decoded and the header alg is one of headerAlgs, before the signature is checked.
func (v *Verifier) signingKey(ctx context.Context, t *jwt.Token, now time.Time) (crypto.PublicKey, *exchange.CenterKey, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 §4.1.11: a token whose critical extensions we do not understand is invalid.
		return nil, nil, refuse("unsupported critical header")
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, nil, refuse("token has no key id (kid)")
	}
	iss, _ := t.Claims.GetIssuer()
	switch iss {
	case "":
		return nil, nil, refuse("token has no issuer (iss)")
	case OperatorIssuer:
		pub, err := v.operatorKey(kid, t.Method.Alg())
		return pub, nil, err
	}
	return v.centerKey(ctx, kid, t.Method.Alg(), iss, now)
}

func (v *Verifier) operatorKey(kid, alg string) (crypto.PublicKey, error) {
	k, ok := v.Operators.lookup(kid)
	if !ok {
		return nil, refuse("unknown key")
	}
	if !acceptsAlg(k.alg, alg) {
		return nil, refuse("algorithm mismatch")
	}
	return k.pub, nil
}

// centerKey reads the key row on every request and only caches the parsed public key.
// Its refusals (revoked key, suspended center, a key of center A in a token issued by B)
// are tested against PostgreSQL at the HTTP level in internal/server.
func (v *Verifier) centerKey(ctx context.Context, kid, alg, iss string, now time.Time) (crypto.PublicKey, *exchange.CenterKey, error) {
	if v.Keys == nil {
		return nil, nil, refuse("unknown key")
	}
	key, err := v.Keys.CenterKeyByKID(ctx, kid)
	if exchange.ErrorCode(err) == exchange.CodeNotFound {
		return nil, nil, refuse("unknown key")
	}
	if err != nil {
		return nil, nil, &lookupError{fmt.Errorf("look up key %q: %w", kid, err)}
	}
	// authz: a center's key vouches only for tokens that center issued.
	if key.CenterCode != iss {
		return nil, nil, refuse("key does not belong to the issuer")
	}
	if !key.Usable(now) {
		return nil, nil, refuse(unusableReason(key, now))
	}
	if !acceptsAlg(key.Alg, alg) {
		return nil, nil, refuse("algorithm mismatch")
	}
	pub, err := v.cache.publicKey(kid, key.Alg, key.PublicKeyPEM)
	if err != nil {
		// %v, not %w: the INVALID_KEY code is for whoever registers a key, and must not
		// reach a caller whose token merely names a key stored broken.
		return nil, nil, &lookupError{fmt.Errorf("load key %q: %v", kid, err)}
	}
	return pub, key, nil
}

// unusableReason says why CenterKey.Usable refused key.
func unusableReason(key *exchange.CenterKey, now time.Time) string {
	switch {
	case key.RevokedAt != nil && !key.RevokedAt.After(now):
		return "key revoked"
	case key.NotAfter != nil && !key.NotAfter.After(now):
		return "key expired"
	case key.CenterStatus != exchange.CenterActive:
		return "center suspended"
	}
	return "key not usable"
}

// explain turns a parse failure into what the client is told.
func explain(err error, t *jwt.Token, c *tokenClaims) error {
	var lookup *lookupError
	if errors.As(err, &lookup) {
		return lookup.err
	}
	var refusal *exchange.Error
	if errors.As(err, &refusal) {
		return refusal
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return refuse("malformed token")
	case t == nil || t.Method == nil || !slices.Contains(headerAlgs, t.Method.Alg()):
		return refuse("unsupported algorithm")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refuse("invalid signature")
	case errors.Is(err, jwt.ErrTokenExpired):
		return refuse("token expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return refuse("token not valid yet (nbf)")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return refuse("token issued in the future (iat)")
	case c.ExpiresAt == nil:
		return refuse("token has no expiry (exp)")
	case len(c.Audience) == 0:
		return refuse("token has no audience (aud)")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return refuse("token is not for this audience (aud)")
	}
	return refuse("invalid token")
}

// principal applies the checks the parser does not know: subject, lifetime and roles.
func principal(c *tokenClaims, center *exchange.CenterKey, kid string, now time.Time) (*exchange.Principal, error) {
	if c.Subject == "" {
		return nil, refuse("token has no subject (sub)")
	}
	if tooLong(c, now) {
		return nil, refuse("token lifetime exceeds 1 hour")
	}
	if center == nil {
		// Operator keys only ever sign operator tokens, whatever roles they list.
		return &exchange.Principal{Subject: c.Subject, Roles: []exchange.Role{exchange.RoleOperator}, KeyID: kid, ExpiresAt: c.ExpiresAt.Time}, nil
	}
	roles, err := centerRoles(c.Roles)
	if err != nil {
		return nil, err
	}
	return &exchange.Principal{
		CenterID:   center.CenterID,
		CenterCode: center.CenterCode,
		Subject:    c.Subject,
		Roles:      roles,
		KeyID:      kid,
		ExpiresAt:  c.ExpiresAt.Time,
	}, nil
}

// tooLong reports whether the token lives longer than MaxLifetime: exp - iat, or
// without iat, how long it has left, forgiving Leeway since that compares the issuer's
// clock with ours.
func tooLong(c *tokenClaims, now time.Time) bool {
	exp := c.ExpiresAt.Time // the parser requires exp
	if c.IssuedAt != nil {
		return exp.Sub(c.IssuedAt.Time) > MaxLifetime
	}
	return exp.Sub(now) > MaxLifetime+Leeway
}

// centerRoles parses a center token's roles claim. Unknown names are ignored so centers
// may carry roles of their own systems; the operator role is refused outright because
// only operator keys may grant it.
func centerRoles(names []string) ([]exchange.Role, error) {
	var roles []exchange.Role
	for _, name := range names {
		r, ok := exchange.ParseRole(name)
		switch {
		case !ok:
			continue
		case r == exchange.RoleOperator:
			return nil, refuse("center tokens may not carry the operator role")
		case !slices.Contains(roles, r):
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, refuse("token has no valid role (roles: publisher, coordinator or viewer)")
	}
	return roles, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) audience() string {
	if v.Audience != "" {
		return v.Audience
	}
	return DefaultAudience
}

func refuse(msg string) *exchange.Error {
	return exchange.Errorf(exchange.CodeUnauthenticated, "%s", msg)
}

// principalKey is the context key of the authenticated caller.
type principalKey struct{}

// NewContext returns a context carrying the authenticated caller.
func NewContext(ctx context.Context, p *exchange.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the authenticated caller, or nil for an anonymous request.
func FromContext(ctx context.Context) *exchange.Principal {
	p, _ := ctx.Value(principalKey{}).(*exchange.Principal)
	return p
}

// Recheck confirms that the caller's token would still be accepted apart from its
// expiry: its key is still registered to its center, unrevoked and unexpired, and the
// center still active. Long-lived connections (subscriptions) call it before each
// delivery, so a revocation or suspension ends them at once instead of when the token
// expires. Operator keys are fixed for the life of the process.
func (v *Verifier) Recheck(ctx context.Context, p *exchange.Principal) error {
	if p == nil {
		return refuse("authentication required")
	}
	if p.IsOperator() {
		return nil
	}
	key, err := v.Keys.CenterKeyByKID(ctx, p.KeyID)
	if exchange.ErrorCode(err) == exchange.CodeNotFound {
		return refuse("unknown key")
	}
	if err != nil {
		return fmt.Errorf("recheck key %q: %w", p.KeyID, err)
	}
	// authz: the same conditions as at verification, read again.
	if key.CenterID != p.CenterID || !key.Usable(v.now()) {
		return refuse(unusableReason(key, v.now()))
	}
	return nil
}
