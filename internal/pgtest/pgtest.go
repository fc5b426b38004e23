// Package pgtest gives each test its own fresh, migrated PostgreSQL database, cloned
// from a template that is migrated once per schema (pgtestdb's scheme and Migrator
// interface, over one admin pool per process: see clone.go).
//
// The server is the one named by LABORX_TEST_DATABASE_URL (an admin DSN) when set;
// otherwise each test process starts one throwaway cluster with devdb on first use.
// Packages that use pgtest stop that cluster with a TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver migrators are given
	"github.com/peterldowns/pgtestdb"

	"github.com/laborx/laborx/internal/devdb"
)

// URLEnv names an existing server's admin DSN to use instead of a throwaway cluster.
const URLEnv = "LABORX_TEST_DATABASE_URL"

// server is the process-wide server the test databases live on.
var server struct {
	once    sync.Once
	conf    pgtestdb.Config
	admin   *pgxpool.Pool // creates and drops the test databases
	err     error
	cluster *devdb.Cluster // nil when URLEnv names the server
	tmpDir  string
}

// NewPool returns a pool connected, as the tables' owner, to a fresh database created
// from a template that m has migrated (one template per m.Hash()). The pool is closed at test
// cleanup, before the database is dropped.
func NewPool(tb testing.TB, m pgtestdb.Migrator) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, NewDSN(tb, m))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return pool
}

// NewDSN is NewPool for callers that connect themselves, such as a whole server under
// test (which connects as AppDSN of it). Both connect as the tables' owner, which runs
// the migrations. Its connections must be closed by the end of the test, or dropping the
// database fails the test.
func NewDSN(tb testing.TB, m pgtestdb.Migrator) string {
	tb.Helper()
	conf, admin, err := adminConfig()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	dsn, err := createDatabase(tb, admin, conf, m)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// Main runs the tests, stops the throwaway cluster if this process started one, and
// fails when the tests left temporary folders or relocated clusters behind.
func Main(m *testing.M) int {
	tmp, restore, err := sandbox()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer restore()
	code := m.Run()
	if server.admin != nil {
		server.admin.Close()
	}
	if server.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := server.cluster.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			code = max(code, 1)
		}
		if err := os.RemoveAll(server.tmpDir); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	if left := leftovers(tmp); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "pgtest: the tests left behind %v\n", left)
		code = max(code, 1)
	}
	return code
}

// adminConfig connects to the server once per process; a failure fails every test.
func adminConfig() (pgtestdb.Config, *pgxpool.Pool, error) {
	server.once.Do(func() {
		dsn := os.Getenv(URLEnv)
		if dsn == "" {
			dsn, server.err = startCluster()
			if server.err != nil {
				return
			}
		}
		if server.err = ensureAppRole(dsn); server.err != nil {
			return
		}
		if server.conf, server.err = configFromURL(dsn); server.err != nil {
			return
		}
		server.admin, server.err = pgxpool.New(context.Background(), dsn)
	})
	return server.conf, server.admin, server.err
}

// startCluster starts the throwaway cluster of this test process.
func startCluster() (string, error) {
	dir, err := os.MkdirTemp("", "laborx-pgtest-")
	if err != nil {
		return "", fmt.Errorf("start test cluster: %w", err)
	}
	// MkdirTemp makes it 0700; when root runs the tests, the postgres OS user must pass.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("start test cluster: %w", err)
	}
	server.tmpDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, devdb.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true})
	if err != nil {
		return "", fmt.Errorf("start test cluster: %w", err)
	}
	server.cluster = c
	return c.DSN("postgres"), nil
}

// configFromURL splits a postgres:// URL into pgtestdb's fields. pgtestdb pastes User
// and Password back into a URL unescaped, so they stay escaped here.
func configFromURL(dsn string) (pgtestdb.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return pgtestdb.Config{}, fmt.Errorf("%s must be a postgres:// URL", URLEnv)
	}
	user, password := u.User.Username(), ""
	if p, ok := u.User.Password(); ok {
		password = p
	}
	// Userinfo escapes ':' in both parts, so the first one separates them.
	escapedUser, escapedPassword, _ := strings.Cut(url.UserPassword(user, password).String(), ":")
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	database := strings.TrimPrefix(u.Path, "/")
	if database == "" {
		database = "postgres"
	}
	return pgtestdb.Config{
		DriverName: "pgx",
		Host:       u.Hostname(),
		Port:       port,
		User:       escapedUser,
		Password:   escapedPassword,
		Database:   database,
		Options:    u.RawQuery,
	}, nil
}
