package control

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Store keeps the control plane's durable state: one opaque document
// (versioned JSON, see state.go) that Control rewrites whole after every
// successful change and reads once, in Open.
type Store interface {
	// Load returns the last document saved, or (nil, nil) when nothing
	// was ever saved.
	Load() ([]byte, error)
	// Save replaces the document. It must be atomic: after a crash Load
	// returns either the previous document or this one, never a mix.
	Save(data []byte) error
}

// FileStore is a Store that keeps the document in one file. Save writes a
// temporary file in the same directory, syncs it, renames it over the
// file and syncs the directory, so a crash leaves the old or the new
// document and never a torn one.
type FileStore struct {
	path string
}

var _ Store = (*FileStore)(nil)

// NewFileStore returns a FileStore for path. The directory must exist;
// the file is created by the first Save.
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path}
}

// Path returns the file the store reads and writes.
func (s *FileStore) Path() string { return s.path }

// String returns the path; Open names the file in its errors with it.
func (s *FileStore) String() string { return s.path }

// Load reads the file. A file that does not exist is (nil, nil): the
// first run of a fresh state directory.
func (s *FileStore) Load() ([]byte, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.path, err)
	}
	return data, nil
}

// Save replaces the file atomically (temporary file, fsync, rename,
// directory fsync). On failure the file is left as it was and the
// temporary file is removed.
func (s *FileStore) Save(data []byte) (err error) {
	dir, base := filepath.Split(s.path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("save %s: sync: %w", s.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	if err := os.Rename(f.Name(), s.path); err != nil {
		return fmt.Errorf("save %s: %w", s.path, err)
	}
	// The rename is durable only once the directory entry is; without
	// this a crash right after Save could bring back the old document.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save %s: open directory: %w", s.path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("save %s: sync directory: %w", s.path, err)
	}
	return nil
}

// storeName names a store in errors: its String() when it has one (the
// FileStore's path), else its type.
func storeName(s Store) string {
	if st, ok := s.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", s)
}
