package forum

import "context"

// User is a member of the forum. Members are encoded in the order id,
// username, name, bio, which is the order clients of the original API see.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Bio      string `json:"bio"`
}

// Thread is a discussion started by a user.
type Thread struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	CreatedBy int64  `json:"createdBy"` // the ID of the User who started it
}

// Post is one message in a thread. Its ID is the one the data file gives, or
// else its 1-based position in the file's list of posts.
type Post struct {
	ID     int64  `json:"id"`
	Thread int64  `json:"thread"` // the ID of the Thread it belongs to
	Text   string `json:"text"`
	User   int64  `json:"user"` // the ID of the User who wrote it
}

// UserService reads users.
type UserService interface {
	// FindUsers returns every user in data-file order.
	FindUsers(ctx context.Context) ([]*User, error)
	// FindUserByID returns the user or an ENOTFOUND error.
	FindUserByID(ctx context.Context, id int64) (*User, error)
}

// ThreadService reads threads.
type ThreadService interface {
	// FindThreads returns every thread in data-file order.
	FindThreads(ctx context.Context) ([]*Thread, error)
	// FindThreadByID returns the thread or an ENOTFOUND error.
	FindThreadByID(ctx context.Context, id int64) (*Thread, error)
}

// PostService reads posts.
type PostService interface {
	// FindPosts returns the posts that match every set field of the filter,
	// in data-file order; an empty result is not an error.
	FindPosts(ctx context.Context, filter PostFilter) ([]*Post, error)
	// FindPostByID returns the post or an ENOTFOUND error.
	FindPostByID(ctx context.Context, id int64) (*Post, error)
}

// PostFilter selects posts. A nil field matches every post.
type PostFilter struct {
	ThreadID *int64
	UserID   *int64
}
