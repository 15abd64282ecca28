package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecslocal/ecslocal/internal/forum"
	"github.com/ecslocal/ecslocal/internal/forum/store"
)

func TestDefault(t *testing.T) {
	db, err := store.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	users, _ := db.FindUsers(ctx)
	threads, _ := db.FindThreads(ctx)
	posts, _ := db.FindPosts(ctx, forum.PostFilter{})
	if len(users) != 4 || len(threads) != 3 || len(posts) != 6 {
		t.Fatalf("got %d users, %d threads, %d posts; want 4, 3, 6", len(users), len(threads), len(posts))
	}
	for i, p := range posts {
		if p.ID != int64(i+1) {
			t.Errorf("post %d: got id %d; want its 1-based position %d", i, p.ID, i+1)
		}
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindUserByID(ctx, 99)
		if forum.ErrorCode(err) != forum.ENOTFOUND || forum.ErrorMessage(err) != "user 99 not found" {
			t.Fatalf("got %v; want ENOTFOUND user 99 not found", err)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		thread, user := int64(2), int64(2)
		got, _ := db.FindPosts(ctx, forum.PostFilter{ThreadID: &thread, UserID: &user})
		if len(got) != 1 || got[0].ID != 4 {
			t.Fatalf("got %v; want post 4 only", got)
		}
		none := int64(42)
		got, _ = db.FindPosts(ctx, forum.PostFilter{ThreadID: &none})
		if got == nil || len(got) != 0 {
			t.Fatalf("got %#v; want an empty, non-nil slice", got)
		}
	})
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	data := `{"users":[{"id":7,"username":"u","name":"U","bio":""}],"threads":[{"id":1,"title":"t","createdBy":7}],
"posts":[{"id":10,"thread":1,"text":"a","user":7},{"thread":1,"text":"b","user":7}]}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.FindPostByID(context.Background(), 2)
	if err != nil || p.Text != "b" {
		t.Fatalf("post 2: got %v, %v; want the second post (its position)", p, err)
	}
	if _, err := store.Open(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("got %v; want an error naming the file", err)
	}
}

// loadErrorTests: each invalid file and every problem it must report, in
// order, as file:line:column: problem.
var loadErrorTests = []struct {
	name string
	data string
	want []string
}{
	{"ErrSyntax", "{\n  \"users\": [\n    {\"id\": 1,}\n  ]\n}", []string{"f.json:3:14: invalid JSON: invalid character '}' looking for beginning of object key string"}},
	{"ErrTruncated", `{"users": [`, []string{"f.json:1:12: invalid JSON: unexpected end of JSON input"}},
	{"ErrEmpty", ``, []string{"f.json:1:1: invalid JSON: unexpected end of JSON input"}},
	{"ErrNotObject", `[1]`, []string{`f.json:1:1: want an object with users, threads and posts, found [`}},
	{"ErrListNotArray", `{"users": {}}`, []string{`f.json:1:11: want a list for "users", found {`}},
	{"ErrMissingLists", `{"users": []}`, []string{`f.json: missing member "threads"`, `f.json: missing member "posts"`}},
	{"ErrUnknownMember", `{"users": [], "threads": [], "posts": [], "likes": []}`, []string{`f.json:1:43: unknown member "likes" (want users, threads, posts)`}},
	{"ErrDuplicateMember", `{"users": [], "users": [], "threads": [], "posts": []}`, []string{`f.json:1:15: duplicate member "users"`}},
	{"ErrTrailing", `{"users": [], "threads": [], "posts": []} {}`, []string{`f.json:1:43: unexpected data after the top-level object`}},
	{
		"ErrMissingField",
		"{\"users\": [\n {\"id\": 1, \"username\": \"a\", \"name\": \"A\"}\n], \"threads\": [], \"posts\": []}",
		[]string{`f.json:2:2: users[0]: missing field "bio"`},
	},
	{
		"ErrWrongType",
		`{"users": [{"id": "1", "username": "a", "name": "A", "bio": ""}], "threads": [], "posts": []}`,
		[]string{`f.json:1:22: users[0]: field "id": want int64, found JSON string`},
	},
	{
		"ErrFractionalID",
		`{"users": [{"id": 1.5, "username": "a", "name": "A", "bio": ""}], "threads": [], "posts": []}`,
		[]string{`f.json:1:22: users[0]: field "id": want int64, found JSON number 1.5`},
	},
	{
		"ErrUnknownField",
		`{"users": [{"id": 1, "username": "a", "name": "A", "bio": "", "age": 3}], "threads": [], "posts": []}`,
		[]string{`f.json:1:12: users[0]: unknown field "age"`},
	},
	{
		"ErrNegativeID",
		`{"users": [{"id": -3, "username": "a", "name": "A", "bio": ""}], "threads": [], "posts": []}`,
		[]string{`f.json:1:12: users[0]: id -3 is negative`},
	},
	{
		"ErrDuplicateIDs",
		"{\"users\": [\n{\"id\": 1, \"username\": \"a\", \"name\": \"A\", \"bio\": \"\"},\n{\"id\": 1, \"username\": \"b\", \"name\": \"B\", \"bio\": \"\"}],\n" +
			"\"threads\": [{\"id\": 1, \"title\": \"t\", \"createdBy\": 1}, {\"id\": 1, \"title\": \"u\", \"createdBy\": 1}],\n" +
			"\"posts\": [{\"thread\": 1, \"text\": \"x\", \"user\": 1}, {\"id\": 1, \"thread\": 1, \"text\": \"y\", \"user\": 1}]}",
		[]string{
			`f.json:3:1: users[1]: duplicate user id 1`,
			`f.json:4:54: threads[1]: duplicate thread id 1`,
			`f.json:5:50: posts[1]: duplicate post id 1`,
		},
	},
	{
		"ErrDanglingReferences",
		`{"users": [{"id": 1, "username": "a", "name": "A", "bio": ""}], "threads": [{"id": 1, "title": "t", "createdBy": 2}],` + "\n" +
			`"posts": [{"thread": 5, "text": "x", "user": 9}]}`,
		[]string{
			`f.json:1:77: threads[0]: createdBy: user 2 does not exist`,
			`f.json:2:11: posts[0]: thread 5 does not exist`,
			`f.json:2:11: posts[0]: user 9 does not exist`,
		},
	},
}

func TestLoadErrors(t *testing.T) {
	for _, tt := range loadErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.Load("f.json", []byte(tt.data))
			if err == nil {
				t.Fatal("got no error")
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", err, strings.Join(tt.want, "\n"))
			}
			var le *store.LoadError
			if !errors.As(err, &le) || le.File != "f.json" {
				t.Fatalf("got %T; want a *store.LoadError naming the file", err)
			}
		})
	}
}

// FuzzLoad: any input either loads into a consistent data set or fails with
// *LoadError values; it never panics.
func FuzzLoad(f *testing.F) {
	b, err := os.ReadFile("db.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, tt := range loadErrorTests {
		f.Add([]byte(tt.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := store.Load("fuzz.json", data)
		if err != nil {
			for _, e := range unjoin(err) {
				var le *store.LoadError
				if !errors.As(e, &le) {
					t.Fatalf("got %T (%v); want *store.LoadError", e, e)
				}
			}
			return
		}
		ctx := context.Background()
		posts, _ := db.FindPosts(ctx, forum.PostFilter{})
		for _, p := range posts {
			if _, err := db.FindThreadByID(ctx, p.Thread); err != nil {
				t.Fatalf("post %d names thread %d that does not exist", p.ID, p.Thread)
			}
			if _, err := db.FindUserByID(ctx, p.User); err != nil {
				t.Fatalf("post %d names user %d that does not exist", p.ID, p.User)
			}
			if got, err := db.FindPostByID(ctx, p.ID); err != nil || got != p {
				t.Fatalf("post %d not found by its id", p.ID)
			}
		}
	})
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
