package httpapi_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ecslocal/ecslocal/internal/forum"
	"github.com/ecslocal/ecslocal/internal/forum/httpapi"
	"github.com/ecslocal/ecslocal/internal/forum/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	ctJSON = "application/json; charset=utf-8"
	ctText = "text/plain; charset=utf-8"
)

// routeTests pins every line of the API contract. A body starting with "@"
// names a golden file in testdata/.
var routeTests = []struct {
	method, path string
	status       int
	contentType  string
	allow        string
	body         string
}{
	{"GET", "/", 200, ctText, "", "Ready to receive requests"},
	{"GET", "/api", 200, ctText, "", "API ready to receive requests"},
	{"GET", "/api/", 200, ctText, "", "API ready to receive requests"},
	{"GET", "/api/users", 200, ctJSON, "", "@users.json"},
	{"GET", "/api/users/", 200, ctJSON, "", "@users.json"},
	{"GET", "/api/users/2", 200, ctJSON, "", `{"id":2,"username":"finn","name":"Finn 'the Human' Mertens","bio":"Adventurer and hero, last human, defender of good"}`},
	{"GET", "/api/users/0002", 200, ctJSON, "", `{"id":2,"username":"finn","name":"Finn 'the Human' Mertens","bio":"Adventurer and hero, last human, defender of good"}`},
	{"GET", "/api/users/99", 404, ctJSON, "", `{"message":"user 99 not found"}`},
	{"GET", "/api/users/0", 404, ctJSON, "", `{"message":"user 0 not found"}`},
	{"GET", "/api/users/abc", 400, ctJSON, "", `{"message":"invalid user id \"abc\": must be a non-negative integer"}`},
	{"GET", "/api/users/1.5", 400, ctJSON, "", `{"message":"invalid user id \"1.5\": must be a non-negative integer"}`},
	{"GET", "/api/users/-1", 400, ctJSON, "", `{"message":"invalid user id \"-1\": must be a non-negative integer"}`},
	{"GET", "/api/users/+1", 400, ctJSON, "", `{"message":"invalid user id \"+1\": must be a non-negative integer"}`},
	{"GET", "/api/users/9223372036854775808", 400, ctJSON, "", `{"message":"invalid user id \"9223372036854775808\": out of range"}`},
	{"GET", "/api/users/9223372036854775807", 404, ctJSON, "", `{"message":"user 9223372036854775807 not found"}`},
	{"GET", "/api/threads", 200, ctJSON, "", "@threads.json"},
	{"GET", "/api/threads/1", 200, ctJSON, "", `{"id":1,"title":"What's up with the Lich?","createdBy":4}`},
	{"GET", "/api/threads/4", 404, ctJSON, "", `{"message":"thread 4 not found"}`},
	{"GET", "/api/threads/x", 400, ctJSON, "", `{"message":"invalid thread id \"x\": must be a non-negative integer"}`},
	{"GET", "/api/posts", 200, ctJSON, "", "@posts.json"},
	{"GET", "/api/posts/1", 200, ctJSON, "", `{"id":1,"thread":1,"text":"Has anyone checked on the lich recently?","user":4}`},
	{"GET", "/api/posts/6", 200, ctJSON, "", `{"id":6,"thread":3,"text":"I need a new guitar to play the most savory licks in Ooo","user":1}`},
	{"GET", "/api/posts/7", 404, ctJSON, "", `{"message":"post 7 not found"}`},
	{"GET", "/api/posts/in-thread/2", 200, ctJSON, "", "@in-thread-2.json"},
	{"GET", "/api/posts/in-thread/9", 200, ctJSON, "", `[]`},
	{"GET", "/api/posts/in-thread/two", 400, ctJSON, "", `{"message":"invalid thread id \"two\": must be a non-negative integer"}`},
	{"GET", "/api/posts/by-user/1", 200, ctJSON, "", "@by-user-1.json"},
	{"GET", "/api/posts/by-user/3", 200, ctJSON, "", `[{"id":3,"thread":2,"text":"Come party with the candy people tomorrow!","user":3}]`},
	{"GET", "/api/posts/by-user/99", 200, ctJSON, "", `[]`},
	{"GET", "/api/posts/by-user/-2", 400, ctJSON, "", `{"message":"invalid user id \"-2\": must be a non-negative integer"}`},
	{"GET", "/nope", 404, ctJSON, "", `{"message":"no route for GET /nope"}`},
	{"GET", "/api/users/1/posts", 404, ctJSON, "", `{"message":"no route for GET /api/users/1/posts"}`},
	{"GET", "/api/posts/in-thread/", 404, ctJSON, "", `{"message":"no route for GET /api/posts/in-thread/"}`},
	{"DELETE", "/nope", 404, ctJSON, "", `{"message":"no route for DELETE /nope"}`},
	{"HEAD", "/api/users", 200, ctJSON, "", ""},
	{"HEAD", "/", 200, ctText, "", ""},
	{"HEAD", "/api/users/99", 404, ctJSON, "", ""},
	{"POST", "/api/users", 405, ctJSON, "GET, HEAD", `{"message":"method POST not allowed on /api/users"}`},
	{"PUT", "/api/users/1", 405, ctJSON, "GET, HEAD", `{"message":"method PUT not allowed on /api/users/1"}`},
	{"DELETE", "/", 405, ctJSON, "GET, HEAD", `{"message":"method DELETE not allowed on /"}`},
	{"PATCH", "/api/users/abc", 405, ctJSON, "GET, HEAD", `{"message":"method PATCH not allowed on /api/users/abc"}`},
	{"OPTIONS", "/api/users", 204, "", "GET, HEAD", ""},
	{"OPTIONS", "/api/posts/by-user/2", 204, "", "GET, HEAD", ""},
	{"OPTIONS", "/nope", 404, ctJSON, "", `{"message":"no route for OPTIONS /nope"}`},
}

