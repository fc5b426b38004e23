package devdb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// libGlob is where Debian and Ubuntu install each PostgreSQL major version; a variable so
// tests can point it at an empty place.
var libGlob = "/usr/lib/postgresql/*/bin"

// Binaries are the PostgreSQL server programs a cluster needs, as absolute paths with
// symlinks resolved (postgres finds its share directory next to its real location).
type Binaries struct {
	Initdb   string
	Postgres string
}

// FindBinaries looks for initdb and postgres on PATH first, then in the highest version
// under /usr/lib/postgresql/*/bin, where Debian keeps them off PATH.
func FindBinaries() (Binaries, error) {
	if b, err := binariesIn(exec.LookPath); err == nil {
		return b, nil
	}
	dirs, err := filepath.Glob(libGlob)
	if err != nil {
		return Binaries{}, fmt.Errorf("find postgresql binaries: %w", err)
	}
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		b, err := binariesIn(func(name string) (string, error) {
			return exec.LookPath(filepath.Join(dir, name))
		})
		if err == nil {
			return b, nil
		}
	}
	return Binaries{}, fmt.Errorf("PostgreSQL server binaries (initdb, postgres) not found on PATH "+
		"or in %s: install them with `apt-get install -y postgresql`", libGlob)
}

// binariesIn finds both programs with look, which returns an executable's path or an error.
func binariesIn(look func(name string) (string, error)) (Binaries, error) {
	var paths [2]string
	for i, name := range []string{"initdb", "postgres"} {
		path, err := look(name)
		if err != nil {
			return Binaries{}, err
		}
		if paths[i], err = filepath.EvalSymlinks(path); err != nil {
			return Binaries{}, err
		}
		if fi, err := os.Stat(paths[i]); err != nil || fi.IsDir() {
			return Binaries{}, errors.New(name + " is not a program")
		}
	}
	return Binaries{Initdb: paths[0], Postgres: paths[1]}, nil
}

// versionOf returns the version directory of ".../postgresql/15/bin".
func versionOf(binDir string) string {
	return filepath.Base(filepath.Dir(binDir))
}

// compareVersions compares dotted versions numerically, so "10" sorts above "9.6".
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		if c := versionPart(as, i) - versionPart(bs, i); c != 0 {
			return c
		}
	}
	return 0
}

func versionPart(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n, err := strconv.Atoi(parts[i])
	if err != nil {
		return -1
	}
	return n
}
