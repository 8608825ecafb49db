package page

import (
	"github.com/accordhq/accord/reports/texts"

	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The tables of weekly.html and hotspots.html as the reader uses them: a
// header click sorts, a text box filters, long tables come in pages, long
// texts are cut with the whole text on hover. Both pages render their
// tables through the "grid" template below and share one script
// (tablesJS); everything is fixed text or derived from the cells, so a page
// stays byte-identical for the same inputs.

// gridPageRows is how many rows a table shows at once; print shows all.
const gridPageRows = 50

// gridTitleRunes is the length from which a cell carries its whole text in
// a title attribute: shorter texts fit the cell's maximum width (24em).
const gridTitleRunes = 24

// gridText is the controls' fixed text in the report's language.
type gridText struct {
	Filter, Sort, Prev, Next, Of, Match, None string
}

func newGridText(l texts.Labels) *gridText {
	return &gridText{Filter: l.Get("table.filter"), Sort: l.Get("table.sort"), Prev: l.Get("table.prev"),
		Next: l.Get("table.next"), Of: l.Get("table.rows_of"), Match: l.Get("table.rows_match"), None: l.Get("table.rows_none")}
}

type gridCol struct {
	// Words are the header split at spaces: each is kept whole (a header
	// wraps only between words, never at a hyphen or slash inside one).
	Words []string
	// Type is how the column sorts: "num" and "date" by each cell's
	// data-v, "" as text in the page language's collation.
	Type string
}

type gridCell struct {
	Text  string
	Num   bool   // right-aligned
	Sort  string // data-v: the number shown, or a date's Unix seconds; "" sorts last
	Title bool   // long: the whole text on hover
}

type gridRow struct {
	Keys    bool // hotspots.html: the drill-down's data-p/-c/-r
	P, C, R string
	Cells   []gridCell
	More    string // a note row across the table (hotspots.html)
}

type gridView struct {
	ID    string // data-table (hotspots.html)
	Label string // what the filter box filters, for screen readers
	Cols  []gridCol
	Rows  []gridRow
	Span  int
	Empty string
	More  string
	Text  *gridText
}

// newGrid builds a table's view from its shown cells. Numeric columns sort
// by the number each cell shows; a text column whose every filled cell is
// a date or timestamp sorts as dates.
func newGrid(header []string, numeric []bool, rows []gridRow, symbol string, txt *gridText) gridView {
	g := gridView{Span: len(header), Text: txt, Rows: rows}
	for i, h := range header {
		c := gridCol{Words: strings.Fields(h)}
		num := i < len(numeric) && numeric[i]
		switch {
		case num:
			c.Type = "num"
		case dateColumn(rows, i):
			c.Type = "date"
		}
		g.Cols = append(g.Cols, c)
		for r := range rows {
			if rows[r].More != "" || i >= len(rows[r].Cells) {
				continue
			}
			cell := &rows[r].Cells[i]
			cell.Num = num
			cell.Title = utf8.RuneCountInString(cell.Text) > gridTitleRunes
			switch c.Type {
			case "num":
				cell.Sort = sortNumber(cell.Text, symbol)
			case "date":
				if t, ok := parseShownDate(cell.Text); ok {
					cell.Sort = strconv.FormatInt(t.Unix(), 10)
				}
			}
		}
	}
	return g
}

func cellsOf(texts []string) []gridCell {
	out := make([]gridCell, len(texts))
	for i, s := range texts {
		out[i] = gridCell{Text: s}
	}
	return out
}

// weeklyGrid is a weekly.html table's view.
func weeklyGrid(t tableView, label, symbol string, txt *gridText) gridView {
	rows := make([]gridRow, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = gridRow{Cells: cellsOf(r)}
	}
	g := newGrid(t.Header, t.Numeric, rows, symbol, txt)
	g.Label, g.Empty, g.More = label, t.Empty, t.More
	return g
}

// hsGrid is a hotspots.html table's view, with the drill-down keys.
func hsGrid(t hsTable, symbol string, txt *gridText) gridView {
	rows := make([]gridRow, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = gridRow{Keys: true, P: r.P, C: r.C, R: r.R, Cells: cellsOf(r.Cells), More: r.More}
	}
	g := newGrid(t.Header, t.Numeric, rows, symbol, txt)
	g.ID, g.Label, g.Empty = t.ID, t.Title, t.Empty
	return g
}

func parseShownDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func dateColumn(rows []gridRow, i int) bool {
	found := false
	for _, r := range rows {
		if r.More != "" || i >= len(r.Cells) || r.Cells[i].Text == "" {
			continue
		}
		if _, ok := parseShownDate(r.Cells[i].Text); !ok {
			return false
		}
		found = true
	}
	return found
}

// shownNumber is a number as the page formats it: grouped digits, an
// optional exponent (p-values), then % (shares), × (lifts) or an interval's
// upper end, which the sort ignores.
var shownNumber = regexp.MustCompile(`^(\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?)(?:%|×)?(?: – .*)?$`)

// sortNumber is the number a numeric cell shows, as data-v: the sign, the
// currency symbol and digit grouping removed, so "-¥2,000.00" sorts as
// -2000 and "9.5" before "10.0". A cell showing no number ("not
// available", "–", empty) gets none and sorts after every number.
func sortNumber(s, symbol string) string {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if symbol != "" {
		s = strings.TrimPrefix(s, symbol)
	}
	m := shownNumber.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
	if err != nil {
		return ""
	}
	if neg {
		v = -v
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// gridCSS styles the tables and their controls on both pages, for a phone
// (each table scrolls sideways in its own box, the page never does) and
// for paper (no controls, every row, nothing cut).
const gridCSS = `.tbl{margin:0 0 8px;max-width:100%}
.tools{margin:0 0 6px}
.tools input{font:inherit;font-size:13px;padding:3px 6px;width:16em;max-width:100%;box-sizing:border-box}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;unicode-bidi:isolate}
th{background:#f4f6f8;word-break:keep-all;overflow-wrap:normal;hyphens:manual;white-space:normal}
th .w{white-space:nowrap}
th button{font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;margin:0;text-align:inherit;cursor:pointer;word-break:inherit;overflow-wrap:inherit;white-space:inherit}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
td{max-width:24em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td[title]{cursor:help}
td.open{white-space:normal;overflow-wrap:anywhere}
td.n{text-align:right}
tr.more td{white-space:normal;max-width:none;overflow-wrap:anywhere}
tr.pg{display:none}
.pager{font-size:12px;color:#555;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.pager[hidden]{display:none}
.empty{color:#666;font-style:italic}
p,li,h1,h2,h3{overflow-wrap:anywhere}
@media print{
.tools:not(.on),.pager,#hs-clear{display:none !important}
.scroll{overflow:visible}
table{font-size:10px;page-break-inside:auto}
tr,tr.pg{break-inside:avoid;page-break-inside:avoid}
tr.pg{display:table-row}
thead{display:table-header-group}
td{white-space:normal;max-width:none;overflow:visible;overflow-wrap:anywhere}
th button::after{content:none !important}
.chart{width:100% !important;height:auto !important;break-inside:avoid;page-break-inside:avoid}
.chart>div,.chart canvas{width:100% !important;height:auto !important}
#hs-filter{position:static}
}
`

// gridTemplate renders a table: the filter box, the table in its own
// sideways-scrolling box, the pager (shown by the script when needed).
// Header words are kept whole; a long cell carries its whole text in a
// title attribute, escaped by html/template like the cell.
const gridTemplate = `{{define "grid"}}
{{- if .Rows}}
<div class="tbl">
<div class="tools"><input type="search" class="tf" placeholder="{{.Text.Filter}}" aria-label="{{.Text.Filter}}{{if .Label}}: {{.Label}}{{end}}"></div>
<div class="scroll">
<table{{if .ID}} data-table="{{.ID}}"{{end}}>
<thead><tr>{{range .Cols}}<th{{if .Type}} data-type="{{.Type}}"{{end}}><button type="button" title="{{$.Text.Sort}}">{{range $i, $w := .Words}}{{if $i}} {{end}}<span class="w">{{$w}}</span>{{end}}</button></th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr{{if .Keys}} data-p="{{.P}}" data-c="{{.C}}" data-r="{{.R}}"{{end}}{{if .More}} class="more"{{end}}>{{if .More}}<td colspan="{{$.Span}}">{{.More}}</td>{{else}}{{range .Cells}}<td{{if .Num}} class="n"{{end}}{{if .Sort}} data-v="{{.Sort}}"{{end}}{{if .Title}} title="{{.Text}}"{{end}}>{{.Text}}</td>{{end}}{{end}}</tr>
{{- end}}
</tbody>
</table>
</div>
<div class="pager" hidden data-of="{{.Text.Of}}" data-match="{{.Text.Match}}" data-none="{{.Text.None}}"><button type="button" class="prev">{{.Text.Prev}}</button><span class="pos"></span><button type="button" class="next">{{.Text.Next}}</button></div>
</div>
{{- if .More}}
<p class="more">{{.More}}</p>
{{- end}}
{{- else}}
<p class="empty">{{.Empty}}</p>
{{- end}}
{{- end}}
`

// tablesJS is the one script behind every table of a page. A row is shown
// when it passes the hot-spot drill-down (tr.__hsOut, set by
// hotspots.html's script before it calls accordTables.refresh) and the
// table's text filter, and falls on the current page; rows off the page
// only carry the class "pg", so print, which ignores it, shows them all.
// Sorting keeps note rows (tr.more) at the end and breaks ties by the
// original order, so the same clicks give the same order.
const tablesJS = `"use strict";
(function () {
  var lang = document.documentElement.lang || "en";
  var collator = new Intl.Collator(lang, {numeric: true, sensitivity: "base"});
  var pageRows = ` + "GRID_PAGE_ROWS" + `;
  var tables = [];
  function fill(fmt, v) {
    return fmt.replace(/\{(from|to|m|n)\}/g, function (_, k) { return String(v[k]); });
  }
  function setup(box) {
    var table = box.querySelector("table"), tbody = table.tBodies[0];
    var ths = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (tr, i) { tr.__i = i; });
    var tools = box.querySelector(".tools"), input = box.querySelector("input.tf");
    var pager = box.querySelector(".pager"), pos = pager.querySelector(".pos");
    var prev = pager.querySelector(".prev"), next = pager.querySelector(".next");
    var st = {page: 0, q: "", col: -1, dir: 1};
    function text(tr) {
      if (tr.__t === undefined) { tr.__t = tr.textContent.toLowerCase(); }
      return tr.__t;
    }
    function render() {
      var shown = rows.filter(function (tr) { return !tr.__hsOut && (st.q === "" || text(tr).indexOf(st.q) >= 0); });
      var pages = Math.max(1, Math.ceil(shown.length / pageRows));
      if (st.page >= pages) { st.page = pages - 1; }
      var from = st.page * pageRows, to = Math.min(shown.length, from + pageRows);
      rows.forEach(function (tr) { tr.__on = false; });
      shown.forEach(function (tr, i) { tr.__on = true; tr.__pg = i < from || i >= to; });
      rows.forEach(function (tr) {
        tr.style.display = tr.__on ? "" : "none";
        tr.classList.toggle("pg", tr.__on && tr.__pg);
      });
      var v = {from: from + 1, to: to, m: shown.length, n: rows.length};
      if (shown.length === 0) {
        pos.textContent = fill(pager.getAttribute("data-none"), v);
      } else {
        pos.textContent = fill(pager.getAttribute(shown.length === rows.length ? "data-of" : "data-match"), v);
      }
      pager.hidden = rows.length <= pageRows && shown.length === rows.length;
      prev.disabled = st.page === 0;
      next.disabled = st.page >= pages - 1;
      tools.classList.toggle("on", st.q !== "");
    }
    function key(tr, c) {
      var td = tr.cells[c];
      if (!td) { return null; }
      if (ths[c].hasAttribute("data-type")) {
        var v = td.getAttribute("data-v");
        return v === null || v === "" ? null : Number(v);
      }
      var s = td.textContent;
      return s === "" ? null : s;
    }
    function sortBy(c) {
      st.dir = st.col === c ? -st.dir : 1;
      st.col = c;
      var numeric = ths[c].hasAttribute("data-type");
      var data = rows.filter(function (tr) { return !tr.classList.contains("more"); });
      var notes = rows.filter(function (tr) { return tr.classList.contains("more"); });
      data.forEach(function (tr) { tr.__k = key(tr, c); });
      data.sort(function (a, b) {
        var x = a.__k, y = b.__k, d;
        if (x === null || y === null) {
          d = x === y ? 0 : (x === null ? 1 : -1);
        } else {
          d = (numeric ? (x < y ? -1 : x > y ? 1 : 0) : collator.compare(x, y)) * st.dir;
        }
        return d !== 0 ? d : a.__i - b.__i;
      });
      rows = data.concat(notes);
      rows.forEach(function (tr) { tbody.appendChild(tr); });
      ths.forEach(function (th, i) {
        if (i === c) { th.setAttribute("aria-sort", st.dir > 0 ? "ascending" : "descending"); } else { th.removeAttribute("aria-sort"); }
      });
      st.page = 0;
      render();
    }
    ths.forEach(function (th, c) {
      th.querySelector("button").addEventListener("click", function () { sortBy(c); });
    });
    input.addEventListener("input", function () {
      st.q = input.value.trim().toLowerCase();
      st.page = 0;
      render();
    });
    prev.addEventListener("click", function () { st.page--; render(); });
    next.addEventListener("click", function () { st.page++; render(); });
    tbody.addEventListener("click", function (e) {
      var td = e.target.closest && e.target.closest("td[title]");
      if (td) { td.classList.toggle("open"); }
    });
    render();
    return {render: function () { st.page = 0; render(); }};
  }
  document.querySelectorAll(".tbl").forEach(function (box) { tables.push(setup(box)); });
  window.accordTables = {refresh: function () { tables.forEach(function (t) { t.render(); }); }};
})();
`

// tablesScript is tablesJS with the page length filled in.
var tablesScript = strings.Replace(tablesJS, "GRID_PAGE_ROWS", strconv.Itoa(gridPageRows), 1)

// chartsResizeJS keeps both pages' charts (the instances array of the
// chart script) at their container's width, and draws them at a paper
// width for printing (A4 less margins at 96 dpi), back after.
const chartsResizeJS = `  window.addEventListener("resize", function () {
    instances.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("beforeprint", function () {
    instances.forEach(function (chart) { chart.resize({width: 680, height: 340}); });
  });
  window.addEventListener("afterprint", function () {
    instances.forEach(function (chart) { chart.resize(); });
  });`
