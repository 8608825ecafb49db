// Package clocktest is a fake clock for tests of code that takes a
// schedule.Clock: time moves only when the test moves it, so scheduler tests
// need no sleeps and read no wall clock.
package clocktest
