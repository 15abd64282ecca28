package store

import (
	"context"

	"github.com/ecslocal/ecslocal/internal/forum"
)

// DB is a validated, immutable forum data set. It implements the forum
// service interfaces; the values it returns are shared and must not be
// modified by callers.
type DB struct {
	users      []*forum.User
	userByID   map[int64]*forum.User
	threads    []*forum.Thread
	threadByID map[int64]*forum.Thread
	posts      []*forum.Post
	postByID   map[int64]*forum.Post
}

var (
	_ forum.UserService   = (*DB)(nil)
	_ forum.ThreadService = (*DB)(nil)
	_ forum.PostService   = (*DB)(nil)
)

func newDB() *DB {
	return &DB{
		userByID:   map[int64]*forum.User{},
		threadByID: map[int64]*forum.Thread{},
		postByID:   map[int64]*forum.Post{},
	}
}

// FindUsers returns every user in file order.
func (db *DB) FindUsers(context.Context) ([]*forum.User, error) { return db.users, nil }

// FindUserByID returns the user or an ENOTFOUND error.
func (db *DB) FindUserByID(_ context.Context, id int64) (*forum.User, error) {
	if u, ok := db.userByID[id]; ok {
		return u, nil
	}
	return nil, forum.Errorf(forum.ENOTFOUND, "user %d not found", id)
}

// FindThreads returns every thread in file order.
func (db *DB) FindThreads(context.Context) ([]*forum.Thread, error) { return db.threads, nil }

// FindThreadByID returns the thread or an ENOTFOUND error.
func (db *DB) FindThreadByID(_ context.Context, id int64) (*forum.Thread, error) {
	if t, ok := db.threadByID[id]; ok {
		return t, nil
	}
	return nil, forum.Errorf(forum.ENOTFOUND, "thread %d not found", id)
}

// FindPosts returns the posts matching filter in file order; never nil, so
// that an empty result encodes as [] rather than null.
func (db *DB) FindPosts(_ context.Context, f forum.PostFilter) ([]*forum.Post, error) {
	out := []*forum.Post{}
	for _, p := range db.posts {
		if (f.ThreadID == nil || p.Thread == *f.ThreadID) && (f.UserID == nil || p.User == *f.UserID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// FindPostByID returns the post or an ENOTFOUND error.
func (db *DB) FindPostByID(_ context.Context, id int64) (*forum.Post, error) {
	if p, ok := db.postByID[id]; ok {
		return p, nil
	}
	return nil, forum.Errorf(forum.ENOTFOUND, "post %d not found", id)
}
