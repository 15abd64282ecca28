package process

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// Mountinfo samples: this development machine (hybrid: v1 controllers plus
// an empty v2 tree) and a pure v2 host.
const (
	hybridMountinfo = `30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	hybridSelf = `9:name=systemd:/
4:memory:/process_api/7bb0
2:cpuacct:/
1:cpu:/
0::/
`
	v2Mountinfo = `25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
26 30 0:23 / /proc rw - proc proc rw
`
	v2Self = "0::/user.slice/session-1.scope\n"
)

func TestDetectCgroups(t *testing.T) {
	t.Parallel()
	controllers := func(string) string { return "cpuset cpu io memory pids" }
	tests := []struct {
		name, mountinfo, self string
		controllers           func(string) string
		want                  cgroupLayout
		version               string
	}{
		{"Hybrid", hybridMountinfo, hybridSelf, func(string) string { return "hugetlb" }, cgroupLayout{
			memory: controller{root: "/sys/fs/cgroup/memory", base: "/sys/fs/cgroup/memory/process_api/7bb0"},
			cpu:    controller{root: "/sys/fs/cgroup/cpu", base: "/sys/fs/cgroup/cpu"},
		}, "v1"},
		{"V2", v2Mountinfo, v2Self, controllers, cgroupLayout{
			memory: controller{v2: true, root: "/sys/fs/cgroup", base: "/sys/fs/cgroup/user.slice/session-1.scope"},
			cpu:    controller{v2: true, root: "/sys/fs/cgroup", base: "/sys/fs/cgroup/user.slice/session-1.scope"},
		}, "v2"},
		{"HybridWithV2Memory", strings.Replace(hybridMountinfo, "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n", "", 1),
			hybridSelf, func(string) string { return "memory" }, cgroupLayout{
				memory: controller{v2: true, root: "/sys/fs/cgroup/unified", base: "/sys/fs/cgroup/unified"},
				cpu:    controller{root: "/sys/fs/cgroup/cpu", base: "/sys/fs/cgroup/cpu"},
			}, "v1+v2"},
		{"None", "26 30 0:23 / /proc rw - proc proc rw\n", "", controllers, cgroupLayout{}, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := detectCgroups(strings.NewReader(tc.mountinfo), strings.NewReader(tc.self), tc.controllers)
			if err != nil {
				t.Fatal(err)
			}
			if l != tc.want {
				t.Errorf("layout = %+v; want %+v", l, tc.want)
			}
			if v := l.version(); v != tc.version {
				t.Errorf("version = %s; want %s", v, tc.version)
			}
		})
	}
}

func TestParentDir(t *testing.T) {
	t.Parallel()
	c := controller{root: "/cg", base: "/cg/a/b"}
	if got := c.parentDir("ecslocal"); got != "/cg/a/b/ecslocal" {
		t.Errorf("relative parent = %s", got)
	}
	if got := c.parentDir("/ecslocal"); got != "/cg/ecslocal" {
		t.Errorf("absolute parent = %s", got)
	}
	if got := c.parentDir("../../escape"); got != "/cg/a/b/escape" {
		t.Errorf("parent with .. = %s; want it kept under the base", got)
	}
	if got := c.parentDir(""); got != "/cg/a/b/ecslocal" {
		t.Errorf("default parent on v1 = %s", got)
	}
	v2 := controller{v2: true, root: "/cg", base: "/cg/user.slice/s.scope"}
	if got := v2.parentDir(""); got != "/cg/ecslocal" {
		t.Errorf("default parent on v2 below the root = %s; want /cg/ecslocal", got)
	}
	v2.base = "/cg"
	if got := v2.parentDir(""); got != "/cg/ecslocal" {
		t.Errorf("default parent on v2 at the root = %s", got)
	}
}

func TestCPUWeight(t *testing.T) {
	t.Parallel()
	for shares, want := range map[int64]int64{2: 1, 1024: 39, 262144: 10000, 0: 1} {
		if got := cpuWeight(shares); got != want {
			t.Errorf("cpuWeight(%d) = %d; want %d", shares, got, want)
		}
	}
}

// TestCreateTaskCgroupV2Files checks the v2 file writes against a plain
// directory standing in for a cgroup2 mount.
func TestCreateTaskCgroupV2Files(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	c := controller{v2: true, root: root, base: filepath.Join(root, "svc")}
	l := cgroupLayout{memory: c, cpu: c}
	tc, err := createTaskCgroup(l, "ecslocal", "task1", limits{memoryBytes: 64 << 20, reservationBytes: 32 << 20, cpuShares: 1024})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "svc", "ecslocal", "task1")
	if tc.memDir != dir || tc.cpuDir != dir || len(tc.dirs) != 1 {
		t.Errorf("cgroup = %+v; want one directory %s", tc, dir)
	}
	want := map[string]string{
		"svc/cgroup.subtree_control":          "+memory +cpu",
		"svc/ecslocal/cgroup.subtree_control": "+memory +cpu",
		"svc/ecslocal/task1/memory.max":       "67108864",
		"svc/ecslocal/task1/memory.swap.max":  "0",
		"svc/ecslocal/task1/memory.low":       "33554432",
		"svc/ecslocal/task1/cpu.weight":       "39",
	}
	for f, w := range want {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || string(b) != w {
			t.Errorf("%s = %q, %v; want %q", f, b, err, w)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "memory.events"), []byte("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !tc.oomKilled(0, false) {
		t.Error("oomKilled = false with oom_kill 1 in memory.events")
	}
}

// TestOOMKilledV1Fallback: without an oom_kill counter (v1 before Linux
// 4.13), an unexplained SIGKILL in a cgroup that hit its limit is an OOM
// kill, and a SIGKILL the driver sent is not.
func TestOOMKilledV1Fallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tc := &taskCgroup{memDir: dir}
	write := func(name, val string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(val), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n")
	write("memory.failcnt", "12\n")
	if !tc.oomKilled(9, false) {
		t.Error("unexplained SIGKILL at the limit: oomKilled = false")
	}
	if tc.oomKilled(9, true) || tc.oomKilled(15, false) {
		t.Error("SIGKILL sent by the driver, or SIGTERM, counted as OOM")
	}
	write("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
	if tc.oomKilled(9, false) {
		t.Error("oom_kill 0 counted as OOM")
	}
}

// requireCgroups returns a driver whose tasks get real cgroups, or skips
// the test when this host cannot give them (not root, read-only cgroupfs,
// no controllers). It never skips for a reason other than that.
func requireCgroups(t *testing.T) *Driver {
	t.Helper()
	d := newDriver(t)
	if !d.layout.usable() {
		t.Skip("no usable memory/cpu cgroup controller on this host")
	}
	cfg := taskConfig(t, "probe-"+t.Name(), "exit", "0")
	cfg.ID = strings.ReplaceAll(cfg.ID, "/", "_")
	cfg.MemoryMiB = 64
	startTask(t, d, cfg)
	st, err := d.Inspect(cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Details["cgroup.memory"] == "" {
		t.Skipf("cgroups are not writable here (%s): tasks run without limits", d.CgroupVersion())
	}
	return d
}

func TestCgroupLimits(t *testing.T) {
	t.Parallel()
	d := requireCgroups(t)
	cfg := taskConfig(t, "limits", "ready", "sleep", "1h")
	cfg.MemoryMiB, cfg.MemoryReservationMiB, cfg.CPUUnits = 64, 16, 512
	startTask(t, d, cfg)
	st, err := d.Inspect(cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("cgroup %s: %v", d.CgroupVersion(), st.Details)
	memDir, cpuDir := st.Details["cgroup.memory"], st.Details["cgroup.cpu"]
	read := func(dir, file string) string {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("read %s: %v", file, err)
		}
		return strings.TrimSpace(string(b))
	}
	if d.layout.memory.v2 {
		if got := read(memDir, "memory.max"); got != "67108864" {
			t.Errorf("memory.max = %s", got)
		}
	} else {
		if got := read(memDir, "memory.limit_in_bytes"); got != "67108864" {
			t.Errorf("memory.limit_in_bytes = %s", got)
		}
		if got := read(memDir, "memory.soft_limit_in_bytes"); got != "16777216" {
			t.Errorf("memory.soft_limit_in_bytes = %s", got)
		}
	}
	if cpuDir != "" && !d.layout.cpu.v2 {
		if got := read(cpuDir, "cpu.shares"); got != "512" {
			t.Errorf("cpu.shares = %s", got)
		}
	}
	// The task's process is inside its cgroups.
	for _, dir := range []string{memDir, cpuDir} {
		if dir == "" {
			continue
		}
		if procs := read(dir, "cgroup.procs"); !strings.Contains("\n"+procs+"\n", "\n"+strconv.Itoa(st.PID)+"\n") {
			t.Errorf("%s/cgroup.procs = %q; want pid %d", dir, procs, st.PID)
		}
	}
	if err := d.Destroy(cfg.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{memDir, cpuDir} {
		if _, err := os.Stat(dir); dir != "" && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("cgroup %s still exists after Destroy (%v)", dir, err)
		}
	}
}

// TestOOMKilled: a task with a 32 MiB hard limit that allocates 128 MiB is
// killed by the kernel and reported as OOM-killed with exit code 137.
func TestOOMKilled(t *testing.T) {
	t.Parallel()
	d := requireCgroups(t)
	cfg := taskConfig(t, "oom", "alloc", "128")
	cfg.MemoryMiB = 32
	startTask(t, d, cfg)
	r := waitExit(t, d, cfg.ID)
	if want := (driver.ExitResult{ExitCode: 137, Signal: driver.SIGKILL, OOMKilled: true}); r != want {
		t.Errorf("exit = %v; want %v; log:\n%s", r, want, readLog(t, cfg))
	}
	// A task killed by Stop is not mistaken for an OOM kill.
	cfg2 := taskConfig(t, "not-oom", "ready", "sleep", "1h")
	cfg2.MemoryMiB = 32
	startTask(t, d, cfg2)
	waitLog(t, cfg2, readyRE)
	if err := d.Stop(cfg2.ID, 0, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if r := waitExit(t, d, cfg2.ID); r.OOMKilled || r.ExitCode != 137 {
		t.Errorf("SIGKILLed task exit = %v; want 137 without OOM", r)
	}
}

// TestCgroupsUnwritable: when task cgroups cannot be created the task still
// runs, without limits, and the driver warns once, not once per task.
func TestCgroupsUnwritable(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	var mu sync.Mutex
	d := New(Options{
		Images:         ImageMap{"testtask:v1": {Path: testExecutable(t)}},
		BaseEnv:        []string{},
		DisableCgroups: true,
		Logger:         slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil)),
	})
	// A hierarchy whose directories cannot be made: its base is a file.
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d.layout = cgroupLayout{memory: controller{root: file, base: file}}
	for _, id := range []string{"a", "b"} {
		cfg := taskConfig(t, "unwritable-"+id, "exit", "3")
		cfg.MemoryMiB = 32
		startTask(t, d, cfg)
		if r := waitExit(t, d, cfg.ID); r.ExitCode != 3 {
			t.Errorf("task %s exit = %v; want 3", id, r)
		}
		if st, _ := d.Inspect(cfg.ID); st.Details["cgroup.version"] != "none" {
			t.Errorf("Details = %v; want cgroup.version none", st.Details)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "cannot create task cgroups"); n != 1 {
		t.Errorf("%d warnings; want 1:\n%s", n, logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestParseMountinfoEscapesAndCombined(t *testing.T) {
	t.Parallel()
	in := `31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
41 30 0:38 /ns /mnt/my\040cgroups rw - cgroup2 cgroup2 rw
`
	ms, err := parseMountinfo(strings.NewReader(in))
	if err != nil || len(ms) != 2 {
		t.Fatalf("parseMountinfo = %+v, %v", ms, err)
	}
	if ms[0].point != "/sys/fs/cgroup/cpu,cpuacct" || strings.Join(ms[0].controllers, ",") != "cpu,cpuacct" {
		t.Errorf("combined v1 mount = %+v", ms[0])
	}
	if ms[1].point != "/mnt/my cgroups" || ms[1].root != "/ns" || !ms[1].v2 {
		t.Errorf("escaped v2 mount = %+v", ms[1])
	}
}
