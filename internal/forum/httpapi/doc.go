// Package httpapi is the HTTP transport of the forum API: the route table,
// JSON encoding, and the one table that maps forum error codes to HTTP
// statuses. It imports only forum and the standard library.
//
// Because the forum data set is immutable (see package forum), New renders
// every answer that does not depend on the request once, up front; serving a
// request is then a map lookup and one write. Requests whose answer depends on
// the request (an unknown or malformed id, an unknown path, a method that is
// not allowed) are rendered as they come.
//
// Routes:
//
//	GET /                               text: Ready to receive requests
//	GET /api, /api/                     text: API ready to receive requests
//	GET /api/users, /api/users/{id}
//	GET /api/threads, /api/threads/{id}
//	GET /api/posts, /api/posts/{id}
//	GET /api/posts/in-thread/{threadId}
//	GET /api/posts/by-user/{userId}
//
// HEAD works wherever GET does; OPTIONS answers 204 with Allow; any other
// method on a known path answers 405 with Allow: GET, HEAD.
package httpapi
