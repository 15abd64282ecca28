package store

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ecslocal/ecslocal/internal/forum"
)

// seed is the reference system's data set, the default when no file is given.
//
//go:embed db.json
var seed []byte

// SeedName is how the embedded data set is named in messages.
const SeedName = "db.json (embedded)"

// Default returns the embedded seed data set.
func Default() (*DB, error) { return Load(SeedName, seed) }

// Open reads and validates the data file at path.
func Open(path string) (*DB, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read forum data: %w", err)
	}
	return Load(path, b)
}

// LoadError is one problem in a data file, with the position it was found at
// (1-based line and byte column; zero when the problem has no single place,
// such as a missing top-level list).
type LoadError struct {
	File    string
	Line    int
	Column  int
	Problem string
}

// Error formats the problem as file:line:column: problem, the form editors
// and compilers use, so a terminal can jump to it.
func (e *LoadError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Problem)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Problem)
}

// rawUser, rawThread and rawPost mirror the file's records with pointer fields
// so that a missing field can be told apart from a zero value.
type rawUser struct {
	ID       *int64  `json:"id"`
	Username *string `json:"username"`
	Name     *string `json:"name"`
	Bio      *string `json:"bio"`
}

type rawThread struct {
	ID        *int64  `json:"id"`
	Title     *string `json:"title"`
	CreatedBy *int64  `json:"createdBy"`
}

type rawPost struct {
	ID     *int64  `json:"id"` // optional: defaults to the 1-based position
	Thread *int64  `json:"thread"`
	Text   *string `json:"text"`
	User   *int64  `json:"user"`
}

// element is one record of a top-level list with the offset it starts at.
type element struct {
	raw    json.RawMessage
	offset int64
}

// loader accumulates the problems of one file so that a user sees all of them
// at once rather than fixing them one run at a time.
type loader struct {
	name string
	data []byte
	errs []error
}

func (l *loader) failAt(offset int64, format string, args ...any) {
	line, col := position(l.data, offset)
	l.errs = append(l.errs, &LoadError{File: l.name, Line: line, Column: col, Problem: fmt.Sprintf(format, args...)})
}

// Load validates data (named name in messages) and builds a DB. The error
// joins every *LoadError found; a syntax error stops at the first one.
func Load(name string, data []byte) (*DB, error) {
	l := &loader{name: name, data: data}
	lists, err := l.split()
	if err != nil {
		return nil, err
	}
	db := newDB()
	l.users(db, lists["users"])
	l.threads(db, lists["threads"])
	l.posts(db, lists["posts"])
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return db, nil
}

// split reads the top-level object {"users": [...], "threads": [...],
// "posts": [...]} token by token, recording where each record starts.
func (l *loader) split() (map[string][]element, error) {
	dec := json.NewDecoder(bytes.NewReader(l.data))
	syntax := func(err error) error {
		// The streaming decoder's offsets are relative to its buffer, so
		// the whole file is checked once more by Unmarshal, whose
		// SyntaxError.Offset counts from the start of the file.
		off := int64(len(l.data))
		var v any
		var se *json.SyntaxError
		if uerr := json.Unmarshal(l.data, &v); errors.As(uerr, &se) {
			err = uerr
			if se.Offset < int64(len(l.data)) {
				off = se.Offset - 1 // the offending byte is the last one read
			}
		} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("unexpected end of JSON input")
		}
		line, col := position(l.data, max(off, 0))
		return &LoadError{File: l.name, Line: line, Column: col, Problem: "invalid JSON: " + trimJSONPrefix(err.Error())}
	}
	expect := func(want json.Delim, what string) error {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != want {
			line, col := position(l.data, skipSpace(l.data, start))
			return &LoadError{File: l.name, Line: line, Column: col, Problem: fmt.Sprintf("want %s, found %v", what, tok)}
		}
		return nil
	}

	if err := expect('{', "an object with users, threads and posts"); err != nil {
		return nil, err
	}
	lists := map[string][]element{}
	for dec.More() {
		keyAt := skipSpace(l.data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		key, _ := tok.(string)
		switch key {
		case "users", "threads", "posts":
		default:
			l.failAt(keyAt, "unknown member %q (want users, threads, posts)", key)
		}
		if _, dup := lists[key]; dup {
			l.failAt(keyAt, "duplicate member %q", key)
		}
		if err := expect('[', fmt.Sprintf("a list for %q", key)); err != nil {
			return nil, err
		}
		list := []element{}
		for dec.More() {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(err)
			}
			list = append(list, element{raw: raw, offset: dec.InputOffset() - int64(len(raw))})
		}
		if err := expect(']', "the end of the list"); err != nil {
			return nil, err
		}
		lists[key] = list
	}
	if err := expect('}', "the end of the object"); err != nil {
		return nil, err
	}
	if end := dec.InputOffset(); !errors.Is(tokenErr(dec), io.EOF) {
		l.failAt(skipSpace(l.data, end), "unexpected data after the top-level object")
	}
	for _, key := range []string{"users", "threads", "posts"} {
		if _, ok := lists[key]; !ok {
			l.errs = append(l.errs, &LoadError{File: l.name, Problem: fmt.Sprintf("missing member %q", key)})
		}
	}
	return lists, nil
}

