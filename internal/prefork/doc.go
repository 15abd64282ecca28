// Package prefork runs an HTTP program as a pre-fork master with N worker
// processes that share one listening socket, the way node's cluster module
// does. It imports only the standard library and knows nothing about the
// program it supervises: it must never import the forum (or any other
// application) packages.
//
// # Process model
//
// The same binary plays both roles. The master binds the port, then re-executes
// itself once per worker; IsWorker tells the two apart through an environment
// marker. Every worker inherits three extra file descriptors:
//
//	+-------------------------------- master ---------------------------------+
//	| binds the port, never accepts; holds the listening socket, the write    |
//	| end of the lifeline pipe and the read end of every readiness pipe       |
//	+-------------------------------------------------------------------------+
//	     | fork+exec (same binary, PREFORK_WORKER=1 in the environment)
//	     |   fd 3: listening socket     (shared: one accept queue for all)
//	     |   fd 4: readiness pipe, w    (one per worker)
//	     |   fd 5: lifeline pipe, r     (EOF when the master dies)
//	     v
//	+----------+   +----------+         +----------+
//	| worker 1 |   | worker 2 |   ...   | worker N |   each accepts on fd 3;
//	+----------+   +----------+         +----------+   the kernel hands a new
//	                                                   connection to one of them
//
// In detail:
//
//   - fd 3 is a duplicate of the master's listening socket: Listener.
//   - fd 4 is the write end of a per-worker readiness pipe. Ready writes one
//     byte to it and closes it; a pipe that reaches EOF without that byte means
//     the worker died before it was ready.
//   - fd 5 is the read end of the lifeline pipe whose write end only the master
//     holds. When the master dies, for any reason including SIGKILL, the kernel
//     closes the write end, the read reaches EOF and MasterGone is closed. On
//     Linux the workers also get SIGTERM through Pdeathsig as a second line of
//     defence.
//
// Because the master keeps the socket open for its whole life, connections
// that arrive while no worker is accepting (a restart, a rolling reload) wait
// in the kernel's accept queue instead of being refused.
//
// # Worker lifecycle
//
// The master keeps N slots. Each slot holds the worker that serves it and,
// during a rolling restart, the replacement that is starting up:
//
//	             ready byte           SIGTERM (reload or shutdown)
//	exec -> starting -------> ready ----------------------------> draining
//	           |                |                                    |
//	           | exit, or start | exit (crash, kill -9)              | exit
//	           | timeout and    |                                    |
//	           | SIGKILL        |                                    |
//	           v                v                                    v
//	   exited: a start     exited: restart the slot            exited: the
//	   failure; restart    after a backoff                     end of it
//	   after a backoff
//
// The backoff starts at MinBackoff and doubles with every death in the slot,
// up to MaxBackoff; it starts over once a worker has stayed up for ten
// seconds. After MaxStartFailures start failures in a row (no worker became
// ready in between), Run stops everything and returns ErrStartFailures;
// except that when the failures are replacements in a rolling restart, only
// the rolling restart is abandoned, and the old workers keep serving.
//
// Signals to the master:
//
//	SIGTERM, SIGINT, ctx done -> close the master's listener, SIGTERM every
//	                             worker, wait up to ShutdownTimeout (+ a margin),
//	                             SIGKILL what is left, return nil. A second
//	                             SIGTERM or SIGINT kills the leftovers at once.
//	SIGHUP                    -> rolling restart, one slot at a time: start a
//	                             replacement, wait until it is ready, then
//	                             SIGTERM the old worker, which drains through
//	                             Serve. At no time are there fewer than N ready
//	                             workers.
//
// # Draining
//
// Serve runs an *http.Server on the inherited listener until its context is
// done or the master is gone, then drains without racing the clients: it stops
// accepting, marks every further response with "Connection: close" so that
// keep-alive clients reconnect (to another worker), closes connections that
// stay idle for a short while, lets in-flight requests finish and closes what
// is left once the shutdown timeout has passed.
//
// The package is Unix-only: it relies on inherited file descriptors and POSIX
// signals.
package prefork
