package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ecslocal/ecslocal/internal/forum"
)

// Services are the domain services the API reads.
type Services struct {
	Users   forum.UserService
	Threads forum.ThreadService
	Posts   forum.PostService
}

// Options configure a Handler.
type Options struct {
	// AccessLog receives one record per request (method, path, status,
	// bytes, duration, pid). Nil turns the access log off.
	AccessLog *slog.Logger
}

// Handler serves the forum API from responses rendered at construction.
type Handler struct {
	// fixed maps every path whose answer is known in advance (including
	// each id's canonical path) to that answer: the fast path.
	fixed map[string]*response
	// collections answer the {id} routes whose path is not canonical
	// ("/api/users/007") or whose id is unknown or malformed.
	collections []*collection
	accessLog   *slog.Logger
}

// collection is one family of {id} routes, such as /api/users/{id}.
type collection struct {
	prefix string // "/api/users/"
	noun   string // "user", for messages
	byID   map[int64]*response
	find   func(ctx context.Context, id int64) (any, error)
}

// render asks the service for id and encodes the answer or the error.
func (c *collection) render(ctx context.Context, id int64) *response {
	v, err := c.find(ctx, id)
	if err != nil {
		return errorResponse(err)
	}
	r, err := jsonResponse(http.StatusOK, v)
	if err != nil {
		return errorResponse(err)
	}
	return r
}

// New renders every fixed response from svc. The services must keep
// returning the same data for the Handler's lifetime (see package forum).
func New(ctx context.Context, svc Services, opt Options) (*Handler, error) {
	h := &Handler{fixed: map[string]*response{}}
	if opt.AccessLog != nil {
		// The pid is the same on every record: the handler renders it once
		// here, and each request passes five attributes, which a slog
		// Record holds without allocating.
		h.accessLog = opt.AccessLog.With(slog.Int("pid", os.Getpid()))
	}
	h.fixed["/"] = textResponse("Ready to receive requests")
	h.fixed["/api"] = textResponse("API ready to receive requests")
	h.fixed["/api/"] = h.fixed["/api"]

	users, err := svc.Users.FindUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("render users: %w", err)
	}
	threads, err := svc.Threads.FindThreads(ctx)
	if err != nil {
		return nil, fmt.Errorf("render threads: %w", err)
	}
	posts, err := svc.Posts.FindPosts(ctx, forum.PostFilter{})
	if err != nil {
		return nil, fmt.Errorf("render posts: %w", err)
	}
	if err := h.addList("/api/users", users); err != nil {
		return nil, err
	}
	if err := h.addList("/api/threads", threads); err != nil {
		return nil, err
	}
	if err := h.addList("/api/posts", posts); err != nil {
		return nil, err
	}

	ids := func(n int, id func(int) int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	userIDs := ids(len(users), func(i int) int64 { return users[i].ID })
	threadIDs := ids(len(threads), func(i int) int64 { return threads[i].ID })
	postIDs := ids(len(posts), func(i int) int64 { return posts[i].ID })

	h.collections = []*collection{
		{prefix: "/api/users/", noun: "user", find: func(ctx context.Context, id int64) (any, error) {
			return svc.Users.FindUserByID(ctx, id)
		}},
		{prefix: "/api/threads/", noun: "thread", find: func(ctx context.Context, id int64) (any, error) {
			return svc.Threads.FindThreadByID(ctx, id)
		}},
		{prefix: "/api/posts/", noun: "post", find: func(ctx context.Context, id int64) (any, error) {
			return svc.Posts.FindPostByID(ctx, id)
		}},
		{prefix: "/api/posts/in-thread/", noun: "thread", find: func(ctx context.Context, id int64) (any, error) {
			return svc.Posts.FindPosts(ctx, forum.PostFilter{ThreadID: &id})
		}},
		{prefix: "/api/posts/by-user/", noun: "user", find: func(ctx context.Context, id int64) (any, error) {
			return svc.Posts.FindPosts(ctx, forum.PostFilter{UserID: &id})
		}},
	}
	known := [][]int64{userIDs, threadIDs, postIDs, threadIDs, userIDs}
	for i, c := range h.collections {
		c.byID = map[int64]*response{}
		for _, id := range known[i] {
			r := c.render(ctx, id)
			if r.status != http.StatusOK {
				return nil, fmt.Errorf("render %s%d: status %d: %s", c.prefix, id, r.status, r.body)
			}
			c.byID[id] = r
			h.fixed[c.prefix+strconv.FormatInt(id, 10)] = r
		}
	}
	return h, nil
}

func (h *Handler) addList(path string, v any) error {
	r, err := jsonResponse(http.StatusOK, v)
	if err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	// A trailing slash names the same collection, as the original's router
	// (non-strict) had it.
	h.fixed[path] = r
	h.fixed[path+"/"] = r
	return nil
}

// ServeHTTP answers one request through net/http and writes its access-log
// record. It is the reference engine; ServeFastHTTP must answer the same.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	resp := h.answer(r.Context(), r.Method, r.URL.Path)
	n := resp.write(w, r)
	h.logRequest(r.Context(), r.Method, r.URL.Path, resp.status, n, start)
}

// answer decides the response to method on path, whatever the engine.
func (h *Handler) answer(ctx context.Context, method, path string) *response {
	resp, known := h.route(ctx, path)
	switch {
	case !known:
		return messageResponse(http.StatusNotFound, "no route for "+method+" "+path)
	case method == http.MethodGet || method == http.MethodHead:
		return resp
	case method == http.MethodOptions:
		return optionsResponse
	default:
		r := messageResponse(http.StatusMethodNotAllowed, "method "+method+" not allowed on "+path)
		r.allow = true
		return r
	}
}

// route finds the answer for a GET of path. known reports whether path is
// one of the API's routes at all (including a malformed id on an {id}
// route, which is a known route with a bad parameter).
func (h *Handler) route(ctx context.Context, path string) (resp *response, known bool) {
	if resp, ok := h.fixed[path]; ok {
		return resp, true
	}
	for _, c := range h.collections {
		// The id is the last segment, so /api/posts/ never claims
		// /api/posts/in-thread/2 and the order of collections is free.
		s, ok := strings.CutPrefix(path, c.prefix)
		if !ok || s == "" || strings.IndexByte(s, '/') >= 0 {
			continue
		}
		id, err := ParseID(s)
		if err != nil {
			return messageResponse(http.StatusBadRequest, fmt.Sprintf("invalid %s id %q: %v", c.noun, s, err)), true
		}
		if resp, ok := c.byID[id]; ok {
			return resp, true
		}
		return c.render(ctx, id), true
	}
	return nil, false
}

func (h *Handler) logRequest(ctx context.Context, method, path string, status, n int, start time.Time) {
	if h.accessLog == nil {
		return
	}
	h.accessLog.LogAttrs(ctx, slog.LevelInfo, "request",
		slog.String("method", method),
		slog.String("path", path),
		slog.Int("status", status),
		slog.Int("bytes", n),
		slog.Duration("duration", time.Since(start)),
	)
}
