package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's
// times: 100 on every Linux Go runs on.
const clockTicks = 100

// pgCPU returns the CPU time (user+sys) the bench cluster has used so far:
// the postmaster's own, that of the backends it has reaped (cutime and
// cstime) and that of its children still running (checkpointer, walwriter,
// the backends of open connections). It reads /proc, so it is zero where
// there is none or the cluster is not on a local socket. It first waits a
// moment: a backend whose client just ended counts in neither sum until
// the postmaster has reaped it.
func pgCPU(admin string) time.Duration {
	time.Sleep(500 * time.Millisecond)
	u, err := url.Parse(admin)
	if err != nil {
		return 0
	}
	dir := u.Query().Get("host")
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")) // scripts/pg.sh's layout
	if err != nil {
		if b, err = os.ReadFile(filepath.Join(dir, "postmaster.pid")); err != nil {
			return 0
		}
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return 0
	}
	own, ok := procTimes(pid, true)
	if !ok {
		return 0
	}
	total := own
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		child, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil || child == pid || parentOf(child) != pid {
			continue
		}
		t, _ := procTimes(child, false)
		total += t
	}
	return total
}

// statFields returns the fields of /proc/<pid>/stat after the command
// (field 3, the state, is the first).
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

func parentOf(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// procTimes is utime+stime of pid, with its reaped children's when
// children is set.
func procTimes(pid int, children bool) (time.Duration, bool) {
	f := statFields(pid)
	if len(f) < 15 {
		return 0, false
	}
	last := 13 // stime is field 15, f[12]; cstime field 17, f[14]
	if children {
		last = 15
	}
	var ticks int64
	for _, v := range f[11:last] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, true
}

// cpuNote says what a run cost in core-seconds, postvakt's (m.cpu) and
// PostgreSQL's (pg, zero when unknown), in all and per 1,000 of n; the
// ratios to a bare loop move with whatever else shares the cores, these
// much less. It goes to stderr as well, for a run of one section.
func (b *bench) cpuNote(m measured, pg time.Duration, n int, what string) string {
	per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(max(n, 1)) }
	s := fmt.Sprintf("CPU postvakt %.1f core-s (%.2f per 1,000 %s)", m.cpu.Seconds(), per(m.cpu), what)
	if pg > 0 {
		s += fmt.Sprintf(", PostgreSQL %.1f core-s (%.2f per 1,000)", pg.Seconds(), per(pg))
	}
	fmt.Fprintln(os.Stderr, "  "+s)
	return s
}
