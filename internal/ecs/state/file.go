package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// The file format (schema 1), one bbolt file:
//
//	bucket "meta"
//	    "schema" → the schema version, ASCII decimal ("1")
//	    "index"  → the index of the last batch written, 8 bytes big-endian
//	bucket "clusters"                  ARN → ecs.Cluster JSON (the API shape)
//	bucket "container_instances"       ARN → {"containerInstance": API shape,
//	                                          "address": "127.0.10.N"}
//	bucket "task_definitions"          ARN → ecs.TaskDefinition JSON
//	bucket "task_definition_families"  family → {"family", "lastRevision"}
//	bucket "tasks"                     ARN → ecs.Task JSON
//	bucket "services"                  ARN → ecs.Service JSON
//
// Each batch is one bbolt read-write transaction (fsynced on commit)
// holding the records it wrote or deleted and the new index.
//
// Any change to these buckets or to the records' JSON that an older file
// would not satisfy is a schema change: bump SchemaVersion, add the
// migration to migrate, and keep a file of the old schema in testdata/ as
// nomad keeps client/state/testdata/state-*.db.gz.

// SchemaVersion is the schema of the files this package writes.
const SchemaVersion = 1

// Errors of Open. ErrCorrupt and ErrSchemaTooNew are wrapped with the
// detail.
var (
	// ErrCorrupt is returned for a file that is not a state file or whose
	// contents cannot be decoded.
	ErrCorrupt = errors.New("state file is corrupt")
	// ErrSchemaTooNew is returned for a file written by a newer ecslocal.
	ErrSchemaTooNew = errors.New("state file schema is newer than this ecslocal supports")
)

var (
	metaBucket = []byte("meta")
	schemaKey  = []byte("schema")
	indexKey   = []byte("index")
)

// openTimeout bounds the wait for the file lock, so a second ecslocal on
// the same state directory fails instead of hanging.
const openTimeout = 2 * time.Second

// Open opens the state file at path, creating it if it does not exist,
// and loads it into memory. The returned Store writes every batch to the
// file before Apply returns. A file that is not a state file, or is
// damaged, gives an error wrapping ErrCorrupt; a file of a newer schema
// ErrSchemaTooNew. Close releases the file.
func Open(path string) (*Store, error) {
	return open(path, false)
}

// open is Open with bbolt's NoSync for tests that apply thousands of
// batches; never used outside tests.
func open(path string, noSync bool) (st *Store, err error) {
	// bbolt trusts its pages: a damaged file can make it panic while
	// opening or reading. Report that as corruption rather than crash
	// ecslocal, and close the file bbolt opened so its lock is released.
	var file *os.File
	var db *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("open state %s: %w: %v", path, ErrCorrupt, r)
			if db == nil && file != nil {
				file.Close()
			}
		}
		if err != nil && db != nil {
			db.Close()
		}
		if err != nil {
			st = nil
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout: openTimeout,
		NoSync:  noSync,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			file = f
			return f, err
		},
	})
	if err != nil {
		db = nil
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open state %s: locked by another process: %w", path, err)
		}
		if fi, statErr := os.Stat(path); statErr == nil && fi.Size() > 0 {
			return nil, fmt.Errorf("open state %s: %w: %w", path, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	if err := initFile(db); err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	snap, err := load(db)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	st = &Store{db: db, path: path}
	st.snap.Store(snap)
	return st, nil
}

// initFile writes the schema and the buckets into a new file and checks
// the schema of an existing one.
func initFile(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return fmt.Errorf("%w: no meta bucket", ErrCorrupt)
			}
			var err error
			if meta, err = tx.CreateBucket(metaBucket); err != nil {
				return err
			}
			if err := meta.Put(schemaKey, []byte(strconv.Itoa(SchemaVersion))); err != nil {
				return err
			}
			if err := meta.Put(indexKey, binary.BigEndian.AppendUint64(nil, 0)); err != nil {
				return err
			}
		}
		v, err := strconv.Atoi(string(meta.Get(schemaKey)))
		if err != nil {
			return fmt.Errorf("%w: schema %q", ErrCorrupt, meta.Get(schemaKey))
		}
		if err := migrate(tx, v); err != nil {
			return err
		}
		for _, name := range tableNames {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// migrate brings a file of schema v to SchemaVersion inside tx. Schema 1
// is the first; there is nothing to migrate yet.
func migrate(_ *bolt.Tx, v int) error {
	switch {
	case v > SchemaVersion:
		return fmt.Errorf("%w: file has schema %d, this ecslocal reads up to %d", ErrSchemaTooNew, v, SchemaVersion)
	case v < 1:
		return fmt.Errorf("%w: schema %d", ErrCorrupt, v)
	}
	return nil
}

// load reads every record into a snapshot at the file's index.
func load(db *bolt.DB) (*Snapshot, error) {
	s := emptySnapshot()
	err := db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(metaBucket).Get(indexKey)
		if len(idx) != 8 {
			return fmt.Errorf("%w: index %x", ErrCorrupt, idx)
		}
		s.index = binary.BigEndian.Uint64(idx)
		return errors.Join(
			loadTable(tx, TableClusters, &s.clusters, clusterCodec),
			loadTable(tx, TableContainerInstances, &s.instances, instanceCodec),
			loadTable(tx, TableTaskDefinitions, &s.taskDefs, taskDefinitionCodec),
			loadTable(tx, tableFamilies, &s.families, familyCodec),
			loadTable(tx, TableTasks, &s.tasks, taskCodec),
			loadTable(tx, TableServices, &s.services, serviceCodec),
		)
	})
	if err != nil {
		return nil, err
	}
	var all [numTables]bool
	for t := range all {
		all[t] = true
		s.tableIndex[t] = s.index
	}
	s.reindex(all)
	if err := s.checkIntegrity(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return s, nil
}

func loadTable[T any](tx *bolt.Tx, t Table, tb *table[T], c codec[T]) error {
	b := tx.Bucket([]byte(tableNames[t]))
	return b.ForEach(func(k, v []byte) error {
		rec, err := c.decode(v)
		if err != nil {
			return fmt.Errorf("%w: %s %s: %w", ErrCorrupt, t, k, err)
		}
		tb.m[string(k)] = rec
		return nil
	})
}

// writeBatch writes one batch's records and its index in one transaction.
func writeBatch(db *bolt.DB, index uint64, dirty *[numTables]map[string][]byte) error {
	return db.Update(func(tx *bolt.Tx) error {
		for t, recs := range dirty {
			if recs == nil {
				continue
			}
			b := tx.Bucket([]byte(tableNames[t]))
			for k, v := range recs {
				var err error
				if v == nil {
					err = b.Delete([]byte(k))
				} else {
					err = b.Put([]byte(k), v)
				}
				if err != nil {
					return fmt.Errorf("%s %s: %w", Table(t), k, err)
				}
			}
		}
		return tx.Bucket(metaBucket).Put(indexKey, binary.BigEndian.AppendUint64(nil, index))
	})
}
