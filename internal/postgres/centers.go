package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
)

// CenterService implements exchange.CenterService.
type CenterService struct {
	db *DB
	// keysChanged runs after a commit that may make keys unusable (OnKeysChanged).
	keysChanged func()
}

// NewCenterService returns the center directory service.
func NewCenterService(db *DB) *CenterService { return &CenterService{db: db} }

var _ exchange.CenterService = (*CenterService)(nil)

const centerColumns = `id, code, name, province_code, email, phone, status, created_at, updated_at, version`

func getCenter(ctx context.Context, q DBTX, where string, arg any, lock bool) (*exchange.Center, error) {
	sql := `SELECT ` + centerColumns + ` FROM centers WHERE ` + where
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, _ := q.Query(ctx, sql, arg)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.Center])
	if err != nil {
		return nil, translate(err)
	}
	return c, nil
}

// Center returns a center by id. The directory is public to every authenticated caller.
func (s *CenterService) Center(ctx context.Context, id uuid.UUID) (*exchange.Center, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Center, error) { return getCenter(ctx, tx, `id = $1`, id, false) })
}

// CenterByCode returns a center by its code.
func (s *CenterService) CenterByCode(ctx context.Context, code string) (*exchange.Center, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Center, error) {
		c, err := getCenter(ctx, tx, `code = $1`, exchange.NormalizeCenterCode(code), false)
		if err != nil {
			return nil, notFoundAs(err, exchange.NoCenter(code))
		}
		return c, nil
	})
}

// CentersByIDs loads centers for a dataloader; missing ids are simply absent.
func (s *CenterService) CentersByIDs(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]*exchange.Center, error) {
	list, err := readEach(ctx, s.db, func(q DBTX, _ time.Time) ([]*exchange.Center, error) {
		rows, _ := q.Query(ctx, `SELECT `+centerColumns+` FROM centers WHERE id = ANY($1)`, ids)
		return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.Center])
	})
	if err != nil {
		return nil, fmt.Errorf("load centers: %w", err)
	}
	out := make(map[uuid.UUID]*exchange.Center, len(list))
	for _, c := range list {
		out[c.ID] = c
	}
	return out, nil
}

// Centers lists the directory ordered by code.
func (s *CenterService) Centers(ctx context.Context, f exchange.CenterFilter, page exchange.PageArgs) (*exchange.Page[*exchange.Center], error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	var after []any
	var code string
	if ok, err := decodeCursor(page.After, &code); err != nil {
		return nil, err
	} else if ok {
		after = []any{code, code}
	}
	w := &sqlWhere{}
	if provinces := expandProvinceCodes(s.db.Catalog, f.ProvinceCodes); provinces != nil {
		w.add(`province_code = ANY(%s)`, w.arg(provinces))
	}
	if len(f.Statuses) > 0 {
		w.add(`status = ANY(%s)`, w.arg(textsOf(f.Statuses)))
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.Page[*exchange.Center], error) {
		// Codes are unique: the code is the key and the tie-breaker.
		return listPage(ctx, tx, centerColumns, "centers", "centers", w, keysetOrder{key: "code", id: "code"}, after, page,
			func(c *exchange.Center) string { return encodeCursor(c.Code) })
	})
}

// expandProvinceCodes maps filter codes to current provinces (06 Bắc Kạn → 19 Thái
// Nguyên) and keeps the original codes too, so records from before 2025 are found.
// nil means no filter.
func expandProvinceCodes(cat *exchange.Catalog, codes []string) []string {
	if codes == nil {
		return nil
	}
	out := []string{}
	for _, c := range codes {
		out = append(out, c)
		if p, ok := cat.CurrentProvince(c); ok && p.Code != c {
			out = append(out, p.Code)
		}
	}
	return out
}

