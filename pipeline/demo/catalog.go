package demo

import "time"

// product is one entry of the demo catalog. Dates are relative to the as-of
// date so that "past end of support" stays true whatever as-of is chosen.
type product struct {
	id, name, family string
	software         bool
	priceYuan        int64
	// launchedMonthsAgo: launched on the first day of the month this many
	// months before as-of.
	launchedMonthsAgo int
	// supportMonths: support ends on the last day of the month this many
	// months after as-of (negative: already ended). hasSupportEnd false
	// leaves supported_until blank.
	supportMonths int
	hasSupportEnd bool
	components    []string
	popularity    float64
	// qtyScale multiplies the size-driven units per purchase: switches and
	// PDUs come by the dozen, core switches one at a time.
	qtyScale float64
	// failMult is the product's own failure-rate multiplier, kept within
	// 0.8–1.25 so that no ordinary group competes with the planted hot-spot.
	failMult float64
}

var (
	serverComponents   = []string{"电源模块", "主板", "硬盘", "内存", "风扇", "固件"}
	storageComponents  = []string{"电源模块", "控制器", "硬盘", "风扇", "固件"}
	networkComponents  = []string{"电源模块", "端口模块", "风扇", "固件"}
	powerComponents    = []string{"电源模块", "电池", "风扇", "控制板"}
	coolingComponents  = []string{"压缩机", "风扇", "控制板"}
	softwareComponents = []string{"安装部署", "授权", "接口", "性能"}
	gatewayComponents  = []string{"电源模块", "通信模块", "固件"}
)

// catalog holds P01..P20. P01, P05, P08 and P16 are past supported_until.
var catalog = [...]product{
	{"P01", "AX100 机架服务器", "服务器", false, 68000, 120, -18, true, serverComponents, 0.6, 1.0, 1.25},
	{"P02", "AX200 机架服务器", "服务器", false, 98000, 72, 36, true, serverComponents, 1.4, 1.0, 1.0},
	{"P03", "AX300 高密服务器", "服务器", false, 158000, 30, 0, false, serverComponents, 0.8, 0.8, 0.9},
	{"P04", "EX10 边缘服务器", "服务器", false, 32000, 48, 48, true, serverComponents, 0.9, 1.5, 1.05},
	{"P05", "BX300 统一存储", "存储", false, 128000, 108, -6, true, storageComponents, 0.7, 0.6, 1.2},
	{"P06", "BX500 统一存储", "存储", false, 186000, 60, 30, true, storageComponents, 1.0, 0.6, 1.0},
	{"P07", "BX700 全闪存储", "存储", false, 268000, 40, 60, true, storageComponents, 1.6, 0.8, 1.0},
	{"P08", "NX24 接入交换机", "网络", false, 12800, 96, -24, true, networkComponents, 0.6, 3.0, 1.15},
	{"P09", "NX48 汇聚交换机", "网络", false, 26500, 60, 36, true, networkComponents, 1.2, 2.0, 0.95},
	{"P10", "NX-Core 核心交换机", "网络", false, 220000, 50, 0, false, networkComponents, 0.5, 0.5, 0.8},
	{"P11", "FW6 防火墙", "网络", false, 45000, 70, 24, true, networkComponents, 0.9, 0.8, 0.9},
	{"P12", "UP10 不间断电源", "电源", false, 18600, 84, 24, true, powerComponents, 1.3, 1.5, 1.0},
	{"P13", "UP30 模块化UPS", "电源", false, 76000, 44, 60, true, powerComponents, 0.7, 0.7, 0.95},
	{"P14", "PD8 智能配电单元", "电源", false, 6800, 66, 36, true, powerComponents, 0.9, 2.5, 0.85},
	{"P15", "CR20 行级空调", "机房", false, 96000, 56, 48, true, coolingComponents, 0.6, 0.8, 1.1},
	{"P16", "Nimbus OS 企业版", "软件", true, 12000, 100, -3, true, softwareComponents, 0.7, 1.2, 1.1},
	{"P17", "Nimbus OS 2.0", "软件", true, 15000, 40, 0, false, softwareComponents, 1.2, 1.2, 1.0},
	{"P18", "DataGuard 备份软件", "软件", true, 22000, 80, 36, true, softwareComponents, 0.9, 1.0, 0.9},
	{"P19", "Insight 运维平台", "软件", true, 36000, 30, 0, false, softwareComponents, 0.7, 0.8, 1.0},
	{"P20", "EdgeLink 物联网网关", "网络", false, 4800, 14, 0, false, gatewayComponents, 0.6, 4.0, 1.1},
}

