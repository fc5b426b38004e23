package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laborx/laborx/internal/devdb"
)

// appPassword is the password of the service's role on test servers only (the
// embedded cluster makes a random one, see devdb.AppDSN).
const appPassword = "laborx-app-test"

// ensureAppRole makes the service's role (devdb.AppRole) a login role on the server,
// as its admin: migrations (run by pgtestdb's role, which owns the tables) grant it the
// tables; it owns nothing and is no superuser, so row-level security binds it. The
// advisory lock keeps test processes sharing a server from altering it at once.
func ensureAppRole(adminDSN string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("app role: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('`+devdb.AppRole+`'));
		DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '`+devdb.AppRole+`') THEN
				CREATE ROLE `+devdb.AppRole+`;
			END IF;
		END $$;
		ALTER ROLE `+devdb.AppRole+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '`+appPassword+`';
		SELECT pg_advisory_unlock(hashtext('`+devdb.AppRole+`'))`)
	if err != nil {
		return fmt.Errorf("app role: %w", err)
	}
	return nil
}

// AppDSN returns the connection string of the service's role for the database that dsn
// (from NewDSN, the tables' owner) names: what a test server connects as, so that
// row-level security is in force as in production.
func AppDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.User = url.UserPassword(devdb.AppRole, appPassword)
	return u.String()
}
