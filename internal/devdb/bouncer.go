package devdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// installBouncer is the command that fixes a missing pgbouncer.
const installBouncer = "apt-get install -y pgbouncer"

// BouncerOptions configure StartBouncer.
type BouncerOptions struct {
	// Dir holds the configuration, password file, log and pid file; it must exist and,
	// when root runs this, be reachable by the postgres OS user.
	Dir string
	// Server is the PostgreSQL server (host:port) the pooler connects to.
	Server string
	// Database, User and Password are the one database and login it pools; the
	// password is kept in Dir for the pooler's logins, in plain text (test clusters).
	Database, User, Password string
	// PoolSize is the number of server connections per user and database; a small one
	// makes clients share server connections, as a busy production pooler does.
	PoolSize int
}

// Bouncer is a PgBouncer in transaction mode that this process started, for the
// topology tests: every transaction of a client may run on a different server
// connection, as behind a production pooler.
type Bouncer struct {
	opts   BouncerOptions
	acct   *account
	port   int
	proc   *os.Process
	exited chan struct{}
	// waitErr is how pgbouncer ended (set before exited closes).
	waitErr error
}

// StartBouncer starts pgbouncer on a free loopback port and returns once it accepts
// logins. It runs as the postgres OS user when this process is root (pgbouncer
// refuses root), and stops with Stop or when this process exits.
func StartBouncer(ctx context.Context, opts BouncerOptions) (*Bouncer, error) {
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
			return nil, fmt.Errorf("pgbouncer not found on PATH or in /usr/sbin: install it with `%s`", installBouncer)
		}
	}
	acct, err := clusterAccount()
	if err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &Bouncer{opts: opts, acct: acct, port: port, exited: make(chan struct{})}
	// pgbouncer writes its log and pid file there.
	if err := chown(opts.Dir, acct); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	if err := b.writeConfig(); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, b.path("pgbouncer.ini"))
	cmd.Dir = "/"
	cmd.SysProcAttr = procAttr(acct)
	out, err := os.OpenFile(b.path("pgbouncer.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgbouncer: %w", err)
	}
	b.proc = cmd.Process
	go func() { b.waitErr = cmd.Wait(); close(b.exited) }()
	if err := b.waitReady(ctx); err != nil {
		b.Stop()
		log, _ := os.ReadFile(b.path("pgbouncer.log"))
		return nil, fmt.Errorf("start pgbouncer: %w\n%s", err, log)
	}
	return b, nil
}

func (b *Bouncer) path(name string) string { return filepath.Join(b.opts.Dir, name) }

// writeConfig writes pgbouncer.ini and the password file. PgBouncer refuses startup
// parameters it does not know, and pgx sends statement_timeout, lock_timeout and jit as
// such (PoolOptions): they are ignored here, so behind a pooler they belong on the
// role (ALTER ROLE … SET statement_timeout), see docs/scaling.md.
func (b *Bouncer) writeConfig() error {
	o := b.opts
	host, port, err := net.SplitHostPort(o.Server)
	if err != nil {
		return fmt.Errorf("pgbouncer server %q: %w", o.Server, err)
	}
	ini := fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 500
ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout,jit
server_connect_timeout = 2
server_login_retry = 1
logfile = %s
pidfile = %s
`, o.Database, host, port, o.Database, b.port, b.path("userlist.txt"), max(o.PoolSize, 1),
		b.path("pgbouncer.log"), b.path("pgbouncer.pid"))
	files := map[string]string{
		"pgbouncer.ini": ini,
		"userlist.txt":  strconv.Quote(o.User) + " " + strconv.Quote(o.Password) + "\n",
	}
	for name, content := range files {
		if err := writeOwned(b.path(name), content, b.acct); err != nil {
			return fmt.Errorf("pgbouncer config: %w", err)
		}
	}
	return nil
}

// Retarget points the pooler at another server (a promoted replica) and reloads it:
// new server connections go there, as a failover manager does with its pooler.
func (b *Bouncer) Retarget(server string) error {
	b.opts.Server = server
	if err := b.writeConfig(); err != nil {
		return err
	}
	if err := b.proc.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("reload pgbouncer: %w", err)
	}
	return nil
}

// DSN is the pooled connection string of the database.
func (b *Bouncer) DSN() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(b.opts.User, b.opts.Password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)),
		Path:     "/" + b.opts.Database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// waitReady logs in through the pooler until it answers, exits, or the deadline passes.
func (b *Bouncer) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, b.DSN()+"&default_query_exec_mode=simple_protocol")
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-b.exited:
			return errors.New("pgbouncer exited")
		case <-ctx.Done():
			return fmt.Errorf("pgbouncer did not accept logins: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Report says whether pgbouncer still runs (or how it ended) and the end of its log,
// for a test that failed through it.
func (b *Bouncer) Report() string {
	state := "running"
	select {
	case <-b.exited:
		state = fmt.Sprintf("exited (%v)", b.waitErr)
	default:
	}
	log, _ := os.ReadFile(b.path("pgbouncer.log"))
	out, _ := os.ReadFile(b.path("pgbouncer.out"))
	log = append(log, out...)
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	return "pgbouncer " + state + "; the end of its log:\n" + string(log)
}

// Stop shuts pgbouncer down at once (SIGTERM: close every connection) and waits for it.
func (b *Bouncer) Stop() {
	_ = b.proc.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(10 * time.Second):
		_ = b.proc.Kill()
		<-b.exited
	}
}
