package control

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/ecslocal/ecslocal/internal/elb"
	"github.com/ecslocal/ecslocal/internal/elb/health"
)

// Publisher receives every new routing snapshot. The data plane (proxy)
// satisfies it; cmd/ecslocal wires it. Publish must not call back into
// Control. An error means the snapshot could not be applied (typically a
// listener port could not be bound); the data plane is expected to keep
// serving its previous snapshot in that case.
type Publisher interface {
	Publish(s *elb.Snapshot) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(s *elb.Snapshot) error

// Publish calls f.
func (f PublisherFunc) Publish(s *elb.Snapshot) error { return f(s) }

// Resolver turns the ID of an instance target (an ECS container instance,
// e.g. "i-0abc…") into the address its published ports listen on. The ECS
// side supplies it. Targets of type ip need no resolver: their ID is the
// address.
type Resolver interface {
	ResolveInstance(id string) (netip.Addr, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(id string) (netip.Addr, error)

// ResolveInstance calls f.
func (f ResolverFunc) ResolveInstance(id string) (netip.Addr, error) { return f(id) }

// Options configure a Control. Every field may be left zero.
type Options struct {
	// Region goes into ARNs and DNS names. "" means "us-east-1".
	Region string
	// AccountID goes into ARNs. "" means "000000000000".
	AccountID string
	// Now is the source of CreatedTime. Nil means time.Now.
	Now func() time.Time
	// NewID returns a new 16-character lower-case hex resource ID, the
	// last element of every ARN. Nil means crypto/rand.
	NewID func() string
	// Publisher receives every snapshot. Nil means snapshots are built but
	// go nowhere (useful for tests of the API alone).
	Publisher Publisher
	// Resolver maps instance IDs to addresses. Nil means every instance
	// is on the loopback address 127.0.0.1 (a single-host ecslocal).
	Resolver Resolver
	// Clock drives the health checkers. Nil means the real clock.
	Clock health.Clock
	// Prober, when set, replaces the HTTP prober of every health checker
	// (tests). Nil means a health.HTTPProber that resolves instance IDs
	// through Resolver.
	Prober health.Prober
	// Logger logs publish failures and checker panics. Nil means
	// slog.Default().
	Logger *slog.Logger
	// LBAddr is the local address listeners bind. The zero value means
	// 127.0.0.1.
	LBAddr netip.Addr
	// Store makes the state durable: Open loads it from there, and every
	// successful change saves the whole state to it (see state.go for
	// what is kept). Nil means the state lives in memory only. Only Open
	// accepts a Store; New panics when it is set, because a Control that
	// saved without having loaded would overwrite the earlier state.
	Store Store
}

// Quotas of §3.6 that Control enforces.
const (
	maxLoadBalancers        = 50
	maxTargetGroups         = 3000
	maxListenersPerLB       = 50
	maxRulesPerLB           = 100 // not counting default rules
	maxTargetsPerTG         = 1000
	maxTagsPerResource      = 50
	maxDescribeTagResources = 20
)

// ErrClosed is returned by every operation after Close.
var ErrClosed = errors.New("elb control is closed")

// Control is the ALB control plane. It is safe for concurrent use. Create it
// with New and release it with Close.
type Control struct {
	region   string
	account  string
	now      func() time.Time
	newID    func() string
	pub      Publisher
	resolver Resolver
	clock    health.Clock
	prober   health.Prober
	log      *slog.Logger
	lbAddr   netip.Addr
	store    Store

	// ctx is the parent of every checker's context; cancel stops them all.
	ctx    context.Context
	cancel context.CancelFunc

	// mu guards every field below it up to healthMu.
	mu        sync.Mutex
	closed    bool
	seq       uint64 // creation order of resources, for Describe order
	version   uint64 // version of the last snapshot built
	lbs       map[string]*lbRecord
	tgs       map[string]*tgRecord
	listeners map[string]*listenerRecord
	rules     map[string]*ruleRecord
	tags      map[string]map[string]string
	saveSeq   uint64 // number of the last document captured for the Store

	// saveMu serializes Store.Save calls and guards the two fields below:
	// savedSeq is the number of the newest document handed to Save, and
	// unsaved is the newest document whose Save failed (nil once a later
	// Save succeeded). It is never held together with mu.
	saveMu   sync.Mutex
	savedSeq uint64
	unsaved  []byte

	// healthMu guards runtime: what the checkers' Reporter learns. It is
	// the innermost lock (see doc.go).
	healthMu sync.Mutex
	runtime  map[string]*tgRuntime

	// pubMu serializes Publish calls; lastPublished is the version of the
	// newest snapshot handed to the Publisher.
	pubMu         sync.Mutex
	lastPublished uint64

	// trigger is the cap-1 channel health transitions poke; pubDone is
	// closed when the publisher goroutine returns.
	trigger chan struct{}
	pubDone chan struct{}
}

// New returns a running Control with an empty, in-memory state: the health
// publisher goroutine is started, and each target group's checker is
// started when the group is created. It panics if opts.Store is set: use
// Open for a durable Control.
func New(opts Options) *Control {
	if opts.Store != nil {
		panic("control.New: Options.Store is set; use control.Open, which loads the stored state")
	}
	return newControl(opts)
}

// Open returns a running Control whose state is loaded from opts.Store
// (if it holds a document) and saved to it after every successful change.
// Every load balancer, listener, rule, target group (with its attributes,
// health check settings and registered targets) and tag comes back with
// its ARN, and in the order Describe* listed it; each group's checker is
// started with its targets, which begin as on a fresh registration (see
// state.go), and the snapshot is published so the data plane binds the
// listeners again. A Publish failure is logged, as for any change, and
// leaves the listeners in the state.
//
// Open fails, naming the store, when Load fails or the document cannot be
// decoded, is of another version, or is inconsistent. With a nil Store it
// is New and never fails.
func Open(opts Options) (*Control, error) {
	c := newControl(opts)
	if c.store == nil {
		return c, nil
	}
	data, err := c.store.Load()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("load elb state %s: %w", storeName(c.store), err)
	}
	if data == nil {
		return c, nil
	}
	c.mu.Lock()
	err = c.restoreLocked(data)
	var snap *elb.Snapshot
	if err == nil {
		snap = c.buildSnapshotLocked()
	}
	c.mu.Unlock()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("restore elb state from %s: %w", storeName(c.store), err)
	}
	c.publish(snap)
	return c, nil
}

// newControl is New without the Store check.
func newControl(opts Options) *Control {
	c := &Control{
		region:    opts.Region,
		account:   opts.AccountID,
		now:       opts.Now,
		newID:     opts.NewID,
		pub:       opts.Publisher,
		resolver:  opts.Resolver,
		clock:     opts.Clock,
		prober:    opts.Prober,
		log:       opts.Logger,
		lbAddr:    opts.LBAddr,
		store:     opts.Store,
		lbs:       map[string]*lbRecord{},
		tgs:       map[string]*tgRecord{},
		listeners: map[string]*listenerRecord{},
		rules:     map[string]*ruleRecord{},
		tags:      map[string]map[string]string{},
		runtime:   map[string]*tgRuntime{},
		trigger:   make(chan struct{}, 1),
		pubDone:   make(chan struct{}),
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.account == "" {
		c.account = "000000000000"
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.newID == nil {
		c.newID = randomID
	}
	if c.pub == nil {
		c.pub = PublisherFunc(func(*elb.Snapshot) error { return nil })
	}
	if c.resolver == nil {
		c.resolver = ResolverFunc(func(string) (netip.Addr, error) { return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil })
	}
	if c.clock == nil {
		c.clock = health.SystemClock()
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if !c.lbAddr.IsValid() {
		c.lbAddr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.runPublisher()
	return c
}

// randomID returns 16 lower-case hex characters, the form of the last
// element of every ELBv2 ARN.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// Close stops every health checker and the publisher goroutine, and waits
// for them. Operations called afterwards return ErrClosed. When the last
// Save to the Store failed, Close tries it once more and returns the
// error if it fails again (the last changes will not survive a restart).
// Close is idempotent.
func (c *Control) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.pubDone
		return c.flush()
	}
	c.closed = true
	var waits []<-chan struct{}
	for _, tg := range c.tgs {
		waits = append(waits, tg.checker.WaitCh())
	}
	c.mu.Unlock()
	c.cancel()
	for _, w := range waits {
		<-w
	}
	<-c.pubDone
	return c.flush()
}

// runPublisher publishes a new snapshot whenever a checker reports a health
// change. Bursts coalesce in the cap-1 trigger: one snapshot covers every
// change made before it was built (nomad triggerUpdateHooks).
func (c *Control) runPublisher() {
	defer close(c.pubDone)
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.trigger:
		}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return
		}
		snap := c.buildSnapshotLocked()
		c.mu.Unlock()
		c.publish(snap)
	}
}

