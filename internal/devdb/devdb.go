// Package devdb runs laborx's embedded default database: a private PostgreSQL cluster
// started from the machine's PostgreSQL binaries, for `laborx serve` without
// LABORX_DATABASE_URL and for the throwaway clusters of tests.
//
// The cluster listens on 127.0.0.1 only and takes password logins (scram-sha-256) for
// the superuser laborx, whose random password is made at initdb time and kept in the
// data directory. initdb and postgres refuse to run as root, so a root laborx runs them
// as the postgres OS user; when that user cannot reach the requested directory (a
// checkout under /root) the cluster lives under /var/lib/laborx/clusters and the
// requested directory becomes a symlink to it.
//
// postgres runs as a child process rather than through pg_ctl, which daemonizes: as a
// child it stops with laborx even when laborx is killed, and Stop can wait for its exit.
package devdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// readyTimeout bounds the wait for a started server to accept connections; crash
// recovery after an unclean stop is the slow case.
const readyTimeout = 30 * time.Second

// logName is the server log inside the data directory.
const logName = "postgres.log"

// errExitedEarly reports a server that exited before accepting connections.
var errExitedEarly = errors.New("postgres exited before accepting connections")

// Options configure Start.
type Options struct {
	// Dir is the requested cluster directory, e.g. "./.laborx/pg"; created if missing.
	Dir string
	// Port is the loopback port to listen on; 0 picks a free one at each start.
	Port int
	// Ephemeral marks a test cluster: durability is traded for speed (fsync,
	// synchronous_commit and full_page_writes off) and Stop removes the data.
	Ephemeral bool
	// Logger receives where the cluster lives and lifecycle events; nil discards them.
	Logger *slog.Logger
	// Attach lets a tool (laborx import, center, seed, migrate) use the cluster that a
	// running `laborx serve` started on the same directory, instead of refusing. An
	// attached Cluster never stops the server it did not start.
	Attach bool
}

// Cluster is a running PostgreSQL server owned by this process.
type Cluster struct {
	dataDir   string
	link      string // the requested Dir when it is a symlink to a relocated dataDir
	acct      *account
	ephemeral bool
	password  string
	log       *slog.Logger

	port     int
	attached bool // the server belongs to another process
	proc     *os.Process
	exited   chan struct{} // closed once postgres has exited; waitErr is then set
	waitErr  error

	stopOnce sync.Once
	stopErr  error
}

// Start initializes the cluster on first use, starts it, and returns once it accepts
// connections. ctx bounds the start only; the server runs until Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bins, err := FindBinaries()
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	acct, err := clusterAccount()
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	dataDir, link, err := placeCluster(opts.Dir, acct, log)
	if err != nil {
		return nil, fmt.Errorf("start cluster: %w", err)
	}
	c := &Cluster{dataDir: dataDir, link: link, acct: acct, ephemeral: opts.Ephemeral, log: log}
	if opts.Attach {
		if ok, err := c.attach(ctx); err != nil || ok {
			return c, err
		}
	}
	if err := c.start(ctx, bins, opts.Port); err != nil {
		return nil, fmt.Errorf("start cluster in %s: %w", dataDir, err)
	}
	log.Info("postgres cluster ready", "data_dir", dataDir, "port", c.port,
		"log", filepath.Join(dataDir, logName))
	return c, nil
}

func (c *Cluster) start(ctx context.Context, bins Binaries, port int) error {
	if err := initCluster(ctx, bins, c.dataDir, c.acct, c.ephemeral, c.log); err != nil {
		return err
	}
	password, err := readPassword(c.dataDir)
	if err != nil {
		return err
	}
	c.password = password
	if err := clearStalePID(c.dataDir, c.log); err != nil {
		return err
	}
	// A free port picked here can be taken by someone else before postgres binds it;
	// postgres then exits at once and another port is worth a try.
	attempts := 1
	if port == 0 {
		attempts = 3
	}
	for range attempts {
		p := port
		if p == 0 {
			if p, err = freePort(); err != nil {
				return err
			}
		}
		if err = c.run(ctx, bins.Postgres, p); !errors.Is(err, errExitedEarly) {
			return err
		}
	}
	return err
}

// run starts postgres on port and waits until it accepts connections. On failure the
// error carries the server's own explanation from this run's part of the log.
func (c *Cluster) run(ctx context.Context, postgres string, port int) error {
	logPath := filepath.Join(c.dataDir, logName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	defer logFile.Close() // postgres keeps its own descriptor
	if err := chown(logPath, c.acct); err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	offset, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}

	cmd := exec.Command(postgres, c.serverArgs(port)...)
	cmd.Dir = "/" // postgres resolves its own path from here, see runInitdb
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = procAttr(c.acct)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run postgres: %w", err)
	}
	c.port, c.proc, c.exited = port, cmd.Process, make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()

	if err := c.waitReady(ctx); err != nil {
		c.halt()
		return fmt.Errorf("%w\n--- %s ---\n%s", err, logPath, logTail(logPath, offset))
	}
	return nil
}

