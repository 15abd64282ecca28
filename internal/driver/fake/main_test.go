package fake

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ecslocal/ecslocal/internal/driver/drivertest"
)

// TestMain checks that every goroutine the driver started (one per task,
// one per pending Wait) has stopped once the tests have destroyed their
// tasks.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		leaked := drivertest.LeakedGoroutines(5*time.Second, "driver/fake.(*handle).run", "driver/fake.(*Driver).Wait")
		if msg := drivertest.ReportLeaks(leaked); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			code = 1
		}
	}
	os.Exit(code)
}
