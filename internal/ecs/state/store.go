package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("state store closed")

// Store is the ECS state store. Snapshot and WaitIndex may be called from
// any goroutine; Apply is meant for one writer (control) and is serialized
// anyway. A Store from NewStore lives in memory only; one from Open is
// backed by a file and must be closed.
type Store struct {
	// mu serializes Apply and Close; readers never take it.
	mu     sync.Mutex
	snap   atomic.Pointer[Snapshot]
	db     *bolt.DB // nil for an in-memory store
	path   string
	closed bool
}

// NewStore returns an empty in-memory store at index 0.
func NewStore() *Store {
	s := &Store{}
	s.snap.Store(emptySnapshot())
	return s
}

// Snapshot returns the current snapshot. It never blocks and is O(1).
func (s *Store) Snapshot() *Snapshot { return s.snap.Load() }

// Index returns the index of the last applied batch.
func (s *Store) Index() uint64 { return s.Snapshot().Index() }

// Changed returns a channel closed by the next batch that changes t; see
// Snapshot.Changed, which is the race-free way to read then wait.
func (s *Store) Changed(t Table) <-chan struct{} { return s.Snapshot().Changed(t) }

// WaitIndex blocks until a batch with an index of at least index has been
// applied, then returns a snapshot that includes it. It returns ctx's error
// if ctx ends first. WaitIndex(ctx, 0) returns at once.
func (s *Store) WaitIndex(ctx context.Context, index uint64) (*Snapshot, error) {
	for {
		snap := s.Snapshot()
		if snap.index >= index {
			return snap, nil
		}
		select {
		case <-snap.any:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for index %d: %w", index, ctx.Err())
		}
	}
}

// Apply applies ops in order as one batch and returns the batch's index.
// Either every op succeeds and the batch is published (and, for a durable
// store, written to the file before Apply returns), or Apply returns the
// first op's error, wrapped with its position, and nothing changes: the
// returned index is then the current one. The error of a rejected op is an
// *ecs.Error where ECS has a code for the problem (ecs.ErrorCode finds it
// through the wrapping). now is the only time the store writes (see the
// package doc); an empty batch changes nothing and returns the current
// index.
func (s *Store) Apply(ops []Op, now time.Time) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.snap.Load()
	if s.closed {
		return base.index, ErrClosed
	}
	if len(ops) == 0 {
		return base.index, nil
	}
	tx := newTxn(base, now)
	for i, op := range ops {
		if op == nil {
			return base.index, fmt.Errorf("op %d: nil op", i)
		}
		if err := op.apply(tx); err != nil {
			return base.index, fmt.Errorf("op %d %T: %w", i, op, err)
		}
	}
	next := tx.commit(base.index + 1)
	if s.db != nil {
		if err := writeBatch(s.db, next.index, &tx.dirty); err != nil {
			return base.index, fmt.Errorf("persist batch %d: %w", next.index, err)
		}
	}
	s.snap.Store(next)
	// Wake watchers only after the new snapshot is visible, so a woken
	// reader that takes a snapshot sees the change.
	for t, changed := range tx.copied {
		if changed {
			close(base.watch[t])
		}
	}
	close(base.any)
	return next.index, nil
}

// Close closes the file of a durable store; later Applies return
// ErrClosed, and snapshots stay readable. Closing an in-memory store only
// stops Apply. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			return fmt.Errorf("close state %s: %w", s.path, err)
		}
	}
	return nil
}

// Op is one typed change to the store. The op types of this package are
// the only implementations: apply validates the op against the batch's
// working state and writes it there.
type Op interface {
	apply(tx *txn) error
}

// txn is a batch in progress: a private copy of the base snapshot whose
// tables are cloned on first write, and the encoded records written, per
// table (a nil value is a deletion), for the file.
type txn struct {
	now    time.Time
	snap   *Snapshot
	copied [numTables]bool
	dirty  [numTables]map[string][]byte
}

func newTxn(base *Snapshot, now time.Time) *txn {
	cp := *base // shallow: tables and indexes are shared until written
	return &txn{now: now, snap: &cp}
}

// commit finishes the batch as the snapshot at index: new keys and indexes
// for the changed tables, new watch channels for them.
func (tx *txn) commit(index uint64) *Snapshot {
	s := tx.snap
	s.index = index
	s.any = make(chan struct{})
	// The revision counters move only with task definitions, so a change
	// to either is a change to TableTaskDefinitions for watchers.
	if tx.copied[tableFamilies] {
		tx.copied[TableTaskDefinitions] = true
		if tx.dirty[TableTaskDefinitions] == nil {
			tx.dirty[TableTaskDefinitions] = map[string][]byte{}
		}
	}
	for t, changed := range tx.copied {
		if changed {
			s.tableIndex[t] = index
			s.watch[t] = make(chan struct{})
		}
	}
	s.reindex(tx.copied)
	return s
}

// codec encodes a table's records for the file and decodes them back.
type codec[T any] struct {
	encode func(*T) ([]byte, error)
	decode func([]byte) (*T, error)
}

func jsonCodec[T any]() codec[T] {
	return codec[T]{
		encode: func(v *T) ([]byte, error) { return json.Marshal(v) },
		decode: func(b []byte) (*T, error) {
			v := new(T)
			if err := json.Unmarshal(b, v); err != nil {
				return nil, err
			}
			return v, nil
		},
	}
}

// put writes v under key in table t: it encodes v, keeps the bytes for the
// file, and stores the decoding of those bytes, so that memory holds what
// the file will hold (and the caller's v is never retained).
func put[T any](tx *txn, t Table, tb *table[T], c codec[T], key string, v *T) error {
	b, err := c.encode(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", t, key, err)
	}
	rec, err := c.decode(b)
	if err != nil {
		return fmt.Errorf("decode %s %s: %w", t, key, err)
	}
	writable(tx, t, tb)
	tb.m[key] = rec
	tx.dirty[t][key] = b
	return nil
}

// del removes key from table t.
func del[T any](tx *txn, t Table, tb *table[T], key string) {
	writable(tx, t, tb)
	delete(tb.m, key)
	tx.dirty[t][key] = nil
}

// writable clones table t's map on its first write in the batch, so the
// published snapshots that share it never see the change.
func writable[T any](tx *txn, t Table, tb *table[T]) {
	if tx.copied[t] {
		return
	}
	tb.m = maps.Clone(tb.m)
	if tb.m == nil {
		tb.m = map[string]*T{}
	}
	tx.copied[t] = true
	tx.dirty[t] = map[string][]byte{}
}
