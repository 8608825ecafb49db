package reports

// The hot-spot page's labels (hotspots.html, hotspots.xlsx) and the rising
// test's reasons, kept apart from i18n.go; init merges them into both
// languages, and TestLabelsComplete checks that both define every key.
func init() {
	for k, v := range hotspotLabelsEN {
		labelsEN[k] = v
	}
	for k, v := range hotspotLabelsZH {
		labelsZH[k] = v
	}
}

var hotspotLabelsEN = labels{
	"pareto.others":                   "others (%d groups)",
	"rising.not_tested":               "not tested",
	"rising.why.no_history":           "no earlier days in the export to compare with",
	"rising.why.not_installed_before": "no units installed before the tested period",
	"rising.why.too_few_faults":       "too few faults in the tested period",
	"col.rising_not_tested":           "Rising: not tested because",
	"col.rising_period_months":        "Rising test period (months)",
}

var hotspotLabelsZH = labels{
	"pareto.others":                   "其他（%d 组）",
	"rising.not_tested":               "未检验",
	"rising.why.no_history":           "导出数据中没有更早的日期可供比较",
	"rising.why.not_installed_before": "检验期之前没有已安装设备",
	"rising.why.too_few_faults":       "检验期内故障次数太少",
	"col.rising_not_tested":           "上升：未检验原因",
	"col.rising_period_months":        "上升检验周期（月）",
}
