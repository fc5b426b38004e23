package devdb

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// requestedFile, next to a relocated cluster, names the directory it was requested
// for: the relocated data stays traceable to its owner even after that is deleted.
const requestedFile = "requested"

// Remove deletes the cluster of the requested directory: the directory itself and, when
// the cluster was relocated, the relocated data with whatever was set aside for the same
// directory. It refuses while a server runs on it.
func Remove(requested string) (removed []string, err error) {
	abs, err := filepath.Abs(requested)
	if err != nil {
		return nil, fmt.Errorf("remove cluster: %w", err)
	}
	target := symlinkTarget(abs)
	if running(target) {
		return nil, fmt.Errorf("remove cluster: PostgreSQL runs on %s: stop laborx serve first", target)
	}
	if target != abs {
		home := filepath.Dir(target)
		// Only ever a relocation made by placeCluster.
		if filepath.Dir(home) != relocationRoot {
			return nil, fmt.Errorf("remove cluster: %s links to %s, which laborx did not create", abs, target)
		}
		if err := os.RemoveAll(home); err != nil {
			return nil, fmt.Errorf("remove cluster: %w", err)
		}
		removed = append(removed, home)
	}
	if _, err := os.Lstat(abs); err == nil {
		if err := os.RemoveAll(abs); err != nil {
			return removed, fmt.Errorf("remove cluster: %w", err)
		}
		removed = append(removed, abs)
	}
	return removed, nil
}

// RelocatedUnder lists the relocated clusters requested for directories under dir: the
// test suite checks it leaves none behind.
func RelocatedUnder(dir string) []string {
	homes, _ := filepath.Glob(filepath.Join(relocationRoot, "*", requestedFile))
	var out []string
	for _, f := range homes {
		b, err := os.ReadFile(f)
		if err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), dir+string(filepath.Separator)) {
			out = append(out, filepath.Dir(f))
		}
	}
	return out
}

// recordRequested writes which directory a relocated cluster belongs to.
func recordRequested(relocated, requested string) error {
	path := filepath.Join(filepath.Dir(relocated), requestedFile)
	if err := os.WriteFile(path, []byte(requested+"\n"), 0o644); err != nil {
		return fmt.Errorf("record the relocated cluster: %w", err)
	}
	return nil
}

// running reports whether a postmaster runs on dataDir.
func running(dataDir string) bool {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return postmasterRunning(pid, dataDir)
}
