package proxy

import (
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
)

// Options configures a Proxy. The zero value is usable.
type Options struct {
	// Logger receives operational messages. Nil discards them.
	Logger *slog.Logger
	// Now is the clock for slow start, stickiness expiry, trace IDs, drain
	// deadlines and the access log. Nil means time.Now.
	Now func() time.Time
	// Publish maps a listener port to the host port it is bound on (the
	// embedding process may serve listener 80 on 8080). A listener missing
	// from the map binds its own port; a mapping to 0 binds any free port
	// (see Addr).
	Publish map[int]int
	// Rand drives weighted target groups, weighted_random, slow start and
	// the random part of trace IDs. Nil means the goroutine-safe global
	// source of math/rand/v2.
	Rand elb.Rand
	// AccessLogDir is where load balancers with access_logs.s3.enabled
	// write their access log, one file per load balancer. Empty disables
	// access logs.
	AccessLogDir string
	// DefaultAddr is the address a listener binds when its snapshot leaves
	// Addr unset. The zero value means 127.0.0.1.
	DefaultAddr netip.Addr
	// Engine serves the listeners and forwards requests to targets. Nil
	// means a FastEngine with ConnectTimeout (NewStdEngine is the net/http
	// reference engine).
	Engine Engine
	// ConnectTimeout bounds establishing a target connection (504 past
	// it). Zero means DefaultConnectTimeout (10 s, §2.2). Ignored when
	// Engine is set.
	ConnectTimeout time.Duration
	// DrainInterval is how often requests to targets past their drain
	// deadline are looked for. Zero means 100 ms.
	DrainInterval time.Duration
}

// Proxy is the ALB data plane: one per process, it serves every listener of
// the current snapshot. It satisfies control's Publisher interface.
//
// Lifecycle:
//
//	New ──▶ Publish(s1) ──▶ Publish(s2) … ──▶ Shutdown(ctx) / Close
//	          │ swap routes (atomic), bind new listeners, close removed ones
//	          └ in-flight requests keep the routes they started with
//
// Requests load the routes through an atomic.Pointer and never take mu,
// which only Publish, Shutdown and Close hold.
type Proxy struct {
	log     *slog.Logger
	now     func() time.Time
	rand    elb.Rand
	engine  Engine
	opts    Options
	cookie  cookieCodec
	logs    *accessLogs
	metrics *metrics

	routes atomic.Pointer[routes]

	mu      sync.Mutex // Publish, Shutdown, Close
	servers map[string]*server
	retired []*server // removed by Publish, finishing their requests
	targets map[targetID]*targetState
	groups  map[string]*groupState
	closed  bool

	stop      chan struct{}
	drainDone chan struct{}
}

// server is one bound listener.
type server struct {
	key  string
	bind string        // the requested address (Addr:hostPort)
	idle time.Duration // the idle timeout the server was built with
	ln   net.Listener
	srv  listenerServer
	done chan struct{} // closed when Serve returns
	// drained is closed when a retired server's requests have finished.
	drained chan struct{}
}

// New returns a Proxy serving nothing until the first Publish. It starts
// the drain loop; call Shutdown or Close to stop it.
func New(opts Options) *Proxy {
	p := &Proxy{
		log:       opts.Logger,
		now:       opts.Now,
		rand:      opts.Rand,
		engine:    opts.Engine,
		opts:      opts,
		servers:   map[string]*server{},
		targets:   map[targetID]*targetState{},
		groups:    map[string]*groupState{},
		stop:      make(chan struct{}),
		drainDone: make(chan struct{}),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = elb.RandFunc(rand.IntN)
	}
	if p.engine == nil {
		p.engine = NewFastEngine(opts.ConnectTimeout)
	}
	key := make([]byte, 32)
	_, _ = crand.Read(key) // never fails (crypto/rand documents it)
	p.cookie = cookieCodec{key: key}
	p.logs = newAccessLogs(opts.AccessLogDir, p.log)
	p.metrics = newMetrics()
	p.routes.Store(&routes{listeners: map[string]*listenerRoute{}, groups: map[string]*groupRoute{}, rules: map[*elb.Rule]*ruleRoute{}})
	interval := opts.DrainInterval
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	go p.runDrain(interval)
	return p
}

