package pgtest

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/laborx/laborx/internal/devdb"
)

// sandbox points TMPDIR at a fresh folder for the test binary, so that everything its
// tests put in temporary folders (t.TempDir, os.MkdirTemp, the throwaway cluster) is
// found afterwards by leftovers, without counting what other processes do meanwhile.
// It is in memory where it can be (memoryDir).
func sandbox() (dir string, restore func(), err error) {
	dir, err = os.MkdirTemp(memoryDir(), "laborx-test-")
	if err != nil {
		dir, err = os.MkdirTemp("", "laborx-test-") // /dev/shm not writable
	}
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: %w", err)
	}
	// The postgres OS user must pass through it when root runs the tests.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("pgtest: %w", err)
	}
	old, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", dir)
	return dir, func() {
		if had {
			os.Setenv("TMPDIR", old)
		} else {
			os.Unsetenv("TMPDIR")
		}
		os.RemoveAll(dir)
	}, nil
}

// leftovers lists what the tests left in the sandbox and the clusters relocated for
// folders in it: a test suite that runs again and again must not fill the disk.
func leftovers(dir string) []string {
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return append(out, devdb.RelocatedUnder(dir)...)
}