// poke asks the publisher goroutine for a new snapshot; it never blocks.
func (c *Control) poke() {
	select {
	case c.trigger <- struct{}{}:
	default:
	}
}

// publish hands snap to the Publisher and logs a failure; the operation
// that produced it has already succeeded.
func (c *Control) publish(snap *elb.Snapshot) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	if err := c.publishLocked(snap); err != nil {
		c.log.Error("publish elb snapshot", "version", snap.Version, "err", err)
	}
}

// publishLocked publishes snap unless a newer snapshot already went out
// (each snapshot is complete, so the newer one covers this one's change).
// pubMu must be held.
func (c *Control) publishLocked(snap *elb.Snapshot) error {
	if snap.Version <= c.lastPublished {
		return nil
	}
	c.lastPublished = snap.Version
	return c.pub.Publish(snap)
}

// write runs fn under mu; when fn succeeds it builds a snapshot and
// captures the state, then publishes the snapshot and saves the state
// after mu is released. Publish and Save failures are logged, not
// returned: the change is committed.
func (c *Control) write(fn func() error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if err := fn(); err != nil {
		c.mu.Unlock()
		return err
	}
	snap := c.buildSnapshotLocked()
	st := c.captureLocked()
	c.mu.Unlock()
	c.publish(snap)
	c.save(st)
	return nil
}

