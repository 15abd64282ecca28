package agent

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// testTaskEnv turns the test binary into a container program, as the
// process driver's tests do (nomad's helper/testtask): the process driver
// runs os.Args[0] with this variable set.
const testTaskEnv = "ECSLOCAL_AGENT_TESTTASK"

func TestMain(m *testing.M) {
	if os.Getenv(testTaskEnv) == "1" {
		os.Exit(testTask())
	}
	code := m.Run()
	// Every runner, every exit watcher and every driver goroutine the
	// tests caused must have stopped once they killed or destroyed their
	// tasks.
	if code == 0 {
		leaked := drivertest.LeakedGoroutines(5*time.Second,
			"ecs/agent.(*TaskRunner)",
			"driver/fake.(*handle).run", "driver/fake.(*Driver).Wait",
			"driver/process.(*handle).run", "driver/process.(*Driver).Wait")
		if msg := drivertest.ReportLeaks(leaked); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	os.Exit(code)
}

// testTask is the container program: it says it is up and runs until a
// signal ends it (SIGTERM's default action: exit code 143).
func testTask() int {
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return 0
}
