package postgres_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The benchmarks' CPU figures, read from Linux's /proc: on a shared machine CPU time
// says more about a change than wall time does. /proc counts in clock ticks of 10 ms.

// backendCPU is the user+system CPU time of PostgreSQL backend pid.
func backendCPU(pid uint32) time.Duration {
	f := statFields(int(pid))
	if f == nil {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// processCPU is the user+system CPU time of the test process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statFields are the fields of /proc/PID/stat after the command's name.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
}

// parentPID is the parent of a PostgreSQL backend: the cluster's postmaster.
func parentPID(pid uint32) int {
	f := statFields(int(pid))
	if f == nil {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// clusterCPU is the CPU time of a PostgreSQL cluster: its postmaster's, its running
// processes' and that of the processes that have exited (parallel workers), in ticks
// of 10 ms.
func clusterCPU(postmaster int) time.Duration {
	ticks := func(f []string, n int) (t int64) {
		for _, v := range f[11 : 11+n] {
			x, _ := strconv.ParseInt(v, 10, 64)
			t += x
		}
		return t
	}
	f := statFields(postmaster)
	if f == nil {
		return 0
	}
	total := ticks(f, 4)
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", postmaster, postmaster))
	for _, c := range strings.Fields(string(children)) {
		pid, _ := strconv.Atoi(c)
		if f := statFields(pid); f != nil {
			total += ticks(f, 2)
		}
	}
	return time.Duration(total) * 10 * time.Millisecond
}
