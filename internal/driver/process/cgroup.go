package process

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// This file puts each task in its own cgroup with the container
// definition's limits, on whichever cgroup version holds each controller.
//
// A host may run cgroup v1, v2, or both ("hybrid": v1 hierarchies per
// controller plus a v2 tree at /sys/fs/cgroup/unified that usually holds no
// controllers). A controller lives in exactly one of them, so detection is
// per controller: memory and cpu each go to the v1 hierarchy that has them
// if there is one, else to the v2 tree if its cgroup.controllers lists them.
//
// Layout: <hierarchy>/<parent>/<task ID>, where parent is Options.CgroupParent
// taken relative to ecslocal's own cgroup in that hierarchy, or from the
// hierarchy root if it starts with "/". The default is "ecslocal" under our
// own cgroup, which keeps tasks inside whatever limits ecslocal itself runs
// under (a container, a systemd unit); on v2 that is only possible when our
// own cgroup is the root (a container with its own cgroup namespace), so
// elsewhere on v2 the default is "/ecslocal" (see parentDir).
//
//	             v1 file                       v2 file
//	hard limit   memory.limit_in_bytes         memory.max
//	no swap      memory.memsw.limit_in_bytes   memory.swap.max = 0
//	reservation  memory.soft_limit_in_bytes    memory.low
//	cpu units    cpu.shares = max(units, 2)    cpu.weight (runc's mapping)
//	OOM kills    memory.oom_control oom_kill   memory.events oom_kill
//
// Swap is switched off for tasks so that the hard limit is the limit the
// task meets (ECS's linuxParameters.maxSwap is not modelled).

// controller is one cgroup controller's hierarchy as seen by this process.
type controller struct {
	v2   bool
	base string // absolute directory of our own cgroup in this hierarchy
	root string // the hierarchy's mount point
}

// cgroupLayout is what detection found; a zero controller (root == "")
// means that controller is not available.
type cgroupLayout struct {
	memory, cpu controller
}

func (l cgroupLayout) usable() bool { return l.memory.root != "" || l.cpu.root != "" }

// version describes the layout for logs: "v1", "v2", "v1+v2" or "none".
func (l cgroupLayout) version() string {
	var v1, v2 bool
	for _, c := range []controller{l.memory, l.cpu} {
		if c.root == "" {
			continue
		}
		v2 = v2 || c.v2
		v1 = v1 || !c.v2
	}
	switch {
	case v1 && v2:
		return "v1+v2"
	case v1:
		return "v1"
	case v2:
		return "v2"
	}
	return "none"
}

// mount is one cgroup line of /proc/self/mountinfo.
type mount struct {
	point, root string
	v2          bool
	controllers []string // v1 only
}

// parseMountinfo returns the cgroup and cgroup2 mounts in r (the format of
// proc(5) /proc/<pid>/mountinfo).
func parseMountinfo(r io.Reader) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		m := mount{root: f[3], point: unescapeMount(f[4])}
		switch g[0] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			for _, o := range strings.Split(g[2], ",") {
				switch o {
				case "cpu", "memory", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer",
					"net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc":
					m.controllers = append(m.controllers, o)
				}
			}
		default:
			continue
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseProcCgroup returns our cgroup path per v1 controller and, under the
// key "", the v2 path (the format of /proc/<pid>/cgroup).
func parseProcCgroup(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// 4:memory:/a/b   or   0::/a/b
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, sc.Err()
}