// Publish makes s the routing state: new requests use it at once, requests
// in flight finish with the state they started with. Listeners new in s are
// bound on Addr:hostPort, listeners gone from s are closed (their in-flight
// requests finish). A listener whose address cannot be bound is reported in
// the returned error, which names it, and the rest of s is applied anyway;
// the next Publish tries to bind it again.
func (p *Proxy) Publish(s *elb.Snapshot) error {
	if s == nil {
		return errors.New("publish: nil snapshot")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("publish: proxy closed")
	}
	rt := p.compile(s)
	// Counters and access-log files first: requests that see rt find them.
	p.metrics.retain(rt)
	p.logs.retain(rt)
	p.routes.Store(rt)

	var errs []error
	p.retired = slices.DeleteFunc(p.retired, func(s *server) bool {
		select {
		case <-s.drained:
			return true
		default:
			return false
		}
	})
	for key, srv := range p.servers {
		lr := rt.listeners[key]
		if lr == nil || p.bindAddr(lr.ls) != srv.bind || listenerIdle(lr) != srv.idle {
			p.closeServer(srv)
			delete(p.servers, key)
		}
	}
	for key, lr := range rt.listeners {
		if p.servers[key] != nil {
			continue
		}
		srv, err := p.listen(lr)
		if err != nil {
			errs = append(errs, fmt.Errorf("listener %s (port %d): %w", key, lr.port, err))
			continue
		}
		p.servers[key] = srv
	}
	return errors.Join(errs...)
}

// compile derives the routes of s, reusing the runtime state of targets and
// groups that were already known. Called with mu held.
func (p *Proxy) compile(s *elb.Snapshot) *routes {
	rt := &routes{
		snap:      s,
		listeners: make(map[string]*listenerRoute, len(s.Listeners)),
		groups:    make(map[string]*groupRoute, len(s.TargetGroups)),
		rules:     map[*elb.Rule]*ruleRoute{},
	}
	liveTargets := map[targetID]*targetState{}
	liveGroups := map[string]*groupState{}
	for arn, tgs := range s.TargetGroups {
		gs := p.groups[arn]
		if gs == nil {
			gs = &groupState{}
		}
		liveGroups[arn] = gs
		attrs := &tgs.TargetGroup.Attributes
		gr := &groupRoute{arn: arn, tg: tgs, attrs: attrs, all: make([]*Upstream, 0, len(tgs.Targets))}
		for _, t := range tgs.Targets {
			id := targetID{group: arn, key: t.Key}
			ts := p.targets[id]
			if ts == nil {
				ts = &targetState{}
			}
			liveTargets[id] = ts
			gr.all = append(gr.all, newUpstream(t, ts))
		}
		gr.pool, gr.failingOpen = candidates(gr.all, attrs)
		gr.byKey = make(map[elb.TargetKey]*Upstream, len(gr.pool))
		for _, u := range gr.pool {
			gr.byKey[u.Key] = u
		}
		gr.selector = newSelector(attrs, gs, p.rand)
		rt.groups[arn] = gr
	}
	// Targets no longer registered drop their state; requests still
	// running to them hold it and finish (or are cut by an earlier drain
	// deadline, already fired).
	p.targets, p.groups = liveTargets, liveGroups

	for _, ls := range s.Listeners {
		if ls == nil || ls.Listener == nil || ls.LoadBalancer == nil || ls.Rules == nil {
			continue
		}
		key := listenerKey(ls)
		rt.listeners[key] = &listenerRoute{
			key:   key,
			ls:    ls,
			attrs: &ls.LoadBalancer.Attributes,
			port:  ls.Listener.Port,
			proto: ls.Listener.Protocol,
			lbID:  lbLogID(ls.LoadBalancer),

			protoValue: strings.ToLower(string(ls.Listener.Protocol)),
			portValue:  strconv.Itoa(ls.Listener.Port),
			needHeader: rulesNeedHeader(ls),
			desync:     parseDesyncMode(ls.LoadBalancer.Attributes.DesyncMitigationMode),
		}
		for _, r := range ls.Rules.Rules() {
			a := terminalAction(r)
			if a == nil {
				continue
			}
			rr := &ruleRoute{priority: r.Priority, action: a}
			if r.IsDefault {
				rr.priority = 0
			}
			if a.Type == elb.ActionTypeForward {
				fc := a.ForwardConfig
				if fc == nil {
					fc = &elb.ForwardActionConfig{TargetGroups: []elb.TargetGroupTuple{{TargetGroupARN: a.TargetGroupARN}}}
				}
				rr.weighted = elb.NewWeightedSelector(fc)
				if st := fc.TargetGroupStickinessConfig; st != nil && st.Enabled && len(fc.TargetGroups) > 1 {
					rr.tgStickinessSeconds = max(st.DurationSeconds, 1)
				}
			}
			rt.rules[r] = rr
		}
	}
	return rt
}

