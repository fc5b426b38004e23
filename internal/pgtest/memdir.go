package pgtest

import (
	"os"
	"syscall"
)

// tmpfsMagic is statfs's f_type of a tmpfs (linux/magic.h).
const tmpfsMagic = 0x01021994

// minMemoryDir is the free space /dev/shm must have to hold the sandbox.
const minMemoryDir = 4 << 30

// memoryDir is /dev/shm when it is a tmpfs and TMPDIR does not name another place: the
// sandbox (and so every test cluster and temporary folder) lives in memory there. Test
// databases are cloned file by file, a thousand files each, and dropped again; on
// ext4 creating those files cost a quarter of the server's CPU in the suite (inode
// allocation skipping the recently deleted ones), on tmpfs next to nothing, and the
// fsyncs of the clusters that keep them are free. A small /dev/shm (a container's
// default is 64 MiB) is not used: the suite's clusters need a few hundred MiB at once.
// "" means the default temporary folder.
func memoryDir() string {
	if _, set := os.LookupEnv("TMPDIR"); set {
		return ""
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err != nil || st.Type != tmpfsMagic {
		return ""
	}
	if uint64(st.Bavail)*uint64(st.Bsize) < minMemoryDir {
		return ""
	}
	return "/dev/shm"
}
