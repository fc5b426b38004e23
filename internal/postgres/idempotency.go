package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/exchange"
)

// idempotent runs create at most once per (caller's center, key). The first request
// inserts the key row; a concurrent duplicate blocks on that row's unique index until
// the first commits, then finds it and gets the first result. When the first
// transaction fails the row goes with it, and the duplicate runs create itself.
//
// input must not include the key itself; it is hashed to tell a retry (same input)
// from a reuse (IDEMPOTENCY_KEY_REUSED).
func (tx *Tx) idempotent(ctx context.Context, key *string, operation string, input any,
	create func() (uuid.UUID, error)) (id uuid.UUID, replayed bool, err error) {
	c, err := tx.claimFor(key, operation, input)
	if err != nil || c == nil {
		if err == nil {
			id, err = create()
		}
		return id, false, err
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO idempotency_keys (scope, key, operation, request_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, c.scope, c.key, c.operation, c.hash, tx.now)
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		id, err := tx.replay(ctx, c)
		return id, err == nil, err
	}
	id, err = create()
	if err != nil {
		return uuid.Nil, false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET result_id = $3 WHERE scope = $1 AND key = $2`,
		c.scope, c.key, id); err != nil {
		return uuid.Nil, false, fmt.Errorf("record idempotency result: %w", err)
	}
	return id, false, nil
}

// idempotencyClaim is the key row a request claims: idempotent writes it on its own,
// a posting's publish folds it into the statement that inserts the posting.
type idempotencyClaim struct {
	scope, key, operation string
	hash                  []byte
}

// claimFor checks the key and hashes the input; nil for a request without a key.
func (tx *Tx) claimFor(key *string, operation string, input any) (*idempotencyClaim, error) {
	if key == nil {
		return nil, nil
	}
	k, err := exchange.CheckIdempotencyKey(*key)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("hash input: %w", err)
	}
	sum := sha256.Sum256(append([]byte(operation+"\x00"), body...))
	scope := "operator"
	if tx.caller != nil && tx.caller.CenterID != uuid.Nil {
		scope = tx.caller.CenterID.String()
	}
	return &idempotencyClaim{scope: scope, key: k, operation: operation, hash: sum[:]}, nil
}

// replay decides a request whose key another (committed) request claimed: the first
// result for the same input, IDEMPOTENCY_KEY_REUSED for another.
func (tx *Tx) replay(ctx context.Context, c *idempotencyClaim) (uuid.UUID, error) {
	var prevHash []byte
	var prevID *uuid.UUID
	err := tx.QueryRow(ctx, `SELECT request_hash, result_id FROM idempotency_keys WHERE scope = $1 AND key = $2`,
		c.scope, c.key).Scan(&prevHash, &prevID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, fmt.Errorf("idempotency key vanished under a concurrent request")
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if err := exchange.DecideIdempotentReplay(c.key, string(prevHash) == string(c.hash), prevID != nil); err != nil {
		return uuid.Nil, err
	}
	return *prevID, nil
}