// detectCgroups finds the memory and cpu controllers from the given
// mountinfo and /proc/self/cgroup contents. readControllers reads a v2
// hierarchy's root cgroup.controllers (injected for tests).
func detectCgroups(mountinfo, selfCgroup io.Reader, readControllers func(root string) string) (cgroupLayout, error) {
	mounts, err := parseMountinfo(mountinfo)
	if err != nil {
		return cgroupLayout{}, fmt.Errorf("read mountinfo: %w", err)
	}
	self, err := parseProcCgroup(selfCgroup)
	if err != nil {
		return cgroupLayout{}, fmt.Errorf("read own cgroup: %w", err)
	}
	// base joins our cgroup path to the mount, allowing for a mount whose
	// root is not the hierarchy root (bind mounts in containers).
	base := func(m mount, cg string) string {
		rel, err := filepath.Rel(m.root, cg)
		if err != nil || strings.HasPrefix(rel, "..") {
			rel = "."
		}
		return filepath.Join(m.point, rel)
	}
	var l cgroupLayout
	find := func(name string) controller {
		for _, m := range mounts {
			if !m.v2 && contains(m.controllers, name) {
				return controller{root: m.point, base: base(m, self[name])}
			}
		}
		for _, m := range mounts {
			if m.v2 && contains(strings.Fields(readControllers(m.point)), name) {
				return controller{v2: true, root: m.point, base: base(m, self[""])}
			}
		}
		return controller{}
	}
	l.memory, l.cpu = find("memory"), find("cpu")
	return l, nil
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// detectHostCgroups runs detectCgroups on this host's /proc.
func detectHostCgroups() (cgroupLayout, error) {
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return cgroupLayout{}, err
	}
	defer mi.Close()
	cg, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return cgroupLayout{}, err
	}
	defer cg.Close()
	return detectCgroups(mi, cg, func(root string) string {
		b, _ := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
		return string(b)
	})
}

// parentDir resolves the configured parent in one controller's hierarchy.
// The empty parent is the default, "ecslocal" under our own cgroup, except
// on v2 when our own cgroup is not the root: a v2 cgroup that holds
// processes cannot hand controllers down to children ("no internal
// processes"), so the default there is "/ecslocal", as Docker uses
// "/docker".
func (c controller) parentDir(parent string) string {
	if parent == "" {
		parent = "ecslocal"
		if c.v2 && c.base != c.root {
			parent = "/ecslocal"
		}
	}
	if strings.HasPrefix(parent, "/") {
		return filepath.Join(c.root, path.Clean(parent))
	}
	return filepath.Join(c.base, path.Clean("/"+parent))
}

// limits are the values a task's cgroup gets.
type limits struct {
	memoryBytes, reservationBytes int64 // 0: none
	cpuShares                     int64 // v1 shares, >= 2
}

// cpuWeight converts v1 shares (2..262144) to a v2 weight (1..10000) the way
// runc and systemd do.
func cpuWeight(shares int64) int64 {
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// taskCgroup is one task's cgroup(s): one directory per hierarchy in use
// (two on v1, where memory and cpu are separate trees; one on v2).
type taskCgroup struct {
	memDir, cpuDir string // "" when that controller is not in use
	memV2          bool
	dirs           []string // every directory created, for removal
}

// createTaskCgroup makes the task's cgroup directories under parent and
// writes its limits. On error it removes whatever it created.
func createTaskCgroup(l cgroupLayout, parent, id string, lim limits) (_ *taskCgroup, err error) {
	tc := &taskCgroup{}
	defer func() {
		if err != nil {
			tc.remove(0)
		}
	}()
	var v2names []string
	if l.memory.v2 {
		v2names = append(v2names, "+memory")
	}
	if l.cpu.v2 {
		v2names = append(v2names, "+cpu")
	}
	mkdir := func(c controller) (string, error) {
		pdir := c.parentDir(parent)
		if c.v2 {
			if err := enableV2Controllers(c, pdir, v2names); err != nil {
				return "", err
			}
		}
		dir := filepath.Join(pdir, id)
		for _, d := range tc.dirs {
			if d == dir {
				return dir, nil // memory and cpu share the v2 directory
			}
		}
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return "", err
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			return "", err
		}
		tc.dirs = append(tc.dirs, dir)
		return dir, nil
	}

	if c := l.memory; c.root != "" {
		if tc.memDir, err = mkdir(c); err != nil {
			return nil, fmt.Errorf("memory cgroup: %w", err)
		}
		tc.memV2 = c.v2
		if err := writeMemoryLimits(tc.memDir, c.v2, lim); err != nil {
			return nil, err
		}
	}
	if c := l.cpu; c.root != "" {
		if tc.cpuDir, err = mkdir(c); err != nil {
			return nil, fmt.Errorf("cpu cgroup: %w", err)
		}
		file, val := "cpu.shares", lim.cpuShares
		if c.v2 {
			file, val = "cpu.weight", cpuWeight(lim.cpuShares)
		}
		if err := writeFile(tc.cpuDir, file, strconv.FormatInt(val, 10)); err != nil {
			return nil, err
		}
	}
	return tc, nil
}