// decode strictly unmarshals one record, reporting unknown fields and type
// errors at their place in the file.
func (l *loader) decode(e element, what string, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(e.raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		l.failAt(e.offset+te.Offset, "%s: field %q: want %s, found JSON %s", what, te.Field, te.Type, te.Value)
		return false
	}
	l.failAt(e.offset, "%s: %s", what, trimJSONPrefix(err.Error()))
	return false
}

// missing reports the names of required fields that are nil.
func (l *loader) missing(e element, what string, fields ...any) bool {
	ok := true
	for i := 0; i < len(fields); i += 2 {
		name, _ := fields[i].(string)
		if isNil(fields[i+1]) {
			l.failAt(e.offset, "%s: missing field %q", what, name)
			ok = false
		}
	}
	return ok
}

func (l *loader) checkID(e element, what string, id int64) bool {
	if id < 0 {
		l.failAt(e.offset, "%s: id %d is negative", what, id)
		return false
	}
	return true
}

func (l *loader) users(db *DB, list []element) {
	for i, e := range list {
		what := fmt.Sprintf("users[%d]", i)
		var r rawUser
		if !l.decode(e, what, &r) ||
			!l.missing(e, what, "id", r.ID, "username", r.Username, "name", r.Name, "bio", r.Bio) ||
			!l.checkID(e, what, *r.ID) {
			continue
		}
		if _, dup := db.userByID[*r.ID]; dup {
			l.failAt(e.offset, "%s: duplicate user id %d", what, *r.ID)
			continue
		}
		u := &forum.User{ID: *r.ID, Username: *r.Username, Name: *r.Name, Bio: *r.Bio}
		db.users = append(db.users, u)
		db.userByID[u.ID] = u
	}
}

func (l *loader) threads(db *DB, list []element) {
	for i, e := range list {
		what := fmt.Sprintf("threads[%d]", i)
		var r rawThread
		if !l.decode(e, what, &r) ||
			!l.missing(e, what, "id", r.ID, "title", r.Title, "createdBy", r.CreatedBy) ||
			!l.checkID(e, what, *r.ID) {
			continue
		}
		if _, dup := db.threadByID[*r.ID]; dup {
			l.failAt(e.offset, "%s: duplicate thread id %d", what, *r.ID)
			continue
		}
		if _, ok := db.userByID[*r.CreatedBy]; !ok {
			l.failAt(e.offset, "%s: createdBy: user %d does not exist", what, *r.CreatedBy)
		}
		t := &forum.Thread{ID: *r.ID, Title: *r.Title, CreatedBy: *r.CreatedBy}
		db.threads = append(db.threads, t)
		db.threadByID[t.ID] = t
	}
}

func (l *loader) posts(db *DB, list []element) {
	for i, e := range list {
		what := fmt.Sprintf("posts[%d]", i)
		var r rawPost
		if !l.decode(e, what, &r) ||
			!l.missing(e, what, "thread", r.Thread, "text", r.Text, "user", r.User) {
			continue
		}
		id := int64(i + 1) // the original API addressed posts by position
		if r.ID != nil {
			id = *r.ID
		}
		if !l.checkID(e, what, id) {
			continue
		}
		if _, dup := db.postByID[id]; dup {
			l.failAt(e.offset, "%s: duplicate post id %d", what, id)
			continue
		}
		if _, ok := db.threadByID[*r.Thread]; !ok {
			l.failAt(e.offset, "%s: thread %d does not exist", what, *r.Thread)
		}
		if _, ok := db.userByID[*r.User]; !ok {
			l.failAt(e.offset, "%s: user %d does not exist", what, *r.User)
		}
		p := &forum.Post{ID: id, Thread: *r.Thread, Text: *r.Text, User: *r.User}
		db.posts = append(db.posts, p)
		db.postByID[id] = p
	}
}

// position converts a byte offset into a 1-based line and byte column.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// skipSpace returns the offset of the first byte at or after offset that is
// neither JSON white space nor a separator, so positions point at a token.
func skipSpace(data []byte, offset int64) int64 {
	for offset < int64(len(data)) {
		switch data[offset] {
		case ' ', '\t', '\r', '\n', ',', ':':
			offset++
		default:
			return offset
		}
	}
	return offset
}

func tokenErr(dec *json.Decoder) error {
	_, err := dec.Token()
	return err
}

func trimJSONPrefix(s string) string { return string(bytes.TrimPrefix([]byte(s), []byte("json: "))) }

func isNil(v any) bool {
	switch p := v.(type) {
	case *int64:
		return p == nil
	case *string:
		return p == nil
	}
	return v == nil
}
