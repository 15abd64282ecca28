package process

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// testTaskEnv turns the test binary into the small program below, the way
// nomad's helper/testtask does: the driver under test runs os.Args[0] with
// this variable set, so tests need no external executables.
const testTaskEnv = "ECSLOCAL_TESTTASK"

func TestMain(m *testing.M) {
	if os.Getenv(testTaskEnv) == "1" {
		os.Exit(testTask(os.Args[1:]))
	}
	code := m.Run()
	// Every goroutine the driver started (one per task, one per pending
	// Wait) must have stopped now that the tests destroyed their tasks.
	if code == 0 {
		leaked := drivertest.LeakedGoroutines(5*time.Second, "driver/process.(*handle).run", "driver/process.(*Driver).Wait")
		if msg := drivertest.ReportLeaks(leaked); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	// Task cgroups are removed by Destroy; their parent is shared by all
	// tests of this process and goes last.
	if err := New(Options{CgroupParent: cgroupParent}).RemoveCgroupParent(); err != nil {
		fmt.Fprintln(os.Stderr, "remove test cgroup parent:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// testTask interprets its arguments as a list of steps:
//
//	sleep D          sleep for duration D
//	exit N           exit with status N
//	echo S           print S on stdout;  echo-err S: on stderr
//	print-args       print every argument, joined by "|"
//	print-env        print the environment, one sorted line per variable
//	ignore-term      ignore SIGTERM from now on
//	ready            print "ready" (tests wait for it)
//	alloc MIB        allocate and touch MIB MiB, then sleep forever
//	spawn-child      start a copy of this program that sleeps, print "child <pid>"
//	listen           serve HTTP on 127.0.0.1:$PORT, print "listening"
//
// With no exit step it exits 0 after the last step.
func testTask(args []string) int {
	all := slices.Clone(args)
	for len(args) > 0 {
		step, rest := args[0], args[1:]
		next := func() string {
			if len(rest) == 0 {
				fmt.Fprintf(os.Stderr, "testtask: %s needs an argument\n", step)
				os.Exit(100)
			}
			v := rest[0]
			rest = rest[1:]
			return v
		}
		switch step {
		case "sleep":
			d, err := time.ParseDuration(next())
			if err != nil {
				fmt.Fprintln(os.Stderr, "testtask:", err)
				return 100
			}
			time.Sleep(d)
		case "exit":
			n, _ := strconv.Atoi(next())
			return n
		case "echo":
			fmt.Println(next())
		case "echo-err":
			fmt.Fprintln(os.Stderr, next())
		case "print-args":
			fmt.Println(strings.Join(all, "|"))
		case "print-env":
			env := os.Environ()
			slices.Sort(env)
			for _, e := range env {
				fmt.Println(e)
			}
		case "ignore-term":
			signal.Ignore(syscall.SIGTERM)
		case "ready":
			fmt.Println("ready")
		case "alloc":
			mib, _ := strconv.Atoi(next())
			var keep [][]byte
			for range mib {
				b := make([]byte, 1<<20)
				for i := 0; i < len(b); i += 4096 {
					b[i] = 1
				}
				keep = append(keep, b)
			}
			fmt.Println("allocated", len(keep))
			select {}
		case "spawn-child":
			c := exec.Command(os.Args[0], "sleep", "1h")
			c.Env = os.Environ()
			if err := c.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "testtask:", err)
				return 100
			}
			fmt.Println("child", c.Process.Pid)
		case "listen":
			ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
			if err != nil {
				fmt.Fprintln(os.Stderr, "testtask:", err)
				return 100
			}
			fmt.Println("listening")
			err = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "hello from %s", os.Getenv("PORT"))
			}))
			fmt.Fprintln(os.Stderr, "testtask:", err)
			return 100
		default:
			fmt.Fprintf(os.Stderr, "testtask: unknown step %q\n", step)
			return 100
		}
		args = rest
	}
	return 0
}
