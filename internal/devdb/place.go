package devdb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// relocationRoot holds the clusters of a root laborx whose requested directory the
// postgres OS user cannot reach. It is persistent, unlike /tmp, so data survives restarts.
const relocationRoot = "/var/lib/laborx/clusters"

// account is the OS user that runs initdb and postgres when laborx runs as root; both
// refuse to run as root. A nil *account means the current user.
type account struct {
	uid, gid uint32
	groups   []uint32
}

// clusterAccount returns the postgres OS user when laborx runs as root, nil otherwise.
func clusterAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("initdb refuses to run as root and there is no postgres OS user "+
			"to run it (%w): install PostgreSQL with `apt-get install -y postgresql`", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres OS user: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres OS user: gid %q: %w", u.Gid, err)
	}
	acct := &account{uid: uint32(uid), gid: uint32(gid)}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("postgres OS user: groups: %w", err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			acct.groups = append(acct.groups, uint32(n))
		}
	}
	return acct, nil
}

// procAttr runs a child as acct in its own process group, so a Ctrl-C on laborx's terminal
// reaches laborx alone and laborx stops the cluster after draining its requests.
// Pdeathsig stops the cluster if laborx dies without stopping it; Go sets it after the
// credential switch, which would otherwise clear it. The kernel sends it when the OS
// thread that started the child exits, which Go threads do not do unless locked.
func procAttr(acct *account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGINT}
	if acct != nil {
		attr.Credential = &syscall.Credential{Uid: acct.uid, Gid: acct.gid, Groups: acct.groups}
	}
	return attr
}

// chown gives path to acct; a no-op for the current user.
func chown(path string, acct *account) error {
	if acct == nil {
		return nil
	}
	return os.Chown(path, int(acct.uid), int(acct.gid))
}

// canSearch reports whether acct may pass through the directory fi.
func (a *account) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return perm&0o100 != 0
	case st.Gid == a.gid || slices.Contains(a.groups, st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// reachable reports whether acct can pass through every existing directory from / down
// to dir; the missing ones placeCluster creates with mode 0755.
func reachable(acct *account, dir string) bool {
	for p := dir; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && !acct.canSearch(fi) {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// placeCluster decides where the cluster of the requested directory lives and prepares
// its parent. It returns the data directory, free of symlinks, and the requested path
// when that became a symlink to a relocated cluster.
func placeCluster(requested string, acct *account, log *slog.Logger) (dataDir, link string, err error) {
	abs, err := filepath.Abs(requested)
	if err != nil {
		return "", "", fmt.Errorf("place cluster: %w", err)
	}
	target := symlinkTarget(abs)
	if acct == nil || reachable(acct, filepath.Dir(target)) {
		dataDir, err := prepareParent(target)
		return dataDir, "", err
	}
	sum := sha256.Sum256([]byte(abs))
	relocated := filepath.Join(relocationRoot, hex.EncodeToString(sum[:8]), "pg")
	if err := setAsideOrphan(abs, relocated, log); err != nil {
		return "", "", fmt.Errorf("place cluster: %w", err)
	}
	if err := linkTo(abs, relocated); err != nil {
		return "", "", fmt.Errorf("place cluster: %w", err)
	}
	log.Info("the postgres OS user cannot reach the requested cluster directory; the cluster lives elsewhere",
		"requested", abs, "data_dir", relocated)
	dataDir, err = prepareParent(relocated)
	if err != nil {
		return "", "", err
	}
	return dataDir, abs, recordRequested(relocated, abs)
}

// setAsideOrphan handles a relocated cluster whose requested directory is gone: the user
// deleted the data directory (with the symlink in it) to start over, so the old cluster
// must not come back under the new one. It is renamed aside, not deleted, and the log
// says where.
func setAsideOrphan(requested, relocated string, log *slog.Logger) error {
	if _, err := os.Lstat(requested); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(relocated); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	aside := fmt.Sprintf("%s.orphaned-%d", relocated, time.Now().Unix())
	if err := os.Rename(relocated, aside); err != nil {
		return fmt.Errorf("set aside the cluster of a deleted data directory: %w", err)
	}
	log.Warn("the data directory was deleted; its old cluster was set aside and a new one is created",
		"requested", requested, "old_cluster", aside)
	return nil
}

// symlinkTarget follows path when it is a symlink, even a dangling one (a relocated
// cluster whose data was removed).
func symlinkTarget(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	dest, err := os.Readlink(path)
	if err != nil {
		return path
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(filepath.Dir(path), dest)
	}
	return dest
}

// prepareParent creates the parent of dir and returns dir with its parent's symlinks
// resolved, the form the kernel reports as the postmaster's working directory.
func prepareParent(dir string) (string, error) {
	parent := filepath.Dir(dir)
	if err := mkdirTraversable(parent); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	realParent, err := filepath.EvalSymlinks(parent)
	if err != nil {
		return "", fmt.Errorf("place cluster: %w", err)
	}
	return filepath.Join(realParent, filepath.Base(dir)), nil
}

// mkdirTraversable creates dir and its missing parents with mode 0755 whatever the umask,
// so the postgres OS user can reach the cluster below them. Existing directories are
// left as they are.
func mkdirTraversable(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := mkdirTraversable(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return os.Chmod(dir, 0o755)
}

// linkTo makes link a symlink to target, so the requested directory still shows where
// the data is. An empty directory at link is replaced; anything else is left alone.
func linkTo(link, target string) error {
	fi, err := os.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink != 0:
		if dest, _ := os.Readlink(link); dest == target {
			return nil
		}
		return fmt.Errorf("%s is a symlink to a place the postgres OS user cannot reach: "+
			"remove it or choose another data directory", link)
	case fi.IsDir():
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("%s is out of the postgres OS user's reach and cannot become a symlink "+
				"to %s (%w): move it away or choose another data directory", link, target, err)
		}
	default:
		return fmt.Errorf("%s exists and is not a directory", link)
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, link)
}