// bindAddr returns the address a listener binds: its Addr (or DefaultAddr,
// or 127.0.0.1) and its published host port.
func (p *Proxy) bindAddr(ls *elb.ListenerSnapshot) string {
	addr := ls.Addr
	if !addr.IsValid() {
		addr = p.opts.DefaultAddr
	}
	if !addr.IsValid() {
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	port := ls.Listener.Port
	if hp, ok := p.opts.Publish[port]; ok {
		port = hp
	}
	return net.JoinHostPort(addr.String(), strconv.Itoa(port))
}

// listenerIdle returns the idle timeout of a listener's load balancer.
func listenerIdle(lr *listenerRoute) time.Duration {
	if d := lr.attrs.IdleTimeout(); d > 0 {
		return d
	}
	return defaultIdleTimeout
}

// listen binds one listener synchronously and serves it in a goroutine
// (wtf http.Server.Open) on the engine's server, which takes its timeouts
// from the load balancer's idle timeout (§4.6). A server is not modified
// while serving, so when the attribute
// changes Publish rebinds the listener: new connections get the new
// timeout, open ones finish on the old server.
func (p *Proxy) listen(lr *listenerRoute) (*server, error) {
	bind := p.bindAddr(lr.ls)
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	idle := listenerIdle(lr)
	s := &server{key: lr.key, bind: bind, idle: idle, ln: ln, done: make(chan struct{}), drained: make(chan struct{})}
	s.srv = p.engine.newServer(p, lr.key, idle)
	go func() {
		defer close(s.done)
		err := s.srv.Serve(ln)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			p.log.Error("listener stopped", "listener", lr.key, "err", err)
		}
	}()
	p.log.Info("listener bound", "listener", lr.key, "addr", ln.Addr().String())
	return s, nil
}

// connState returns the http.Server hook that keeps ActiveConnectionCount:
// a connection counts for the load balancer that owned its listener when it
// opened, until it closes or is hijacked (a WebSocket then counts no more;
// limitation).
func (p *Proxy) connState(key string) func(net.Conn, http.ConnState) {
	var open sync.Map // net.Conn → *lbMetrics
	return func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			if lr := p.routes.Load().listeners[key]; lr != nil && lr.metrics != nil {
				lr.metrics.active.Add(1)
				open.Store(c, lr.metrics)
			}
		case http.StateClosed, http.StateHijacked:
			if m, ok := open.LoadAndDelete(c); ok {
				m.(*lbMetrics).active.Add(-1)
			}
		}
	}
}

// closeServer stops accepting on a listener and lets its in-flight
// requests finish in the background; Shutdown and Close still wait for or
// cut them. Called with mu held.
func (p *Proxy) closeServer(s *server) {
	// Close the socket now, not in Shutdown's goroutine, so a listener
	// bound in the same Publish can take the port at once.
	_ = s.ln.Close()
	p.retired = append(p.retired, s)
	go func() {
		defer close(s.drained)
		_ = s.srv.Shutdown(context.Background())
	}()
	p.log.Info("listener closed", "listener", s.key)
}

// Addr returns the address a listener is bound on (useful when it was
// published on port 0), or nil if it is not bound. key is the listener ARN
// (or ":<port>" for a listener without one).
func (p *Proxy) Addr(key string) net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.servers[key]; s != nil {
		return s.ln.Addr()
	}
	return nil
}

// Shutdown stops every listener and waits for in-flight requests to finish
// or ctx to end, then releases target connections and closes access logs.
func (p *Proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	servers := slices.Collect(maps.Values(p.servers))
	servers = append(servers, p.retired...)
	p.servers, p.retired = map[string]*server{}, nil
	p.mu.Unlock()

	close(p.stop)
	<-p.drainDone
	var errs []error
	for _, s := range servers {
		if err := s.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown listener %s: %w", s.key, err))
			_ = s.srv.Close()
		}
	}
	errs = append(errs, p.engine.Close(), p.logs.close())
	return errors.Join(errs...)
}

// Close stops every listener at once, cutting in-flight requests.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// runDrain cuts, every interval, the requests still running to draining
// targets whose deadline has passed (§4.4). It exits when the proxy shuts
// down.
func (p *Proxy) runDrain(interval time.Duration) {
	defer close(p.drainDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.tick(p.now())
		}
	}
}

// tick runs one drain round at now: every request in flight to a draining
// target whose DrainDeadline is not after now is cancelled with
// errDrainDeadline, so the client gets 502 if the target had not answered
// yet, or a closed connection if it had (§4.4). It returns how many
// requests it cut.
func (p *Proxy) tick(now time.Time) int {
	cut := 0
	for _, g := range p.routes.Load().groups {
		for _, u := range g.all {
			if u.Health.State != elb.TargetHealthStateDraining || u.DrainDeadline.IsZero() || u.DrainDeadline.After(now) {
				continue
			}
			cut += u.state.cut(errDrainDeadline)
		}
	}
	return cut
}
