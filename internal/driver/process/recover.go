package process

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// This file lets a restarted ecslocal re-adopt the processes an earlier run
// started (driver.Recoverer). Start puts a handleState in
// TaskHandle.DriverState; the agent persists the handle and gives it back
// to Recover.
//
// A re-adopted process is no longer our child, which changes three things:
//
//   - its exit is observed through a pidfd (poll until readable), or by
//     polling /proc on kernels without pidfd_open, instead of waitid;
//   - its exit status cannot be read, only inferred: an OOM kill (from the
//     cgroup counter) or a SIGKILL this driver sent reports 137, anything
//     else reports ExitCode -1 with Err wrapping driver.ErrExitUnknown;
//   - it is identified by PID plus its start time in clock ticks (field 22
//     of /proc/<pid>/stat), so a reused PID is never mistaken for the task.
//
// When the main process exits, whatever is left in the task's cgroup is
// killed; the process group is not signalled then, since its ID may already
// belong to someone else.

// handleState is TaskHandle.DriverState, as JSON.
type handleState struct {
	PID        int               `json:"pid"`
	StartTicks uint64            `json:"startTicks"`
	CgroupDirs []string          `json:"cgroupDirs,omitempty"`
	MemDir     string            `json:"memDir,omitempty"`
	MemV2      bool              `json:"memV2,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

// procStat returns a process's start time in clock ticks and its state
// letter from /proc/<pid>/stat (proc(5): fields 22 and 3).
func procStat(pid int) (startTicks uint64, state byte, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// "pid (comm) S ppid ...": comm may hold spaces and parentheses, so
	// the fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f))
	}
	startTicks, err = strconv.ParseUint(f[19], 10, 64) // field 22 is the 20th after comm
	return startTicks, f[0][0], err
}

// sameProcess reports whether pid is still the live process that started
// at startTicks.
func sameProcess(pid int, startTicks uint64) bool {
	t, st, err := procStat(pid)
	return err == nil && t == startTicks && st != 'Z' && st != 'X'
}

// driverState encodes what Recover needs for h.
func (h *handle) driverState() []byte {
	st := handleState{PID: h.pid, StartTicks: h.startTicks, Details: h.details}
	if h.cg != nil {
		st.CgroupDirs, st.MemDir, st.MemV2 = h.cg.dirs, h.cg.memDir, h.cg.memV2
	}
	b, _ := json.Marshal(st) // plain data: cannot fail
	return b
}

// Recover implements driver.Recoverer. It returns nil if the task is held
// again (or was never let go), and an error wrapping driver.ErrTaskNotFound
// if its process is gone, after removing what is left of its cgroup.
func (d *Driver) Recover(ctx context.Context, th *driver.TaskHandle) error {
	if th == nil || th.Config == nil {
		return fmt.Errorf("recover task: %w: handle without config", driver.ErrInvalidConfig)
	}
	id := th.ID
	if th.Driver != Name {
		return fmt.Errorf("recover task %s: handle belongs to driver %q", id, th.Driver)
	}
	var st handleState
	if err := json.Unmarshal(th.DriverState, &st); err != nil || st.PID <= 0 {
		return fmt.Errorf("recover task %s: %w: bad driver state", id, driver.ErrInvalidConfig)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recover task %s: %w", id, err)
	}
	if err := d.tasks.reserve(id); err != nil {
		return nil // already held: nothing to do
	}
	cg := &taskCgroup{dirs: st.CgroupDirs, memDir: st.MemDir, memV2: st.MemV2}
	if !sameProcess(st.PID, st.StartTicks) {
		d.tasks.release(id)
		cg.killAll()
		if err := cg.remove(cgroupRemoveWait); err != nil {
			d.log.Warn("process driver: cgroup of a vanished task left behind", "task", id, "err", err)
		}
		return fmt.Errorf("recover task %s: process %d is gone: %w", id, st.PID, driver.ErrTaskNotFound)
	}
	h := &handle{
		cfg:        th.Config.Copy(),
		pid:        st.PID,
		startTicks: st.StartTicks,
		recovered:  true,
		cg:         cg,
		startedAt:  th.StartedAt,
		details:    st.Details,
		now:        d.now,
		doneCh:     make(chan struct{}),
	}
	d.tasks.set(id, h)
	go h.runRecovered()
	return nil
}

// runRecovered is run for a re-adopted process: it waits for the process
// to go away, clears up its cgroup and records the inferred result.
func (h *handle) runRecovered() {
	defer close(h.doneCh)
	waitGone(h.pid, h.startTicks)

	h.mu.Lock()
	h.mainExited = true
	h.mu.Unlock()
	h.cg.killAll()

	r := driver.ExitResult{ExitCode: -1, Err: fmt.Errorf("%w: task was re-adopted after a restart", driver.ErrExitUnknown)}
	h.mu.Lock()
	switch {
	case h.cg.oomKilled(driver.SIGKILL, h.sentKill):
		r = driver.ExitResult{ExitCode: 137, Signal: driver.SIGKILL, OOMKilled: true}
	case h.sentKill:
		r = driver.ExitResult{ExitCode: 137, Signal: driver.SIGKILL}
	}
	h.result, h.completedAt = r, h.now()
	h.mu.Unlock()
}

// sysPidfdOpen is pidfd_open(2)'s number, the same on every Linux
// architecture (Linux 5.3+); package syscall does not export it.
const sysPidfdOpen = 434

// waitGone blocks until the process pid that started at startTicks has
// exited: through a pidfd, which becomes readable when the process exits,
// or by polling /proc where pidfd_open is unavailable.
func waitGone(pid int, startTicks uint64) {
	fd, _, e := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if e == 0 {
		defer syscall.Close(int(fd))
		// The pidfd may name a newer process if ours exited before the
		// open: check identity after opening, not only before.
		if !sameProcess(pid, startTicks) {
			return
		}
		pfd := struct {
			fd             int32
			events, revent int16
		}{fd: int32(fd), events: 0x1} // POLLIN
		for {
			_, _, e := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, 0, 0, 0, 0)
			if e != syscall.EINTR {
				return
			}
		}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for sameProcess(pid, startTicks) {
		<-tick.C
	}
}