func newHandler(tb testing.TB, opt httpapi.Options) *httpapi.Handler {
	tb.Helper()
	db, err := store.Default()
	if err != nil {
		tb.Fatal(err)
	}
	h, err := httpapi.New(context.Background(), httpapi.Services{Users: db, Threads: db, Posts: db}, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// engines start the handler behind each HTTP engine on loopback and return
// its base URL. Both must answer every route identically.
var engines = []struct {
	name  string
	start func(tb testing.TB, h *httpapi.Handler) string
}{
	{"net/http", func(tb testing.TB, h *httpapi.Handler) string {
		srv := httptest.NewServer(h)
		tb.Cleanup(srv.Close)
		return srv.URL
	}},
	{"fasthttp", func(tb testing.TB, h *httpapi.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		srv := httpapi.NewFastServer(h, nil, nil)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
		tb.Cleanup(func() {
			srv.Shutdown()
			if err := <-done; err != nil {
				tb.Errorf("fasthttp serve: %v", err)
			}
		})
		return "http://" + ln.Addr().String()
	}},
}

func golden(t *testing.T, want string, got []byte) string {
	t.Helper()
	name, ok := strings.CutPrefix(want, "@")
	if !ok {
		return want
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoutes(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { testRoutes(t, e.start(t, newHandler(t, httpapi.Options{}))) })
	}
}

func testRoutes(t *testing.T, base string) {
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	for _, tt := range routeTests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Errorf("status: got %d; want %d", res.StatusCode, tt.status)
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type: got %q; want %q", got, tt.contentType)
			}
			if got := res.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow: got %q; want %q", got, tt.allow)
			}
			if tt.method == "HEAD" {
				// HEAD carries GET's Content-Length and no body.
				get, err := client.Get(base + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				getBody, _ := io.ReadAll(get.Body)
				get.Body.Close()
				if res.ContentLength != int64(len(getBody)) {
					t.Errorf("HEAD Content-Length: got %d; want %d", res.ContentLength, len(getBody))
				}
				if len(body) != 0 {
					t.Errorf("HEAD body: got %q; want none", body)
				}
				return
			}
			if want := golden(t, tt.body, body); string(body) != want {
				t.Errorf("body:\n got %s\nwant %s", body, want)
			}
			if tt.status != http.StatusNoContent && res.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length: got %d; want %d", res.ContentLength, len(body))
			}
		})
	}
}

// TestAccessLog checks one JSON record per request with every promised field.
func TestAccessLog(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { testAccessLog(t, e.start) })
	}
}

func testAccessLog(t *testing.T, start func(testing.TB, *httpapi.Handler) string) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	base := start(t, newHandler(t, httpapi.Options{AccessLog: logger}))
	for _, p := range []string{"/api/users", "/api/users/99"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines; want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{`"path":"/api/users","status":200,"bytes":460,`, `"path":"/api/users/99","status":404,"bytes":31,`} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], `"method":"GET"`) ||
			!strings.Contains(lines[i], `"duration":`) || !strings.Contains(lines[i], `"pid":`+strconv.Itoa(os.Getpid())) {
			t.Errorf("line %d: got %s; want fields method, %s duration, pid", i, lines[i], want)
		}
	}
}

// syncBuffer is a strings.Builder safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// failingUsers makes New fail, so an internal error never goes unnoticed.
type failingUsers struct{ forum.UserService }

func (failingUsers) FindUsers(context.Context) ([]*forum.User, error) {
	return nil, io.ErrUnexpectedEOF
}

func TestNewFailsOnServiceError(t *testing.T) {
	db, err := store.Default()
	if err != nil {
		t.Fatal(err)
	}
	_, err = httpapi.New(context.Background(), httpapi.Services{Users: failingUsers{db}, Threads: db, Posts: db}, httpapi.Options{})
	if err == nil || !strings.Contains(err.Error(), "render users") {
		t.Fatalf("got %v; want a render users error", err)
	}
}
