// Package queries holds Accord's SQL, as .sql files embedded in the binary.
//
// Each file holds named statements in the sqlc style: a line
// "-- name: StatementName" starts a block that runs until the next such
// line. A block may hold several statements separated by semicolons; DuckDB
// runs them in order. Statements read the run's as-of date and settings from
// DuckDB variables (getvariable('as_of')), set by the pipeline on its pinned
// connection, so the SQL never reads the wall clock.
package queries
