package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// ErrPIIKeyMismatch: the instance's PII key is not the one the database was written with.
var ErrPIIKeyMismatch = errors.New("the PII key (LABORX_PII_KEY) is not the one this database's national IDs " +
	"were protected with: start with the original key")

// CheckPIIKey stores the key check value on first use and afterwards compares it, so
// every instance on a database uses the same PII key.
func (db *DB) CheckPIIKey(ctx context.Context) error {
	want := db.PII.KeyCheck()
	var stored []byte
	err := db.Pool.QueryRow(ctx, `
		WITH ins AS (INSERT INTO pii_key_check (check_value) VALUES ($1) ON CONFLICT DO NOTHING RETURNING check_value)
		SELECT check_value FROM ins UNION ALL SELECT check_value FROM pii_key_check LIMIT 1`, want).Scan(&stored)
	if err != nil {
		return fmt.Errorf("check the PII key: %w", err)
	}
	if !bytes.Equal(stored, want) {
		return ErrPIIKeyMismatch
	}
	return nil
}
