// Package drivertest holds the contract tests every driver.Driver must pass
// and the small helpers they use. Each implementation runs the same suite
// from its own tests with a Harness that knows how to make its tasks behave
// (the fake reads keys from the config; the process driver re-executes its
// test binary). It imports driver and the standard library only, and no
// driver implementation.
package drivertest
