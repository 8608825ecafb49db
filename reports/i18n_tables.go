package reports

// The table controls' labels (sort, filter, pages) on weekly.html and
// hotspots.html; init merges them into both languages. The {from}, {to},
// {m} and {n} placeholders are filled in by the page's script.
func init() {
	for k, v := range tablesEN {
		labelsEN[k] = v
	}
	for k, v := range tablesZH {
		labelsZH[k] = v
	}
}

var tablesEN = labels{
	"table.filter":     "Filter rows",
	"table.sort":       "Sort by this column; click again to reverse",
	"table.prev":       "‹ Previous",
	"table.next":       "Next ›",
	"table.rows_of":    "Rows {from}–{to} of {n}",
	"table.rows_match": "Rows {from}–{to} of {m} matching ({n} in all)",
	"table.rows_none":  "No matching rows ({n} in all)",
}

var tablesZH = labels{
	"table.filter":     "筛选行",
	"table.sort":       "按此列排序；再次点击则反向",
	"table.prev":       "‹ 上一页",
	"table.next":       "下一页 ›",
	"table.rows_of":    "第 {from}–{to} 行，共 {n} 行",
	"table.rows_match": "匹配的 {m} 行中第 {from}–{to} 行（共 {n} 行）",
	"table.rows_none":  "没有匹配的行（共 {n} 行）",
}
