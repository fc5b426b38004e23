package demo

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/laborx/laborx/internal/auth"
	"github.com/laborx/laborx/internal/exchange"
	"github.com/laborx/laborx/internal/postgres"
)

// Center is a demo center.
type Center struct {
	Code, Name, ProvinceCode, Email, Phone string
}

// Centers are the demo centers of DESIGN §9. Thái Nguyên's center serves the former
// Bắc Kạn since the 2025 merger, Hải Phòng's the former Hải Dương.
var Centers = []Center{
	{Code: "TNG", Name: "Trung tâm Dịch vụ việc làm tỉnh Thái Nguyên", ProvinceCode: "19", Email: "vieclam@thainguyen.example.vn", Phone: "02083855000"},
	{Code: "HPG", Name: "Trung tâm Dịch vụ việc làm Hải Phòng", ProvinceCode: "31", Email: "vieclam@haiphong.example.vn", Phone: "02253842000"},
	{Code: "BNH", Name: "Trung tâm Dịch vụ việc làm tỉnh Bắc Ninh", ProvinceCode: "24", Email: "vieclam@bacninh.example.vn", Phone: "02223874000"},
	{Code: "HYN", Name: "Trung tâm Dịch vụ việc làm tỉnh Hưng Yên", ProvinceCode: "33", Email: "vieclam@hungyen.example.vn", Phone: "02213862000"},
	{Code: "HNI", Name: "Trung tâm Dịch vụ việc làm Hà Nội", ProvinceCode: "01", Email: "vieclam@hanoi.example.vn", Phone: "02438221000"},
}

// OperatorContext returns ctx acting as the operator, for commands run on the server's
// own machine (seeding, `laborx center add`): they go through the same services, rules
// and audit trail as the API.
func OperatorContext(ctx context.Context, subject string) context.Context {
	return auth.NewContext(ctx, &exchange.Principal{Subject: subject, Roles: []exchange.Role{exchange.RoleOperator}})
}

// Seed registers the demo centers and their keys. It is idempotent: a second run
// reuses what is there and creates only what is missing.
func Seed(ctx context.Context, db *postgres.DB, dataDir string) error {
	centers := postgres.NewCenterService(db)
	ctx = OperatorContext(ctx, "demo-seed")
	for _, c := range Centers {
		if _, err := centers.CenterByCode(ctx, c.Code); exchange.ErrorCode(err) == exchange.CodeNotFound {
			key := "demo-center-" + c.Code
			_, err = centers.RegisterCenter(ctx, exchange.RegisterCenterInput{
				IdempotencyKey: &key, Code: c.Code, Name: c.Name, ProvinceCode: c.ProvinceCode, Email: &c.Email, Phone: &c.Phone,
			})
			if err != nil {
				return fmt.Errorf("register demo center %s: %w", c.Code, err)
			}
		} else if err != nil {
			return err
		}
		if err := ensureCenterKey(ctx, centers, dataDir, c.Code); err != nil {
			return err
		}
	}
	// The past first, so the change feed runs in time order on a fresh database.
	if err := seedHistory(ctx, db); err != nil {
		return err
	}
	if err := SeedMarket(ctx, db); err != nil {
		return err
	}
	if err := seedAgreements(ctx, db); err != nil {
		return err
	}
	if err := seedReferrals(ctx, db); err != nil {
		return err
	}
	if err := seedBenefitTransfers(ctx, db); err != nil {
		return err
	}
	return seedSessions(ctx, db)
}

// ensureCenterKey makes sure the center's demo key file exists and its public half is
// registered. When the kid is already registered with another public key, another
// instance with its own data dir seeded this database: the demo data is reused, and
// this data dir's key is renamed after its fingerprint and registered beside the other,
// so the tokens of both instances work.
func ensureCenterKey(ctx context.Context, centers *postgres.CenterService, dataDir, code string) error {
	path := CenterKeyPath(dataDir, code)
	priv, _, err := WriteNewKey(path)
	if err != nil {
		return err
	}
	pub, err := auth.MarshalPublicKeyPEM(priv.Public())
	if err != nil {
		return err
	}
	err = registerKey(ctx, centers, code, KIDOf(path), string(pub))
	if !errors.Is(err, errKeyTaken) {
		return err
	}
	sum := sha256.Sum256(pub)
	own := filepath.Join(filepath.Dir(path), fmt.Sprintf("%s-demo-%x.pem", code, sum[:4]))
	if err := os.Rename(path, own); err != nil {
		return fmt.Errorf("demo key %s is registered with another public key: %w", KIDOf(path), err)
	}
	return registerKey(ctx, centers, code, KIDOf(own), string(pub))
}

// errKeyTaken: the kid is registered with another public key.
var errKeyTaken = errors.New("kid registered with another public key")

// registerKey registers a public key under kid unless it is already.
func registerKey(ctx context.Context, centers *postgres.CenterService, code, kid, pub string) error {
	existing, err := centers.CenterKeyByKID(ctx, kid)
	switch {
	case err == nil && strings.TrimSpace(existing.PublicKeyPEM) == strings.TrimSpace(pub) && existing.RevokedAt == nil:
		return nil
	case err == nil:
		return errKeyTaken
	case exchange.ErrorCode(err) != exchange.CodeNotFound:
		return err
	}
	_, err = centers.AddCenterKey(ctx, exchange.AddCenterKeyInput{CenterCode: code, Kid: kid, Alg: exchange.AlgEdDSA, PublicKeyPem: pub})
	return err
}

// Token mints a demo token for a center with the key kept under dataDir.
func Token(dataDir, centerCode, subject string, roles []string, ttl time.Duration) (string, error) {
	priv, kid, err := ReadKey(CenterKeyPath(dataDir, centerCode))
	if err != nil {
		return "", err
	}
	return auth.Mint(priv, kid, auth.Claims{Issuer: centerCode, Subject: subject, Roles: roles, TTL: ttl})
}

// OperatorToken mints a development operator token.
func OperatorToken(dataDir, subject string, ttl time.Duration) (string, error) {
	priv, kid, err := ReadKey(OperatorKeyPath(dataDir))
	if err != nil {
		return "", err
	}
	return auth.Mint(priv, kid, auth.Claims{Issuer: auth.OperatorIssuer, Subject: subject, TTL: ttl})
}
