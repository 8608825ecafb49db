// Package reportstest is the report packages' shared test fixture: a DuckDB
// file with two runs of hand-written result rows (hostile names included),
// the options the tests render with, and helpers that read pages,
// workbooks, data files and a headless browser. Only tests import it.
package reportstest
