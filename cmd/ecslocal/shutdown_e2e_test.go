package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestShutdownUnderLoad interrupts `ecslocal up` (SIGINT, as Ctrl-C does)
// while clients keep requesting the reference system through the ALB:
// every request the ALB accepted is answered 200 (none 502 while its task
// is being stopped); the ones after the listener closed are refused at
// connect and counted apart; ecslocal exits 0; no task process is left;
// and the control plane never placed a replacement the closed agents had
// to refuse.
func TestShutdownUnderLoad(t *testing.T) {
	forum := buildForum(t)
	lbPort := freePort(t)
	in := startUpWith(t, "--driver", "process", "--image", "api:v1="+forum,
		"--publish", "80:"+strconv.Itoa(lbPort), "--time-scale", "0.05")
	in.waitLine(t, "has reached a steady state", 60*time.Second)
	in.waitLine(t, "URL:", 5*time.Second)
	url := fmt.Sprintf("http://127.0.0.1:%d/api/users", lbPort)
	tasks := children(in.cmd.Process.Pid, forum)
	if len(tasks) != 1 {
		t.Fatalf("want one forum task process under ecslocal, got %v", tasks)
	}
	// The service is steady, but on this shared host a task can still be
	// replaced (its dynamic port taken); wait until the ALB serves.
	waitFor(t, 30*time.Second, "a 200 through the ALB", func() bool {
		res, err := http.Get(url)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})

	var (
		interrupted       atomic.Bool
		ok, refused       atomic.Int64
		mu                sync.Mutex
		bad, cut, early   []string
		wg                sync.WaitGroup
		okBeforeInterrupt = make(chan struct{})
		once              sync.Once
	)
	for range 4 {
		wg.Go(func() { // ends when a connection is refused or ecslocal exited
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for {
				select {
				case <-in.done:
					return
				default:
				}
				res, err := client.Get(url)
				if err != nil {
					mu.Lock()
					switch {
					case !interrupted.Load():
						early = append(early, err.Error())
					case errors.Is(err, syscall.ECONNREFUSED):
						refused.Add(1)
					default:
						cut = append(cut, err.Error())
					}
					mu.Unlock()
					if errors.Is(err, syscall.ECONNREFUSED) {
						return // the listener is closed: nothing more will be accepted
					}
					continue
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				switch {
				case res.StatusCode != 200:
					bad = append(bad, res.Status)
				case err != nil:
					cut = append(cut, "body: "+err.Error())
				default:
					if ok.Add(1) >= 50 {
						once.Do(func() { close(okBeforeInterrupt) })
					}
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-okBeforeInterrupt:
	case <-time.After(60 * time.Second):
		t.Fatalf("not 50 answers through the ALB in 60s (%d)", ok.Load())
	}
	interrupted.Store(true)
	okAtInterrupt := ok.Load()
	if err := in.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-in.done:
	case <-time.After(60 * time.Second):
		t.Fatal("ecslocal up still running 60s after SIGINT")
	}
	wg.Wait()

	if in.err != nil {
		t.Errorf("ecslocal up after SIGINT: %v; want exit 0\n%s", in.err, in.stderr.String())
	}
	t.Logf("%d answered 200 (%d of them after SIGINT), %d refused at connect after SIGINT", ok.Load(), ok.Load()-okAtInterrupt, refused.Load())
	if len(early) > 0 {
		t.Errorf("%d requests failed before SIGINT, e.g. %s", len(early), firstFew(early))
	}
	if len(bad) > 0 {
		t.Errorf("%d accepted requests were not answered 200 during shutdown, e.g. %s", len(bad), firstFew(bad))
	}
	if len(cut) > 0 {
		t.Errorf("%d requests were cut during shutdown (want answered or refused at connect), e.g. %s", len(cut), firstFew(cut))
	}
	for _, pid := range tasks {
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("task process group %d: kill 0 = %v; want ESRCH (no process left)", pid, err)
		}
	}
	// Replacements included: any process of this test's forum binary.
	if left := processesOf(forum); len(left) > 0 {
		t.Errorf("task processes %v still running after ecslocal exited", left)
	}
	if s := in.stderr.String(); strings.Contains(s, "agent refused task") {
		t.Errorf("the control plane placed tasks after the agents closed:\n%s", s)
	}
}

// processesOf lists the live processes whose executable is exe.
func processesOf(exe string) []int {
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && link == exe && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// firstFew joins the first three of ss.
func firstFew(ss []string) string {
	return strings.Join(ss[:min(3, len(ss))], "; ")
}