// writeMeta is write for changes the data plane does not see (tags): no
// snapshot is built, the state is saved.
func (c *Control) writeMeta(fn func() error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if err := fn(); err != nil {
		c.mu.Unlock()
		return err
	}
	st := c.captureLocked()
	c.mu.Unlock()
	c.save(st)
	return nil
}

// ListenerFailure is the optional interface of a Publish error that names
// the listener the data plane could not serve (its port could not be
// bound). When every failure in a Publish error's tree (errors.Join, %w)
// implements it, CreateListener and ModifyListener fail only if their own
// listener is among them; a listener that failed earlier then does not
// block every later change. Errors that do not implement it are taken to
// concern the listener being changed.
type ListenerFailure interface {
	error
	ListenerARN() string
}

// concernsListener reports whether a Publish error may be caused by the
// listener arn: true unless every failure in the tree is a ListenerFailure
// naming another listener.
func concernsListener(err error, arn string) bool {
	if lf, ok := err.(ListenerFailure); ok {
		return lf.ListenerARN() == arn
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if concernsListener(e, arn) {
				return true
			}
		}
		return false
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return concernsListener(inner, arn)
		}
	}
	return true
}

// writeBinding is write for changes that make the data plane bind a port
// (CreateListener, ModifyListener): it publishes synchronously while holding
// pubMu, and when Publish fails because of the changed listener it runs
// undo, publishes the undone state and returns the failure as
// InvalidConfigurationRequest. undo runs under mu and must cope with later
// changes made in between (e.g. a rule created on the new listener).
// target is called after fn succeeded and returns the listener's ARN and a
// description for messages.
func (c *Control) writeBinding(fn func() (undo func(), err error), target func() (arn, desc string)) error {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	undo, err := fn()
	if err != nil {
		c.mu.Unlock()
		return err
	}
	snap := c.buildSnapshotLocked()
	st := c.captureLocked()
	c.mu.Unlock()
	perr := c.publishLocked(snap)
	if perr == nil {
		c.save(st)
		return nil
	}
	arn, desc := target()
	if !concernsListener(perr, arn) {
		c.log.Error("publish elb snapshot", "version", snap.Version, "err", perr)
		c.save(st)
		return nil
	}
	// The change is undone, so st must not be saved; the state after the
	// undo is (another change may have been saved in between, and saved
	// with this listener in it).
	c.mu.Lock()
	undo()
	snap = c.buildSnapshotLocked()
	st = c.captureLocked()
	c.mu.Unlock()
	if err := c.publishLocked(snap); err != nil {
		c.log.Error("publish elb snapshot after rollback", "version", snap.Version, "err", err)
	}
	c.save(st)
	c.log.Error("listener rolled back", "listener", arn, "err", perr)
	// The wording is ours: AWS cannot fail this way. The cause is shown
	// because it is actionable locally (usually "address already in use").
	return elb.Errorf(elb.CodeInvalidConfigurationRequest, "The listener %s could not be opened: %v", desc, perr)
}

// nextSeq returns the next creation sequence number. mu must be held.
func (c *Control) nextSeq() uint64 {
	c.seq++
	return c.seq
}
