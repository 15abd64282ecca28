package process

import (
	"sync"

	"github.com/ecslocal/ecslocal/internal/driver"
)

// taskStore holds the driver's handles by ID. A nil entry is a reservation:
// Start claims the ID before it does any work so that two concurrent Starts
// of one ID cannot both succeed.
type taskStore struct {
	mu    sync.RWMutex
	tasks map[string]*handle
}

func newTaskStore() *taskStore { return &taskStore{tasks: map[string]*handle{}} }

// reserve claims id, or returns ErrTaskExists.
func (s *taskStore) reserve(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tasks[id]; ok {
		return driver.ErrTaskExists
	}
	s.tasks[id] = nil
	return nil
}

// set fills a reservation.
func (s *taskStore) set(id string, h *handle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[id] = h
}

// release drops a reservation after a failed Start.
func (s *taskStore) release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tasks[id] == nil {
		delete(s.tasks, id)
	}
}

// get returns the handle for id; reservations count as not found.
func (s *taskStore) get(id string) (*handle, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h := s.tasks[id]
	if h == nil {
		return nil, driver.NewErrTaskNotFound(id)
	}
	return h, nil
}

// delete forgets h if it is still the handle stored under its ID and
// reports whether it did.
func (s *taskStore) delete(h *handle) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tasks[h.cfg.ID] != h {
		return false
	}
	delete(s.tasks, h.cfg.ID)
	return true
}