func writeMemoryLimits(dir string, v2 bool, lim limits) error {
	if v2 {
		if lim.memoryBytes > 0 {
			if err := writeFile(dir, "memory.max", strconv.FormatInt(lim.memoryBytes, 10)); err != nil {
				return err
			}
			// Absent when the kernel has no swap accounting: nothing to do.
			if err := writeFile(dir, "memory.swap.max", "0"); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if lim.reservationBytes > 0 {
			return writeFile(dir, "memory.low", strconv.FormatInt(lim.reservationBytes, 10))
		}
		return nil
	}
	if lim.memoryBytes > 0 {
		// The limit before memsw: memsw may never be below the limit.
		if err := writeFile(dir, "memory.limit_in_bytes", strconv.FormatInt(lim.memoryBytes, 10)); err != nil {
			return err
		}
		if err := writeFile(dir, "memory.memsw.limit_in_bytes", strconv.FormatInt(lim.memoryBytes, 10)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if lim.reservationBytes > 0 {
		return writeFile(dir, "memory.soft_limit_in_bytes", strconv.FormatInt(lim.reservationBytes, 10))
	}
	return nil
}

// enableV2Controllers turns on the named controllers ("+memory") in
// cgroup.subtree_control from our own cgroup (or the root, for an absolute
// parent) down to pdir, creating directories on the way. On v2 a controller
// reaches a cgroup only if every ancestor delegates it.
func enableV2Controllers(c controller, pdir string, names []string) error {
	start := c.base
	if !strings.HasPrefix(pdir, start+string(filepath.Separator)) {
		start = c.root
	}
	rel, err := filepath.Rel(start, pdir)
	if err != nil {
		return err
	}
	dir := start
	steps := append([]string{""}, strings.Split(rel, string(filepath.Separator))...)
	for _, s := range steps {
		dir = filepath.Join(dir, s)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := writeFile(dir, "cgroup.subtree_control", strings.Join(names, " ")); err != nil {
			return fmt.Errorf("delegate controllers (a v2 cgroup with processes of its own cannot; set an absolute CgroupParent): %w", err)
		}
	}
	return nil
}

func writeFile(dir, name, val string) error {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(val), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// addProc moves pid into every directory of the task cgroup.
func (tc *taskCgroup) addProc(pid int) error {
	var errs []error
	for _, d := range tc.dirs {
		errs = append(errs, writeFile(d, "cgroup.procs", strconv.Itoa(pid)))
	}
	return errors.Join(errs...)
}

// oomKilled reports whether the OOM killer has killed a process of this
// task. It reads the oom_kill counter (memory.events on v2,
// memory.oom_control on v1 from Linux 4.13). Older v1 kernels have no
// counter: there a SIGKILL that the driver did not send, in a cgroup that
// hit its limit (memory.failcnt > 0), is taken as the OOM kill it almost
// certainly was.
func (tc *taskCgroup) oomKilled(signal int, killedByUs bool) bool {
	if tc == nil || tc.memDir == "" {
		return false
	}
	file := "memory.oom_control"
	if tc.memV2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(tc.memDir, file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n > 0
		}
	}
	if tc.memV2 || signal != int(syscall.SIGKILL) || killedByUs {
		return false
	}
	b, err = os.ReadFile(filepath.Join(tc.memDir, "memory.failcnt"))
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return err == nil && n > 0
}

// procs returns the PIDs still in the task's cgroups.
func (tc *taskCgroup) procs() []int {
	var out []int
	for _, d := range tc.dirs {
		b, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// killAll sends SIGKILL to every process left in the task's cgroups: those
// that left the task's process group (setsid, daemons) included.
func (tc *taskCgroup) killAll() {
	if tc == nil {
		return
	}
	for _, pid := range tc.procs() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// remove deletes the task's cgroup directories (dirs itself is never
// changed after creation, so concurrent killAll calls stay safe), retrying for up to wait
// while the kernel finishes tearing down processes that just died (rmdir
// fails with EBUSY until they are gone).
func (tc *taskCgroup) remove(wait time.Duration) error {
	if tc == nil {
		return nil
	}
	deadline := time.Now().Add(wait)
	var errs []error
	for _, d := range tc.dirs {
		for backoff := time.Millisecond; ; backoff = min(2*backoff, 50*time.Millisecond) {
			err := os.Remove(d)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
				break
			}
			tc.killAll()
			time.Sleep(backoff)
		}
	}
	return errors.Join(errs...)
}
