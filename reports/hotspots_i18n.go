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
	"hs.title":                        "Failure hot-spots",
	"hs.intro":                        "Product managers' page: what fails most (Pareto by failures, at product, component and product × component level), what fails more than its size explains (funnel: each group's rate against its installed units, with the pooled rate and 95 % / 99.8 % limits), where (heat map, regions), what is getting worse (rising test), and what cannot be supported. Click a bar, cell or point to filter the tables below to that group's tickets, serials and customers.",
	"hs.pareto_product":               "Pareto by product",
	"hs.pareto_component":             "Pareto by component",
	"hs.pareto_pc":                    "Pareto by product × component",
	"hs.funnel":                       "Funnel: rate per 100 units per year vs installed units",
	"hs.funnel_groups":                "groups",
	"hs.funnel_pooled":                "pooled rate",
	"hs.funnel_95":                    "95% limits",
	"hs.funnel_998":                   "99.8% limits",
	"hs.heatmap":                      "Rate per 100 units per year: product × component",
	"hs.region":                       "Failures by region",
	"hs.groups":                       "Groups (ranked by shrunk rate)",
	"hs.tickets":                      "Fault tickets in the window",
	"hs.serials":                      "Serials with faults",
	"hs.customers":                    "Customers behind the faults",
	"hs.more_tickets":                 "The latest %[1]d of this group's %[2]d tickets; every ticket is in data/hotspot_tickets.csv and .parquet.",
	"hs.more_customers":               "The %[1]d of this group's %[2]d customers with the most tickets; all of them are in data/hotspot_tickets.csv and .parquet.",
	"hs.more_serials":                 "The %[1]d of this group's %[2]d serials with the most faults; all of them are in data/hotspot_tickets.csv and .parquet.",
	"hs.unsupported":                  "What cannot be supported, per product: customers, installed units, trailing-12-month revenue",
	"hs.filter":                       "Tables show",
	"hs.filter_all":                   "all groups",
	"hs.filter_clear":                 "show all",
	"col.effort_hours":                "Effort (hours)",
	"pareto.others":                   "others (%d groups)",
	"rising.not_tested":               "not tested",
	"rising.why.no_history":           "no earlier days in the export to compare with",
	"rising.why.not_installed_before": "no units installed before the tested period",
	"rising.why.too_few_faults":       "too few faults in the tested period",
	"col.rising_not_tested":           "Rising: not tested because",
	"col.rising_period_months":        "Rising test period (months)",
}

var hotspotLabelsZH = labels{
	"hs.title":                        "故障热点",
	"hs.intro":                        "产品经理页面：哪些故障最多（按故障次数的帕累托图：产品、部件、产品 × 部件三个层级），哪些故障率超出规模所能解释（漏斗图：各组故障率对已安装台数，含总体故障率与 95% / 99.8% 控制限），发生在哪里（热力图、区域），哪些在变坏（上升检验），以及哪些无法支持。点击条形、单元格或点，下方各表即筛选为该组的工单、序列号和客户。",
	"hs.pareto_product":               "按产品的帕累托图",
	"hs.pareto_component":             "按部件的帕累托图",
	"hs.pareto_pc":                    "按产品 × 部件的帕累托图",
	"hs.funnel":                       "漏斗图：每百台每年故障率对已安装台数",
	"hs.funnel_groups":                "各组",
	"hs.funnel_pooled":                "总体故障率",
	"hs.funnel_95":                    "95% 控制限",
	"hs.funnel_998":                   "99.8% 控制限",
	"hs.heatmap":                      "每百台每年故障率：产品 × 部件",
	"hs.region":                       "各区域故障次数",
	"hs.groups":                       "各组（按收缩后故障率排名）",
	"hs.tickets":                      "本期故障工单",
	"hs.serials":                      "有故障的序列号",
	"hs.customers":                    "故障涉及的客户",
	"hs.more_tickets":                 "仅显示该组 %[2]d 张工单中最近的 %[1]d 张；全部工单见 data/hotspot_tickets.csv 和 .parquet。",
	"hs.more_customers":               "仅显示该组 %[2]d 位客户中工单最多的 %[1]d 位；全部客户见 data/hotspot_tickets.csv 和 .parquet。",
	"hs.more_serials":                 "仅显示该组 %[2]d 个序列号中故障最多的 %[1]d 个；全部序列号见 data/hotspot_tickets.csv 和 .parquet。",
	"hs.unsupported":                  "无法支持的情况（按产品）：客户、已安装台数、近 12 个月收入",
	"hs.filter":                       "下表显示",
	"hs.filter_all":                   "全部组",
	"hs.filter_clear":                 "显示全部",
	"col.effort_hours":                "工时（小时）",
	"pareto.others":                   "其他（%d 组）",
	"rising.not_tested":               "未检验",
	"rising.why.no_history":           "导出数据中没有更早的日期可供比较",
	"rising.why.not_installed_before": "检验期之前没有已安装设备",
	"rising.why.too_few_faults":       "检验期内故障次数太少",
	"col.rising_not_tested":           "上升：未检验原因",
	"col.rising_period_months":        "上升检验周期（月）",
}
