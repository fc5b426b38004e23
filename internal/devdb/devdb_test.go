package devdb_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laborx/laborx/internal/devdb"
	"github.com/laborx/laborx/internal/pgtest"
)

// helperDirEnv makes the test binary a stand-in for laborx: it starts a cluster in the
// named directory, prints its DSN, and waits to be killed.
const helperDirEnv = "DEVDB_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperDirEnv); dir != "" {
		c, err := devdb.Start(context.Background(), devdb.Options{Dir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(c.DSN("postgres"))
		time.Sleep(time.Hour)
	}
	// pgtest's sandbox: the clusters live in memory where they can, and none is left.
	os.Exit(pgtest.Main(m))
}

// reachableTempDir returns a fresh directory the postgres OS user can reach: testing
// creates the parent of t.TempDir() with mode 0700.
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func start(t *testing.T, opts devdb.Options) *devdb.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := devdb.Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { stop(t, c) })
	return c
}

func stop(t *testing.T, c *devdb.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func connect(t *testing.T, c *devdb.Cluster, database string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), c.DSN(database))
	if err != nil {
		t.Fatalf("connect to %s: %v", database, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryString(t *testing.T, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(context.Background(), sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

// clusterUID is the uid the server must run as: postgres when the tests run as root.
func clusterUID(t *testing.T) uint32 {
	t.Helper()
	if os.Geteuid() != 0 {
		return uint32(os.Geteuid())
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root needs the postgres OS user (apt-get install -y postgresql): %v", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(uid)
}

func ownerOf(t *testing.T, path string) (uid uint32, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Uid, fi.Mode().Perm()
}

// processUID reads the real uid of a process from /proc.
func processUID(t *testing.T, pid uint32) uint32 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if fields := strings.Fields(line); len(fields) > 1 && fields[0] == "Uid:" {
			uid, err := strconv.ParseUint(fields[1], 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(uid)
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return 0
}

func TestStart_DataSurvivesRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before func(t *testing.T, dataDir string) // runs between the two starts
	}{
		{name: "OK"},
		{
			name: "StalePIDFile",
			before: func(t *testing.T, dataDir string) {
				// A live pid that is not a postmaster, as after a crash and pid reuse.
				pidFile := filepath.Join(dataDir, "postmaster.pid")
				content := strconv.Itoa(os.Getpid()) + "\n" + dataDir + "\n"
				if err := os.WriteFile(pidFile, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(reachableTempDir(t), ".laborx", "pg")

			first := start(t, devdb.Options{Dir: dir})
			if err := first.EnsureDatabase(context.Background(), "laborx"); err != nil {
				t.Fatal(err)
			}
			conn := connect(t, first, "laborx")
			mustExec(t, conn, "CREATE TABLE note (body text)")
			mustExec(t, conn, "INSERT INTO note VALUES ('kept')")
			conn.Close(context.Background())
			stop(t, first)
			if tt.before != nil {
				tt.before(t, first.DataDir())
			}

			second := start(t, devdb.Options{Dir: dir})
			if second.DataDir() != first.DataDir() {
				t.Errorf("DataDir moved from %s to %s", first.DataDir(), second.DataDir())
			}
			if got := queryString(t, connect(t, second, "laborx"), "SELECT body FROM note"); got != "kept" {
				t.Errorf("after restart note.body = %q, want %q", got, "kept")
			}
		})
	}
}

func TestStart_RunsAsClusterUser(t *testing.T) {
	t.Parallel()
	c := start(t, devdb.Options{Dir: filepath.Join(reachableTempDir(t), "pg"), Ephemeral: true})
	want := clusterUID(t)

	if uid, mode := ownerOf(t, c.DataDir()); uid != want || mode != 0o700 {
		t.Errorf("data directory owner %d mode %o, want %d 0700", uid, mode, want)
	}
	if _, mode := ownerOf(t, filepath.Join(c.DataDir(), "laborx.password")); mode != 0o600 {
		t.Errorf("password file mode %o, want 0600", mode)
	}
	var backend uint32
	if err := connect(t, c, "postgres").QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	if uid := processUID(t, backend); uid != want {
		t.Errorf("server runs as uid %d, want %d", uid, want)
	}
}

func TestStart_Server(t *testing.T) {
	t.Parallel()
	c := start(t, devdb.Options{Dir: filepath.Join(reachableTempDir(t), "pg"), Ephemeral: true})
	conn := connect(t, c, "postgres")

	for setting, want := range map[string]string{
		"listen_addresses":        "127.0.0.1",
		"unix_socket_directories": "",
		"server_encoding":         "UTF8",
		"fsync":                   "off",
	} {
		if got := queryString(t, conn, "SHOW "+setting); got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
	for _, ext := range []string{"pgcrypto", "unaccent", "pg_trgm"} {
		mustExec(t, conn, "CREATE EXTENSION "+ext)
	}
	if got := queryString(t, conn, "SELECT unaccent('Thái Nguyên')"); got != "Thai Nguyen" {
		t.Errorf("unaccent = %q, want %q", got, "Thai Nguyen")
	}

	wrong := strings.Replace(c.DSN("postgres"), "laborx:", "laborx:x", 1)
	_, err := pgx.Connect(context.Background(), wrong)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("connect with a wrong password: %v, want invalid_password (28P01)", err)
	}
}

func TestEnsureDatabase(t *testing.T) {
	t.Parallel()
	c := start(t, devdb.Options{Dir: filepath.Join(reachableTempDir(t), "pg"), Ephemeral: true})

	for range 2 {
		if err := c.EnsureDatabase(context.Background(), "laborx-test"); err != nil {
			t.Fatalf("EnsureDatabase: %v", err)
		}
	}
	if got := queryString(t, connect(t, c, "laborx-test"), "SELECT current_database()"); got != "laborx-test" {
		t.Errorf("current_database() = %q", got)
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ephemeral bool
		wantData  bool
	}{
		{name: "KeepsData", wantData: true},
		{name: "EphemeralRemovesData", ephemeral: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := start(t, devdb.Options{Dir: filepath.Join(reachableTempDir(t), "pg"), Ephemeral: tt.ephemeral})
			for range 2 {
				if err := c.Stop(context.Background()); err != nil {
					t.Fatalf("Stop: %v", err)
				}
			}
			if _, err := pgx.Connect(context.Background(), c.DSN("postgres")); err == nil {
				t.Error("server still accepts connections after Stop")
			}
			_, err := os.Stat(filepath.Join(c.DataDir(), "PG_VERSION"))
			if gotData := err == nil; gotData != tt.wantData {
				t.Errorf("data after Stop: %v, want %v", gotData, tt.wantData)
			}
			if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); tt.wantData && err == nil {
				t.Error("postmaster.pid left after a clean stop")
			}
		})
	}
}

func TestStart_AlreadyRunning(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(reachableTempDir(t), "pg")
	running := start(t, devdb.Options{Dir: dir})

	_, err := devdb.Start(context.Background(), devdb.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Start on %s: %v, want an already running error", dir, err)
	}
	if got := queryString(t, connect(t, running, "postgres"), "SELECT 'alive'"); got != "alive" {
		t.Errorf("first cluster answers %q after the refused start", got)
	}
}

// TestStart_Unreachable requests a directory under a 0700 directory, like a checkout
// under /root. As root, the cluster must move where the postgres OS user can reach it and
// the requested directory must point there; otherwise it stays in place.
func TestStart_Unreachable(t *testing.T) {
	t.Parallel()
	home := filepath.Join(reachableTempDir(t), "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, ".laborx", "pg")

	first := start(t, devdb.Options{Dir: dir})
	if os.Geteuid() == 0 {
		t.Cleanup(func() { os.RemoveAll(filepath.Dir(first.DataDir())) })
		if !strings.HasPrefix(first.DataDir(), "/var/lib/laborx/clusters/") {
			t.Errorf("DataDir = %s, want it under /var/lib/laborx/clusters", first.DataDir())
		}
		if link, err := os.Readlink(dir); err != nil || link != first.DataDir() {
			t.Errorf("requested dir links to %q (%v), want %s", link, err, first.DataDir())
		}
	} else if first.DataDir() != dir {
		t.Errorf("DataDir = %s, want %s", first.DataDir(), dir)
	}
	mustExec(t, connect(t, first, "postgres"), "CREATE TABLE kept (n int)")
	stop(t, first)

	second := start(t, devdb.Options{Dir: dir})
	if second.DataDir() != first.DataDir() {
		t.Errorf("DataDir moved from %s to %s", first.DataDir(), second.DataDir())
	}
	if got := queryString(t, connect(t, second, "postgres"), "SELECT to_regclass('kept')::text"); got != "kept" {
		t.Errorf("table after restart = %q, want kept", got)
	}
	stop(t, second)

	// Deleting the data directory starts over: the old cluster must not come back under
	// a new one (it is set aside, not destroyed).
	if err := os.RemoveAll(filepath.Dir(dir)); err != nil {
		t.Fatal(err)
	}
	third := start(t, devdb.Options{Dir: dir})
	if got := queryString(t, connect(t, third, "postgres"), "SELECT coalesce(to_regclass('kept')::text, 'none')"); got != "none" {
		t.Errorf("after deleting the data dir the old data came back (table %q)", got)
	}
	if os.Geteuid() == 0 {
		aside, _ := filepath.Glob(first.DataDir() + ".orphaned-*")
		if len(aside) != 1 {
			t.Errorf("old cluster set aside at %v, want one", aside)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	b, err := devdb.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"initdb": b.Initdb, "postgres": b.Postgres} {
		fi, err := os.Stat(path)
		if err != nil || filepath.Base(path) != name || !filepath.IsAbs(path) || fi.Mode()&0o111 == 0 {
			t.Errorf("%s = %q (%v), want an absolute path to an executable %s", name, path, err, name)
		}
	}
}

func TestFindBinaries_Missing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	devdb.SetLibGlob(t, filepath.Join(t.TempDir(), "*", "bin"))
	const want = "apt-get install -y postgresql"

	if _, err := devdb.FindBinaries(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("FindBinaries: %v, want an error naming %q", err, want)
	}
	_, err := devdb.Start(context.Background(), devdb.Options{Dir: filepath.Join(t.TempDir(), "pg")})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Start: %v, want an error naming %q", err, want)
	}
}

func TestStart_StopsWhenLaborxIsKilled(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(reachableTempDir(t), "pg")
	laborx := exec.Command(os.Args[0], "-test.run=^$")
	laborx.Env = append(os.Environ(), helperDirEnv+"="+dir)
	laborx.Stderr = os.Stderr
	laborx.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // if this test dies first
	out, err := laborx.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := laborx.Start(); err != nil {
		t.Fatal(err)
	}
	dsn, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		laborx.Process.Kill()
		t.Fatalf("helper printed no DSN: %v", err)
	}
	conn, err := pgx.Connect(context.Background(), strings.TrimSpace(dsn))
	if err != nil {
		t.Fatalf("connect to the helper's cluster: %v", err)
	}
	conn.Close(context.Background())

	if err := laborx.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	laborx.Wait()

	pidFile := filepath.Join(dir, "postmaster.pid")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(pidFile); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cluster still runs 30s after laborx was killed")
		}
	}
	if _, err := pgx.Connect(context.Background(), strings.TrimSpace(dsn)); err == nil {
		t.Error("the cluster accepts connections after laborx was killed")
	}
}
