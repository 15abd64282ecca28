package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// LogGroups is what AWS::Logs::LogGroup needs from CloudWatch Logs,
// shaped after its API. Locally it is the store where the awslogs output
// of tasks lands (LogGroupDir); an agent that runs a container whose log
// driver is awslogs writes into the group its awslogs-group option names.
type LogGroups interface {
	// CreateLogGroup creates the group with the retention (0: never
	// expire). It fails with ResourceAlreadyExistsException when the
	// group exists.
	CreateLogGroup(ctx context.Context, name string, retentionDays int) error
	// PutRetentionPolicy sets the retention; 0 removes it
	// (DeleteRetentionPolicy).
	PutRetentionPolicy(ctx context.Context, name string, retentionDays int) error
	// DeleteLogGroup deletes the group and its streams. It fails with
	// ResourceNotFoundException when there is no such group.
	DeleteLogGroup(ctx context.Context, name string) error
}

// CloudWatch Logs error codes.
const (
	CodeLogsResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeLogsResourceNotFound      = "ResourceNotFoundException"
	CodeLogsInvalidParameter      = "InvalidParameterException"
)

// LogsError is a CloudWatch Logs error: the exception name and its
// message.
type LogsError struct {
	Code    string
	Message string
}

func (e *LogsError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the exception name.
func (e *LogsError) ErrorCode() string { return e.Code }

func errLogGroupNotFound() *LogsError {
	return &LogsError{Code: CodeLogsResourceNotFound, Message: "The specified log group does not exist."}
}

// logGroupNamePattern is CloudWatch Logs' constraint on a group name.
var logGroupNamePattern = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]{1,512}$`)

// retentionDays are the values RetentionInDays accepts.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func checkLogGroup(name string, days int) error {
	if !logGroupNamePattern.MatchString(name) {
		return &LogsError{Code: CodeLogsInvalidParameter, Message: fmt.Sprintf(
			"1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name)}
	}
	if days != 0 && !slices.Contains(retentionDays, days) {
		return &LogsError{Code: CodeLogsInvalidParameter, Message: fmt.Sprintf(
			"1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %v", days, retentionDays)}
	}
	return nil
}

// logGroupHandler is AWS::Logs::LogGroup over LogGroups. Ref returns the
// name; Fn::GetAtt Arn the group's ARN (with the ":*" CloudFormation
// appends).
type logGroupHandler struct{ logs LogGroups }

func (h *logGroupHandler) Replacement(p string) Replacement {
	return newReplaceOn("LogGroupName", "LogGroupClass").replacement(p)
}

type logGroupProps struct {
	LogGroupName    string `json:"LogGroupName"`
	RetentionInDays int    `json:"RetentionInDays"`
}

func logsErr(err error) error {
	if err == nil {
		return nil
	}
	return &handlerError{service: "CloudWatchLogs", err: err}
}

func (h *logGroupHandler) attrs(req *Request, name string) map[string]any {
	return map[string]any{"Arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", req.Region, req.AccountID, name)}
}

func (h *logGroupHandler) Create(ctx context.Context, req *Request) (*Result, error) {
	var p logGroupProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	name := p.LogGroupName
	if name == "" {
		name = physicalName(req.StackName, req.LogicalID, 512)
	}
	if err := checkLogGroup(name, p.RetentionInDays); err != nil {
		return nil, logsErr(err)
	}
	if err := h.logs.CreateLogGroup(ctx, name, p.RetentionInDays); err != nil {
		if errorCodeIs(err, CodeLogsResourceAlreadyExists) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", req.Type, name)
		}
		return nil, logsErr(err)
	}
	return &Result{PhysicalID: name, Attributes: h.attrs(req, name)}, nil
}

// Update applies a new RetentionInDays; the other updatable properties
// (Tags, KmsKeyId, DataProtectionPolicy) are recorded only.
func (h *logGroupHandler) Update(ctx context.Context, req *Request) (*Result, error) {
	var p logGroupProps
	if err := decode(req.Properties, &p); err != nil {
		return nil, err
	}
	for _, c := range req.Changes {
		if c.Name != "RetentionInDays" {
			continue
		}
		if err := checkLogGroup(req.PhysicalID, p.RetentionInDays); err != nil {
			return nil, logsErr(err)
		}
		if err := h.logs.PutRetentionPolicy(ctx, req.PhysicalID, p.RetentionInDays); err != nil {
			return nil, logsErr(err)
		}
	}
	return &Result{Attributes: h.attrs(req, req.PhysicalID)}, nil
}

func (h *logGroupHandler) Delete(ctx context.Context, req *Request) error {
	err := h.logs.DeleteLogGroup(ctx, req.PhysicalID)
	if errorCodeIs(err, CodeLogsResourceNotFound) {
		return nil
	}
	return logsErr(err)
}

// LogGroupDir is LogGroups on a directory: each group is the directory
// <Root>/<group name, path-escaped>, holding group.json (its name,
// creation time and retention) and one file per log stream,
// <stream name, path-escaped>.log, to which the stream's events are
// appended as lines. Path escaping keeps the '/' of names such as
// /ecs/web inside one file name. Use NewLogGroupDir.
type LogGroupDir struct {
	root string
	now  func() time.Time
	mu   sync.Mutex
}

var _ LogGroups = (*LogGroupDir)(nil)

// NewLogGroupDir returns the log groups under root. A nil now means
// time.Now.
func NewLogGroupDir(root string, now func() time.Time) *LogGroupDir {
	if now == nil {
		now = time.Now
	}
	return &LogGroupDir{root: root, now: now}
}

// LogGroup is a log group as DescribeLogGroups returns it.
type LogGroup struct {
	LogGroupName string `json:"logGroupName"`
	// CreationTime is in milliseconds since the epoch.
	CreationTime int64 `json:"creationTime"`
	// RetentionInDays is 0 when events never expire.
	RetentionInDays int `json:"retentionInDays,omitempty"`
}

const groupFile = "group.json"

func (d *LogGroupDir) dir(name string) string { return filepath.Join(d.root, url.PathEscape(name)) }

func (d *LogGroupDir) read(name string) (*LogGroup, error) {
	b, err := os.ReadFile(filepath.Join(d.dir(name), groupFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errLogGroupNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("log group %s: %w", name, err)
	}
	var g LogGroup
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("log group %s: %w", name, err)
	}
	return &g, nil
}

func (d *LogGroupDir) write(g *LogGroup) error {
	b, err := json.Marshal(g)
	if err != nil {
		return err
	}
	dir := d.dir(g.LogGroupName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("log group %s: %w", g.LogGroupName, err)
	}
	tmp := filepath.Join(dir, groupFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("log group %s: %w", g.LogGroupName, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, groupFile)); err != nil {
		return fmt.Errorf("log group %s: %w", g.LogGroupName, err)
	}
	return nil
}

func (d *LogGroupDir) create(name string, days int) error {
	if _, err := d.read(name); err == nil {
		return &LogsError{Code: CodeLogsResourceAlreadyExists, Message: "The specified log group already exists"}
	} else if !errorCodeIs(err, CodeLogsResourceNotFound) {
		return err
	}
	return d.write(&LogGroup{LogGroupName: name, CreationTime: d.now().UnixMilli(), RetentionInDays: days})
}

// CreateLogGroup creates the group's directory.
func (d *LogGroupDir) CreateLogGroup(_ context.Context, name string, retentionDays int) error {
	if err := checkLogGroup(name, retentionDays); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.create(name, retentionDays)
}

// PutRetentionPolicy records the retention. Events are kept whatever it
// says: ecslocal does not expire them.
func (d *LogGroupDir) PutRetentionPolicy(_ context.Context, name string, retentionDays int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.read(name)
	if err != nil {
		return err
	}
	g.RetentionInDays = retentionDays
	return d.write(g)
}

// DeleteLogGroup removes the group's directory and its streams.
func (d *LogGroupDir) DeleteLogGroup(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.read(name); err != nil {
		return err
	}
	if err := os.RemoveAll(d.dir(name)); err != nil {
		return fmt.Errorf("delete log group %s: %w", name, err)
	}
	return nil
}

// DescribeLogGroup returns the group.
func (d *LogGroupDir) DescribeLogGroup(name string) (*LogGroup, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.read(name)
}

// StreamPath returns the file that holds a log stream of group: what
// the awslogs log driver writes a container's output to. The caller
// creates the file (the agent hard-links the container's log file there,
// so the task's own log and the stream are one file). When the group
// does not exist StreamPath fails with ResourceNotFoundException, unless
// createGroup is set (the driver's awslogs-create-group option), which
// creates it.
func (d *LogGroupDir) StreamPath(group, stream string, createGroup bool) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.read(group); errorCodeIs(err, CodeLogsResourceNotFound) && createGroup {
		if err := d.create(group, 0); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	return filepath.Join(d.dir(group), url.PathEscape(stream)+".log"), nil
}

// Streams returns the names of the group's log streams, sorted.
func (d *LogGroupDir) Streams(group string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.read(group); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(d.dir(group), "*.log"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		name, err := url.PathUnescape(strings.TrimSuffix(filepath.Base(f), ".log"))
		if err == nil {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// AWSLogsStream is the log stream name the awslogs driver gives a
// container of an ECS task: prefix/container/task ID with an
// awslogs-stream-prefix; without one, ECS on EC2 names it after the
// Docker container ID, for which ecslocal uses the driver handle ID
// (<task ID>-<container>).
func AWSLogsStream(prefix, container, taskID string) string {
	if prefix == "" {
		return taskID + "-" + container
	}
	return prefix + "/" + container + "/" + taskID
}
