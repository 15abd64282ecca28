package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecslocal/ecslocal/internal/driver"
	"github.com/ecslocal/ecslocal/internal/ecs"
)

// handlesSuffix ends the name of a task's handle file in Config.StateDir.
const handlesSuffix = ".handles.json"

// handleFile is the JSON content of <StateDir>/<task ID>.handles.json.
type handleFile struct {
	TaskARN string               `json:"taskArn"`
	Handles []*driver.TaskHandle `json:"handles"`
}

func handlesPath(dir, taskARN string) string {
	t := &ecs.Task{TaskARN: taskARN}
	return filepath.Join(dir, t.ID()+handlesSuffix)
}

// saveHandles writes a task's handles atomically (temp file, rename), so a
// crash leaves the old file or the new one.
func saveHandles(dir, taskARN string, hs []*driver.TaskHandle) error {
	b, err := json.Marshal(handleFile{TaskARN: taskARN, Handles: hs})
	if err != nil {
		return fmt.Errorf("encode handles of %s: %w", taskARN, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".handles-*")
	if err != nil {
		return fmt.Errorf("save handles of %s: %w", taskARN, err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("save handles of %s: %w", taskARN, err)
	}
	if err := os.Rename(f.Name(), handlesPath(dir, taskARN)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("save handles of %s: %w", taskARN, err)
	}
	return nil
}

func removeHandles(dir, taskARN string) error {
	if err := os.Remove(handlesPath(dir, taskARN)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove handles of %s: %w", taskARN, err)
	}
	return nil
}

// LoadHandles reads the driver handles an agent with Config.StateDir dir
// persisted, by task ARN: the tasks that were running when ecslocal
// stopped, for Recover. A missing directory holds none. Unreadable files
// are reported, joined, and skipped.
func LoadHandles(dir string) (map[string][]*driver.TaskHandle, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string][]*driver.TaskHandle{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load handles: %w", err)
	}
	out := map[string][]*driver.TaskHandle{}
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), handlesSuffix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("load handles: %w", err))
			continue
		}
		var hf handleFile
		err = json.Unmarshal(b, &hf)
		if err == nil && hf.TaskARN == "" {
			err = errors.New("no task ARN")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("load handles %s: %w", e.Name(), err))
			continue
		}
		out[hf.TaskARN] = hf.Handles
	}
	return out, errors.Join(errs...)
}
