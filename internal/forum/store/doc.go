// Package store loads the forum's data set and serves it through the forum
// service interfaces.
//
// The default data set is the seed file embedded in the binary (db.json, the
// reference system's data); Open loads another file of the same shape. Either
// way the data is validated once, at load, and never changes afterwards, so
// every pre-fork worker that loads the same file holds the same data and no
// shared store is needed. It imports only forum and the standard library.
package store