// componentWeight is each component's failure rate relative to the base.
var componentWeight = map[string]float64{
	"电源模块": 1.0, "主板": 0.6, "硬盘": 1.4, "内存": 0.7, "风扇": 1.0, "固件": 1.2,
	"控制器": 0.8, "端口模块": 0.9, "电池": 1.5, "控制板": 0.7, "压缩机": 1.3,
	"安装部署": 1.0, "授权": 0.7, "接口": 1.0, "性能": 0.8, "通信模块": 1.1,
}

// baseFaultsPerUnitYear is the fault rate of a weight-1 component on a
// weight-1 product in a weight-1 region: 2.5 faults per 100 units per year.
const baseFaultsPerUnitYear = 0.025

// Planted patterns, recorded in the manifest.
const (
	hotspotProduct   = 6 // index of P07
	hotspotComponent = "电源模块"
	hotspotRegion    = 0 // 华东
	hotspotFactor    = 6.0

	risingProduct   = 11 // index of P12
	risingComponent = "电池"
	risingRegion    = 2 // 华南
	risingFactor    = 3.0
	risingMonths    = 6
)

type region struct {
	name     string
	weight   float64
	failMult float64
	cities   []string
	owners   []int // indexes into owners: the region's own reps
}

var regions = []region{
	{"华东", 0.32, 1.0, []string{"上海", "苏州", "杭州", "南京", "宁波", "合肥", "济南", "青岛", "无锡"}, []int{0, 1, 4}},
	{"华北", 0.22, 0.95, []string{"北京", "天津", "石家庄", "太原", "呼和浩特", "保定"}, []int{2, 5}},
	{"华南", 0.22, 1.05, []string{"广州", "深圳", "东莞", "佛山", "厦门", "南宁", "珠海"}, []int{3, 6}},
	{"西南", 0.14, 1.1, []string{"成都", "重庆", "昆明", "贵阳", "绵阳"}, []int{7}},
	{"东北", 0.10, 0.9, []string{"沈阳", "大连", "长春", "哈尔滨"}, []int{5}},
}

var owners = []string{
	"li.wei@example.com", "zhang.min@example.com", "wang.fang@example.com", "liu.yang@example.com",
	"chen.jing@example.com", "zhao.lei@example.com", "huang.li@example.com", "zhou.tao@example.com",
}

type industry struct {
	name   string
	weight float64
	words  []string
}

var industries = []industry{
	{"制造", 0.30, []string{"精密制造", "机械", "电子科技", "汽车零部件", "新材料", "装备"}},
	{"能源", 0.10, []string{"能源", "电力", "新能源", "燃气", "光伏"}},
	{"医疗", 0.12, []string{"医疗器械", "医药", "生物科技", "健康管理"}},
	{"零售", 0.12, []string{"商贸", "连锁超市", "百货", "电子商务"}},
	{"金融", 0.10, []string{"证券", "融资租赁", "保险代理", "金融服务"}},
	{"物流", 0.10, []string{"物流", "供应链", "快运", "仓储"}},
	{"教育", 0.08, []string{"教育科技", "职业培训", "文化传媒"}},
	{"政府", 0.08, []string{"大数据中心", "政务信息中心", "公共资源交易中心"}},
}

// tradeSyllables build two-character trade names (1,600 combinations).
var tradeSyllables = []rune("华恒泰鑫盛达瑞祥宏远新源天安嘉信博通中金海星辰正立德和润康力科创联众银兴隆云峰航")

// trickyNames replace a few customers' names so that reports exercise
// escaping: HTML/JS metacharacters and a leading '=' that spreadsheet tools
// would read as a formula.
var trickyNames = map[int]string{
	7:  `A&B <Tech> "星河"科技有限公司`,
	13: `=1+1 星河测试有限公司`,
	21: `</script><script>alert(1)</script>华创有限公司`,
}

var (
	activityChannelsOut = []weighted[string]{{"visit", 0.30}, {"电话", 0.40}, {"email", 0.20}, {"wechat", 0.10}}
	activityChannelsIn  = []weighted[string]{{"电话", 0.40}, {"email", 0.25}, {"wechat", 0.35}}
	activityKindsOut    = []string{"拜访", "商务洽谈", "回访", "报价", "培训"}
	activityKindsIn     = []string{"咨询", "报修", "询价", "投诉", "续约"}
)

// firstOfMonth and endOfMonth anchor catalog dates to calendar months.
func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func endOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, time.UTC)
}
