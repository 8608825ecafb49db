// Package pipeline is Accord's batch engine: it opens the DuckDB store,
// loads a company's exports through staging into validated canonical tables
// (all or nothing), computes the value index, hot-spots, receivables aging and
// the service queue, and records every run. Data flows one way: exports →
// load → SQL and Go transforms → result tables. Rendering and delivery live in
// package reports; the caller hands in a Publish step, which renders the
// reports from the run's uncommitted transaction (see publish.go).
//
// The run's as-of date and the clock are passed in; nothing here reads the
// wall clock except through Runner.Now.
package pipeline
