// Package workbook writes weekly.xlsx and hotspots.xlsx (typed cells, print
// setup, a byte-identical zip for the same inputs) and the run's data files
// (data/<table>.csv with formula leads neutralised, and .parquet). It
// changes when a sheet or a data file changes.
package workbook
