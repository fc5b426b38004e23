package devdb

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// clearStalePID removes the postmaster.pid of a server that is gone, and refuses to start
// when a server still runs on dataDir. PostgreSQL removes a lock file whose process is
// dead, but after a crash or a container restart the pid is often taken by an unrelated
// process, and PostgreSQL then refuses to start.
func clearStalePID(dataDir string, log *slog.Logger) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err == nil && postmasterRunning(pid, dataDir) {
		return fmt.Errorf("a PostgreSQL server (pid %d) is already running on %s: "+
			"is another laborx using the same data directory?", pid, dataDir)
	}
	log.Warn("removing stale postmaster.pid", "path", path, "pid", first)
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale postmaster.pid: %w", err)
	}
	return nil
}

// postmasterRunning reports whether pid is a live server of dataDir: a postmaster's
// working directory is its data directory.
func postmasterRunning(pid int, dataDir string) bool {
	if pid <= 0 || errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false
	case err != nil:
		return true // another user's process: assume the worst, the error says which pid
	default:
		return cwd == dataDir
	}
}
