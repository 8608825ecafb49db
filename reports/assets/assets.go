// Package assets holds the files the reports embed: the ECharts library,
// which fetch.sh fetches from the npm registry at a pinned version and
// hashes. It is not committed, so run fetch.sh (make does) before building:
// without echarts.min.js this package does not compile.
package assets

import _ "embed"

// EChartsJS is the ECharts library, inlined into every page so the report
// opens with no network.
//
//go:embed echarts.min.js
var EChartsJS []byte