// RegisterCenter adds a center to the exchange.
func (s *CenterService) RegisterCenter(ctx context.Context, in exchange.RegisterCenterInput) (*exchange.Center, error) {
	// authz: DecideDirectoryChange.
	if err := exchange.DecideDirectoryChange(auth.FromContext(ctx)); err != nil {
		return nil, err
	}
	in.Code = strings.TrimSpace(in.Code)
	if err := exchange.ValidateRegisterCenter(s.db.Catalog, in).Err(); err != nil {
		return nil, err
	}
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Center, error) {
		id, _, err := tx.idempotent(ctx, in.IdempotencyKey, "registerCenter", in, func() (uuid.UUID, error) {
			var id uuid.UUID
			err := tx.QueryRow(ctx, `
				INSERT INTO centers (code, name, province_code, email, phone, created_at, updated_at)
				VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''), $6, $6) RETURNING id`,
				in.Code, strings.TrimSpace(in.Name), in.ProvinceCode, in.Email, in.Phone, tx.now).Scan(&id)
			if err != nil {
				return uuid.Nil, err
			}
			return id, tx.centerChanged(ctx, id, exchange.ActionCreated)
		})
		if err != nil {
			return nil, err
		}
		return getCenter(ctx, tx, `id = $1`, id, false)
	})
}

// centerChanged audits and publishes a change to a center's record.
func (tx *Tx) centerChanged(ctx context.Context, id uuid.UUID, action exchange.ChangeAction) error {
	c, err := getCenter(ctx, tx, `id = $1`, id, false)
	if err != nil {
		return err
	}
	if err := tx.audit(ctx, action.AuditName("center"), exchange.KindCenter, id, map[string]any{"code": c.Code}); err != nil {
		return err
	}
	err = tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindCenter, EntityID: id, Action: action, Audience: exchange.AudienceAll,
	}, map[string]any{"code": c.Code, "name": c.Name, "provinceCode": c.ProvinceCode, "status": c.Status, "version": c.Version})
	return err
}

// lockCenterForUpdate loads a center by code for an operator's change and checks the
// expected version.
func (tx *Tx) lockCenterForUpdate(ctx context.Context, code string, expectedVersion *int) (*exchange.Center, error) {
	c, err := getCenter(ctx, tx, `code = $1`, exchange.NormalizeCenterCode(code), true)
	if err != nil {
		return nil, notFoundAs(err, exchange.NoCenter(code).At("centerCode"))
	}
	if err := exchange.CheckVersion(expectedVersion, c.Version); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCenter changes a center's details.
func (s *CenterService) UpdateCenter(ctx context.Context, in exchange.UpdateCenterInput) (*exchange.Center, error) {
	// authz: DecideDirectoryChange.
	if err := exchange.DecideDirectoryChange(auth.FromContext(ctx)); err != nil {
		return nil, err
	}
	if err := exchange.ValidateCenterDetails(s.db.Catalog, in.Name, in.ProvinceCode, in.Email, in.Phone).Err(); err != nil {
		return nil, err
	}
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Center, error) {
		c, err := tx.lockCenterForUpdate(ctx, in.CenterCode, in.ExpectedVersion)
		if err != nil {
			return nil, err
		}
		_, err = tx.Exec(ctx, `UPDATE centers SET name = coalesce($2, name), province_code = coalesce($3, province_code),
			-- nil keeps the value, "" clears it.
			email = CASE WHEN $4::text IS NULL THEN email ELSE NULLIF($4, '') END,
			phone = CASE WHEN $5::text IS NULL THEN phone ELSE NULLIF($5, '') END,
			updated_at = $6, version = version + 1 WHERE id = $1`,
			c.ID, trimPtr(in.Name), in.ProvinceCode, in.Email, in.Phone, tx.now)
		if err != nil {
			return nil, fmt.Errorf("update center: %w", err)
		}
		if err := tx.centerChanged(ctx, c.ID, exchange.ActionUpdated); err != nil {
			return nil, err
		}
		return getCenter(ctx, tx, `id = $1`, c.ID, false)
	})
}

