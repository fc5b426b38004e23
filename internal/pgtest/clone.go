package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/peterldowns/pgtestdb"
)

// Test databases are created and dropped over one admin pool per process, rather than
// pgtestdb's two fresh connections per test: on this project's machines a new
// PostgreSQL backend costs about 45 ms of CPU (fork, catalog caches, exit), and a test
// makes little else as expensive. The role, the template's life cycle (migrated once
// per migrator hash, marked datistemplate only when complete, rebuilt when not) and
// the cleanup (kept when the test failed) are pgtestdb's.

// role owns every template and test database: pgtestdb's default role, so that a
// server shared with pgtestdb users needs no second one.
var role = pgtestdb.DefaultRole()

// templates holds, per migrator hash, the template database once it is ready.
var templates struct {
	mu   sync.Mutex
	byID map[string]*template
}

type template struct {
	once sync.Once
	name string
	err  error
}

// createDatabase clones a fresh database from m's template and drops it at the end of
// the test unless the test failed (its data is then left for a look).
func createDatabase(tb testingTB, admin *pgxpool.Pool, conf pgtestdb.Config, m pgtestdb.Migrator) (string, error) {
	tpl, err := ensureTemplate(admin, conf, m)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := tpl + "_" + rand.Text()[:10]
	// FILE_COPY copies the template's files instead of writing every page of it to
	// the WAL (PostgreSQL 15's default, WAL_LOG): about a third less CPU for a small
	// database with the catalog's many relations.
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s OWNER %s STRATEGY FILE_COPY`,
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tpl}.Sanitize(), pgx.Identifier{role.Username}.Sanitize())); err != nil {
		return "", fmt.Errorf("create test database: %w", err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("pgtest: the failed test's database %s is kept", name)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			tb.Fatalf("pgtest: drop %s (connections left open by the test?): %v", name, err)
		}
	})
	c := conf
	c.User, c.Password, c.Database = role.Username, role.Password, name
	return c.URL(), nil
}

// testingTB is the part of testing.TB that createDatabase uses.
type testingTB interface {
	Cleanup(func())
	Failed() bool
	Logf(string, ...any)
	Fatalf(string, ...any)
}

// ensureTemplate returns the name of m's migrated template, creating it once per
// process; an advisory lock keeps processes that share a server from building it at once.
func ensureTemplate(admin *pgxpool.Pool, conf pgtestdb.Config, m pgtestdb.Migrator) (string, error) {
	h, err := m.Hash()
	if err != nil {
		return "", fmt.Errorf("migrator hash: %w", err)
	}
	sum := sha256.Sum256([]byte(role.Username + "\x00" + role.Password + "\x00" + role.Capabilities + "\x00" + h))
	id := hex.EncodeToString(sum[:12])
	templates.mu.Lock()
	if templates.byID == nil {
		templates.byID = map[string]*template{}
	}
	tpl := templates.byID[id]
	if tpl == nil {
		tpl = &template{name: "laborx_tpl_" + id}
		templates.byID[id] = tpl
	}
	templates.mu.Unlock()
	tpl.once.Do(func() { tpl.err = buildTemplate(admin, conf, tpl.name, m) })
	return tpl.name, tpl.err
}

// SlowMigrator is a Migrator that needs more than the default five minutes to build its
// template, such as a benchmark's that seeds a million rows after the migrations.
type SlowMigrator interface {
	pgtestdb.Migrator
	BuildTimeout() time.Duration
}

func buildTemplate(admin *pgxpool.Pool, conf pgtestdb.Config, name string, m pgtestdb.Migrator) error {
	timeout := 5 * time.Minute
	if s, ok := m.(SlowMigrator); ok {
		timeout = s.BuildTimeout()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := admin.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", name) //nolint:errcheck // the session ends with the pool
	if err := ensureRole(ctx, conn); err != nil {
		return err
	}
	var ready bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&ready); err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	if ready {
		return nil
	}
	// A template that exists but is not marked ready is what a failed migration left.
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident); err != nil {
		return fmt.Errorf("drop broken template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s OWNER %s", ident, pgx.Identifier{role.Username}.Sanitize())); err != nil {
		return fmt.Errorf("create template %s: %w", name, err)
	}
	c := conf
	c.User, c.Password, c.Database = role.Username, role.Password, name
	db, err := sql.Open("pgx", c.URL())
	if err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	err = m.Migrate(ctx, db, c)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("migrate template %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "UPDATE pg_database SET datistemplate = true WHERE datname = $1", name); err != nil {
		return fmt.Errorf("mark template %s: %w", name, err)
	}
	return nil
}

// ensureRole creates the role test databases belong to, if missing; the advisory lock
// keeps processes that share a server from creating it at once.
func ensureRole(ctx context.Context, conn *pgxpool.Conn) error {
	name := role.Username
	ident := pgx.Identifier{name}.Sanitize()
	_, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('`+name+`'));
		DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '`+name+`') THEN
				CREATE ROLE `+ident+` WITH LOGIN PASSWORD '`+role.Password+`' `+role.Capabilities+`;
			END IF;
		END $$;
		SELECT pg_advisory_unlock(hashtext('`+name+`'))`)
	if err != nil {
		return fmt.Errorf("test role: %w", err)
	}
	return nil
}
