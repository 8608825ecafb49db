// Package page renders weekly.html and hotspots.html: self-contained HTML
// with ECharts inlined (no network), the sections, charts, and tables that
// sort, filter and page, every data value escaped. It changes when what the
// pages show or how they look changes.
package page