func trimPtr(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// SuspendCenter suspends a center: verification refuses its tokens from the next
// request on, because every request reads the center's status with its key.
func (s *CenterService) SuspendCenter(ctx context.Context, in exchange.SuspendCenterInput) (*exchange.Center, error) {
	if err := exchange.CheckSuspendReason(in.Reason); err != nil {
		return nil, err
	}
	return s.setStatus(ctx, in.CenterCode, in.ExpectedVersion, exchange.CenterSuspended, &in.Reason)
}

// ReinstateCenter makes a suspended center active again.
func (s *CenterService) ReinstateCenter(ctx context.Context, in exchange.ReinstateCenterInput) (*exchange.Center, error) {
	return s.setStatus(ctx, in.CenterCode, in.ExpectedVersion, exchange.CenterActive, nil)
}

func (s *CenterService) setStatus(ctx context.Context, code string, expectedVersion *int, status exchange.CenterStatus, reason *string) (*exchange.Center, error) {
	// authz: DecideDirectoryChange.
	if err := exchange.DecideDirectoryChange(auth.FromContext(ctx)); err != nil {
		return nil, err
	}
	c, err := WithTxV(ctx, s.db, func(tx *Tx) (*exchange.Center, error) {
		c, err := tx.lockCenterForUpdate(ctx, code, expectedVersion)
		if err != nil {
			return nil, err
		}
		if err := exchange.DecideCenterStatus(c, status); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE centers SET status = $2, suspended_reason = $3, updated_at = $4,
			version = version + 1 WHERE id = $1`, c.ID, status, reason, tx.now); err != nil {
			return nil, fmt.Errorf("set center status: %w", err)
		}
		if err := tx.centerChanged(ctx, c.ID, exchange.CenterStatusAction(status)); err != nil {
			return nil, err
		}
		return getCenter(ctx, tx, `id = $1`, c.ID, false)
	})
	if err != nil {
		return nil, err
	}
	s.announceKeys()
	return c, nil
}

const keyColumns = `k.id, k.kid, k.center_id, c.code AS center_code, c.status AS center_status, k.alg,
	k.public_key_pem, k.created_at, k.not_after, k.revoked_at, k.version`

func getKey(ctx context.Context, q DBTX, where string, arg any) (*exchange.CenterKey, error) {
	rows, _ := q.Query(ctx, `SELECT `+keyColumns+` FROM center_keys k JOIN centers c ON c.id = k.center_id WHERE `+where, arg)
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exchange.CenterKey])
	if err != nil {
		return nil, translate(err)
	}
	return k, nil
}

// CenterKeyByKID implements exchange.KeyLookup for token verification. It runs on every
// request, so revocations and suspensions take effect at once on every instance.
func (s *CenterService) CenterKeyByKID(ctx context.Context, kid string) (*exchange.CenterKey, error) {
	return getKey(ctx, s.db.Pool, `k.kid = $1`, kid)
}

// CenterKey returns a key by id.
func (s *CenterService) CenterKey(ctx context.Context, id uuid.UUID) (*exchange.CenterKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return readTx(ctx, s.db, func(tx *Tx) (*exchange.CenterKey, error) {
		k, err := getKey(ctx, tx, `k.id = $1`, id)
		// authz: SeesCenterKeys.
		return visibleRow(k, err, func(k *exchange.CenterKey) bool { return exchange.SeesCenterKeys(p, k.CenterID) },
			exchange.NotFound("not found"))
	})
}

// KeysByCenter lists the keys of centers by center id, newest first, in one statement
// for a page of centers (the loader behind Center.keys). A center whose keys the caller
// may not see is absent, and its list is empty.
func (s *CenterService) KeysByCenter(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]*exchange.CenterKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// authz: SeesCenterKeys, per center.
	seen := slices.DeleteFunc(slices.Clone(ids), func(id uuid.UUID) bool { return !exchange.SeesCenterKeys(p, id) })
	out := make(map[uuid.UUID][]*exchange.CenterKey, len(seen))
	if len(seen) == 0 {
		return out, nil
	}
	keys, err := readTx(ctx, s.db, func(tx *Tx) ([]*exchange.CenterKey, error) {
		rows, _ := tx.Query(ctx, `SELECT `+keyColumns+` FROM center_keys k JOIN centers c ON c.id = k.center_id
			WHERE k.center_id = ANY($1) ORDER BY k.created_at DESC, k.kid`, seen)
		return pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.CenterKey])
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for _, k := range keys {
		out[k.CenterID] = append(out[k.CenterID], k)
	}
	return out, nil
}

// AddCenterKey registers a public key for a center's tokens: the operator's, or a
// coordinator's for its own center with a proof of possession of the new key.
func (s *CenterService) AddCenterKey(ctx context.Context, in exchange.AddCenterKeyInput) (*exchange.CenterKey, error) {
	p := auth.FromContext(ctx)
	// authz: DecideAddKey.
	needsProof, err := exchange.DecideAddKey(p, in.CenterCode, in.Proof)
	if err != nil {
		return nil, err
	}
	alg := exchange.NormalizeKeyAlg(in.Alg)
	pub, parseErr := auth.ParsePublicKeyPEM(in.PublicKeyPem, alg)
	return WithTxV(ctx, s.db, func(tx *Tx) (*exchange.CenterKey, error) {
		if err := exchange.ValidateCenterKey(in, parseErr, tx.now).Err(); err != nil {
			return nil, err
		}
		if needsProof {
			// authz: the coordinator's center holds the new key's private half.
			if err := auth.VerifyKeyPossession(strings.TrimSpace(*in.Proof), pub, alg, in.Kid, p.CenterCode, tx.now); err != nil {
				return nil, err
			}
		}
		c, err := getCenter(ctx, tx, `code = $1`, exchange.NormalizeCenterCode(in.CenterCode), false)
		if err != nil {
			return nil, notFoundAs(err, exchange.UnknownKeyCenter(in.CenterCode))
		}
		var id uuid.UUID
		if err := tx.QueryRow(ctx, `INSERT INTO center_keys (kid, center_id, alg, public_key_pem, created_at, not_after, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id`,
			in.Kid, c.ID, alg, strings.TrimSpace(in.PublicKeyPem), tx.now, in.NotAfter).Scan(&id); err != nil {
			return nil, err
		}
		if err := tx.keyChanged(ctx, id, c.ID, in.Kid, exchange.ActionKeyAdded); err != nil {
			return nil, err
		}
		return getKey(ctx, tx, `k.id = $1`, id)
	})
}

// lockCenterKeys locks every key of k's center, in one order so that concurrent
// revocations queue instead of deadlocking, and returns k as locked with the number of
// the center's other keys usable now: the second of two revocations racing for a
// center's last two keys sees the first one's.
func (tx *Tx) lockCenterKeys(ctx context.Context, k *exchange.CenterKey) (*exchange.CenterKey, int, error) {
	rows, _ := tx.Query(ctx, `SELECT `+keyColumns+` FROM center_keys k JOIN centers c ON c.id = k.center_id
		WHERE k.center_id = $1 ORDER BY k.id FOR UPDATE OF k`, k.CenterID)
	keys, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[exchange.CenterKey])
	if err != nil {
		return nil, 0, fmt.Errorf("lock center keys: %w", err)
	}
	var others []*exchange.CenterKey
	for _, key := range keys {
		if key.ID == k.ID {
			k = key
		} else {
			others = append(others, key)
		}
	}
	return k, exchange.UsableKeys(others, tx.now), nil
}

func (tx *Tx) keyChanged(ctx context.Context, keyID, centerID uuid.UUID, kid string, action exchange.ChangeAction) error {
	if err := tx.audit(ctx, action.AuditName("center"), exchange.KindCenterKey, keyID, map[string]any{"kid": kid}); err != nil {
		return err
	}
	err := tx.publish(ctx, exchange.Change{
		EntityKind: exchange.KindCenterKey, EntityID: keyID, Action: action,
		Audience: exchange.AudienceCenters, AudienceCenterIDs: []uuid.UUID{centerID},
	}, map[string]any{"kid": kid})
	return err
}

// RevokeCenterKey revokes a key; tokens it signed are refused from the next request on.
// The operator revokes any key; a coordinator its own center's, never the last active one.
func (s *CenterService) RevokeCenterKey(ctx context.Context, in exchange.RevokeCenterKeyInput) (*exchange.CenterKey, error) {
	p := auth.FromContext(ctx)
	if err := exchange.Authenticated(p); err != nil {
		return nil, err
	}
	k, err := WithTxV(ctx, s.db, func(tx *Tx) (*exchange.CenterKey, error) {
		k, err := getKey(ctx, tx, `k.kid = $1`, in.Kid)
		if err != nil && exchange.ErrorCode(err) != exchange.CodeNotFound {
			return nil, err
		}
		others := 0
		if k != nil {
			if k, others, err = tx.lockCenterKeys(ctx, k); err != nil {
				return nil, err
			}
		}
		// authz: DecideRevokeOwnKey.
		if err := exchange.DecideRevokeOwnKey(p, k, in.Kid, others); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE center_keys SET revoked_at = $2, updated_at = $2, version = version + 1 WHERE id = $1`,
			k.ID, tx.now); err != nil {
			return nil, fmt.Errorf("revoke key: %w", err)
		}
		if err := tx.keyChanged(ctx, k.ID, k.CenterID, k.KID, exchange.ActionKeyRevoked); err != nil {
			return nil, err
		}
		return getKey(ctx, tx, `k.id = $1`, k.ID)
	})
	if err != nil {
		return nil, err
	}
	s.announceKeys()
	return k, nil
}
