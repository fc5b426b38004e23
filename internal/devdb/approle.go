package devdb

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/jackc/pgx/v5"
)

const (
	// AppRole is the role the service connects as: no superuser, owner of nothing, so
	// bound by row-level security (migration 00080 grants it the tables).
	AppRole = "laborx_app"
	// appPasswordFile, next to the superuser's, keeps AppRole's password (mode 0600).
	appPasswordFile = "laborx_app.password"
)

// AppDSN returns the service's connection string for database: AppRole, made a login
// role on first use with a random password kept in the data directory. The superuser
// (DSN) stays for migrations and tools. Safe to call from several processes at once.
func (c *Cluster) AppDSN(ctx context.Context, database string) (string, error) {
	password, err := c.appPassword()
	if err != nil {
		return "", fmt.Errorf("app role: %w", err)
	}
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return "", fmt.Errorf("app role: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// The password travels in a statement: keep it out of the server log, even when
	// the statement fails. rand.Text is base32, so it needs no quoting.
	if _, err := conn.Exec(ctx, `SET log_statement = 'none'; SET log_min_error_statement = 'panic'`); err != nil {
		return "", fmt.Errorf("app role: %w", err)
	}
	if _, err := conn.Exec(ctx, `DO $$ BEGIN
			CREATE ROLE `+AppRole+`;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
		END $$`); err != nil {
		return "", fmt.Errorf("app role: %w", err)
	}
	if _, err := conn.Exec(ctx, `ALTER ROLE `+AppRole+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '`+
		password+`'`); err != nil {
		return "", fmt.Errorf("app role: %w", err)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(AppRole, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String(), nil
}

// appPassword reads AppRole's password, making one on first use. Two processes making
// one at once agree on whichever file landed first.
func (c *Cluster) appPassword() (string, error) {
	path := filepath.Join(c.dataDir, appPasswordFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return string(bytes.TrimSpace(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	tmp, err := os.CreateTemp(c.dataDir, appPasswordFile+".*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := writeOwned(tmp.Name(), rand.Text(), c.acct); err != nil {
		return "", err
	}
	// A hard link fails if the file exists: the first one stays.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	b, err = os.ReadFile(path)
	return string(bytes.TrimSpace(b)), err
}
