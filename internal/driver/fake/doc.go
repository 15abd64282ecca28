// Package fake is a scripted driver.Driver for agent and control-plane
// tests, after nomad's drivers/mock. Tasks run no code: each one is a
// goroutine that "exits" when its script says so or when it is signalled, on
// an injectable Clock so tests need no sleeps. It passes the same contract
// suite (drivertest) as the process driver. It imports driver and the
// standard library only.
//
// # Keys
//
// A task's behaviour is read from its TaskConfig: Labels first, then Env
// (so a task definition can script it through dockerLabels or environment).
// Durations use time.ParseDuration syntax ("1.5s", "200ms"); booleans use
// strconv.ParseBool ("true", "1"). An unparsable value makes Start fail
// with an error wrapping driver.ErrInvalidConfig.
//
//	runFor         duration  the task exits by itself after this long.
//	                         0 or absent: runs until stopped.
//	exitCode       int       exit status when runFor elapses (default 0).
//	failStart      string    Start fails with this message ("true": a
//	                         default message); no handle is created.
//	startDelay     duration  Start blocks this long (or until its ctx is
//	                         done) before the task is running.
//	ignoreSIGTERM  bool      SIGTERM is ignored, so Stop escalates to
//	                         SIGKILL after its timeout (exit 137).
//	oom            bool      when runFor elapses (at once if runFor is 0)
//	                         the task ends OOM-killed: exit code 137,
//	                         signal 9, OOMKilled.
//	imageNotFound  bool      Start fails with driver.ErrImageNotFound, as an
//	                         unknown image would.
//
// Any signal other than an ignored SIGTERM ends the task with exit code
// 128+signal, as the default action of a real process would.
//
// Every verb is recorded (Calls) for assertions. Recover (driver.Recoverer)
// resumes a task from another fake driver's handle, so agent tests can
// simulate a restart of ecslocal.
package fake
