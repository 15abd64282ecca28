// Package forum is the domain of the forum API: users, threads and posts,
// the services that read them, and the application error type.
//
// It imports only the standard library. Storage lives in forum/store and the
// HTTP transport in forum/httpapi; neither knows about the other, and
// cmd/forum wires them together.
//
// The data set is immutable for the life of a process: it is loaded once at
// start (the embedded seed, or the file given with -data) and never written.
// That is what lets the pre-fork workers each hold their own copy (they all
// load the same file, so they agree) and what lets the HTTP layer render every
// response once instead of per request.
package forum