// serverArgs configures the server on the command line rather than in postgresql.conf,
// so the port can change at each start and the cluster's files stay as initdb made them.
// Unix sockets are off: nothing needs them, and their path has a 107-byte limit.
func (c *Cluster) serverArgs(port int) []string {
	args := []string{
		"-D", c.dataDir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		// The embedded cluster's data sits on local SSD or in the page cache, where a
		// random read costs about what a sequential one does; with the default 4 the
		// planner prefers scanning whole tables over the trigram search indexes.
		"-c", "random_page_cost=1.1",
	}
	if c.ephemeral {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off")
	}
	return args
}

// waitReady connects until the server answers, it exits, or the deadline passes.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, c.DSN("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-c.exited:
			return fmt.Errorf("%w: %v", errExitedEarly, c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections: %w", err)
		case <-tick.C:
		}
	}
}

// attach connects to a server another process runs on the data directory, reading its
// port from postmaster.pid (line 4). It reports false when no server runs there.
func (c *Cluster) attach(ctx context.Context) (bool, error) {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return false, nil
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return false, nil
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil || !postmasterRunning(pid, c.dataDir) {
		return false, nil
	}
	if c.password, err = readPassword(c.dataDir); err != nil {
		return false, err
	}
	c.port, c.attached = port, true
	c.exited = make(chan struct{}) // never closed: the server is not ours to watch
	if err := c.waitReady(ctx); err != nil {
		return false, fmt.Errorf("attach to the running cluster in %s: %w", c.dataDir, err)
	}
	c.log.Info("using the postgres cluster another laborx runs", "data_dir", c.dataDir, "port", port, "pid", pid)
	return true, nil
}

// halt stops a server that failed to come up, without waiting for a clean shutdown.
func (c *Cluster) halt() {
	_ = c.proc.Signal(syscall.SIGQUIT)
	<-c.exited
}

// DSN returns the superuser's connection string for database.
func (c *Cluster) DSN(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// DataDir returns where the cluster really lives, after any relocation.
func (c *Cluster) DataDir() string {
	return c.dataDir
}

// EnsureDatabase creates database name unless it exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	// Another process may have created it since the check.
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	return nil
}

// Stop shuts the server down and waits for it to exit; an ephemeral cluster's files are
// then removed. If ctx ends first, the server gets an immediate shutdown (crash recovery
// at the next start) rather than being left behind. Later calls return the first result.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.attached {
		return nil
	}
	c.stopOnce.Do(func() {
		c.stopErr = c.shutdown(ctx)
		if c.ephemeral {
			c.remove()
		}
		c.log.Info("postgres cluster stopped", "data_dir", c.dataDir)
	})
	return c.stopErr
}

// Crash stops the cluster as a crash would (immediate shutdown: every process exits at
// once, nothing is checkpointed, the next start recovers from the WAL). For fault tests.
func (c *Cluster) Crash() {
	if c.attached {
		return
	}
	c.stopOnce.Do(func() {
		c.halt()
		c.log.Info("postgres cluster crashed on purpose", "data_dir", c.dataDir)
	})
}

func (c *Cluster) shutdown(ctx context.Context) error {
	// SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
	if err := c.proc.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop cluster: %w", err)
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
		c.halt()
		return fmt.Errorf("stop cluster: fast shutdown did not finish, sent immediate shutdown: %w", ctx.Err())
	}
	if c.waitErr != nil {
		return fmt.Errorf("stop cluster: postgres exited: %w", c.waitErr)
	}
	return nil
}

// remove deletes an ephemeral cluster, with the symlink and directory of a relocation.
func (c *Cluster) remove() {
	if err := os.RemoveAll(c.dataDir); err != nil {
		c.log.Warn("remove ephemeral cluster", "data_dir", c.dataDir, "err", err)
	}
	if c.link != "" {
		_ = os.Remove(c.link)
		_ = os.Remove(filepath.Dir(c.dataDir))
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// logTail returns the end of what the server logged from offset on.
func logTail(path string, offset int64) string {
	const limit = 4 << 10
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size()-offset > limit {
		offset = fi.Size() - limit
	}
	b, err := io.ReadAll(io.NewSectionReader(f, offset, limit))
	if err != nil {
		return err.Error()
	}
	return string(b)
}
