package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

const numProducts = len(catalog)

type payerKind int

const (
	payerOnTime     payerKind = iota
	payerLate                 // pays 10–120 days after due
	payerDelinquent           // leaves some invoices unpaid
)

// customer is the hidden state of the customer being generated; it is
// overwritten for the next one.
type customer struct {
	idx                  int
	id                   string
	region, industry     int
	employees            int64
	created              time.Time
	activeFrom, activeTo time.Time // the part of the window the customer is active in
	prospect             bool      // in the CRM but never bought
	maintenance          bool      // renews maintenance and licenses yearly
	drainer              bool      // many tickets, much effort, little revenue
	frequent             bool      // buys in many different months
	payer                payerKind
	termsDays            int
	satisfaction         float64 // 0..1, drives NPS and CSAT
	engagement           float64 // multiplies activity counts
	inboundShare         float64
	discountBP           int64 // discount on list price, basis points

	units        [numProducts]int
	firstInstall [numProducts]time.Time
	serialNext   [numProducts]int
}

type lot struct {
	product, qty, serialBase int
	installed                time.Time
}

type invoice struct {
	issued       time.Time
	first, count int // lines[first : first+count]
	number       int
	total        int64
}

type billingLine struct {
	product    int
	category   string
	quantity   int64 // ten-thousandths
	amount     int64 // cents
	noCurrency bool
}

type payment struct {
	paid    time.Time
	invoice int // invoice number; orphan payments use the unmatched range
	amount  int64
	orphan  bool
}

type activity struct {
	at            time.Time
	inbound       bool
	channel, kind string // kind "" = blank
}

type survey struct {
	at                   time.Time
	nps, wouldRepurchase int // wouldRepurchase 0 = blank
}

type ticket struct {
	opened, closed       time.Time // closed zero = open at as-of
	product, serial      int       // serial 0 = none
	component, category  string
	severity             int
	effort               int64 // hundredths of an hour
	escalations, reopens int
	csat                 int // 0 = blank
	resolution           string
}

// scratch holds one customer's rows between drawing and writing; its slices
// are reused, so memory follows the largest customer, not the count.
type scratch struct {
	lots       []lot
	invoices   []invoice
	lines      []billingLine
	payments   []payment
	activities []activity
	surveys    []survey
	tickets    []ticket
}

func (s *scratch) reset() {
	s.lots, s.invoices, s.lines, s.payments = s.lots[:0], s.invoices[:0], s.lines[:0], s.payments[:0]
	s.activities, s.surveys, s.tickets = s.activities[:0], s.surveys[:0], s.tickets[:0]
}

var (
	regionChoice   = indexWeights(len(regions), func(i int) float64 { return regions[i].weight })
	industryChoice = indexWeights(len(industries), func(i int) float64 { return industries[i].weight })
	districts      = []string{"工业园区", "高新区", "经开区", "新区", "滨海新区"}
)

func indexWeights(n int, weight func(int) float64) []weighted[int] {
	out := make([]weighted[int], n)
	for i := range out {
		out[i] = weighted[int]{i, weight(i)}
	}
	return out
}

func customerID(i int) string { return string(appendID(nil, "C", i, widthCustomer)) }

func appendID(b []byte, prefix string, n, width int) []byte {
	b = append(b, prefix...)
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(n), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// isAdvocate marks about 6% of customers as the ones others are referred
// by; it is a hash, not state, so any earlier customer can be asked.
func (g *generator) isAdvocate(i int) bool {
	h := splitmix64(uint64(g.opt.Seed) ^ splitmix64(streamAdvocate<<32^uint64(i)))
	return h%100 < 6
}

func (g *generator) generateCustomer(i int) error {
	seedPCG(&g.src, g.opt.Seed, streamCustomer, uint64(i))
	g.scratch.reset()
	c := &g.cust
	*c = customer{idx: i, id: customerID(i)}
	g.drawCustomer(c)
	if err := g.customers.write(); err != nil {
		return err
	}
	g.drawLegacy(c)
	g.drawPurchases(c)
	g.drawRenewals(c)
	g.drawServices(c)
	g.writeBilling(c)
	g.writeInstalledBase(c)
	g.writeActivities(c)
	g.writeSurveys(c)
	g.writeTickets(c)
	return nil
}

// drawCustomer draws the CRM record and the hidden traits, and fills the
// workbook row.
func (g *generator) drawCustomer(c *customer) {
	r := g.rng
	c.region = pickWeighted(r, regionChoice)
	c.industry = pickWeighted(r, industryChoice)
	c.employees = int64(clampInt(int(math.Round(lognormal(r, 90, 1.35))), 3, 150_000))
	perEmployee := lognormal(r, 450_000, 0.6)
	revenueYuan := max(int64(float64(c.employees)*perEmployee/10_000+0.5)*10_000, 200_000)
	influence := clampInt(int(math.Round(1+0.9*math.Log10(float64(c.employees)/10)+0.7*r.NormFloat64())), 1, 5)
	owner := owners[r.IntN(len(owners))]
	if r.Float64() < 0.85 {
		owner = owners[pick(r, regions[c.region].owners)]
	}

	// Ids follow creation order, so a referrer is always created earlier.
	first, last := g.asOf.AddDate(-12, 0, 0), g.asOf.AddDate(0, 0, -20)
	x := (float64(c.idx-1) + r.Float64()) / float64(g.n)
	c.created = first.Add(time.Duration(math.Pow(x, 0.8) * float64(last.Sub(first)))).Truncate(day)
	name := g.drawName(r, c)

	referredBy := ""
	if c.idx > 1 && r.Float64() < 0.08 {
		j := 0
		for range 8 {
			j = 1 + r.IntN(c.idx-1)
			if g.isAdvocate(j) {
				break
			}
		}
		referredBy = customerID(j)
	}

	c.activeFrom, c.activeTo = maxTime(c.created, g.start), g.asOf
	if r.Float64() < 0.10 {
		lo := maxTime(g.start.AddDate(0, 6, 0), c.created.AddDate(0, 6, 0))
		if hi := g.asOf.AddDate(0, -2, 0); lo.Before(hi) {
			c.activeTo = randomDay(r, lo, hi)
		}
	}
	newcomer := c.created.After(g.asOf.AddDate(-1, 0, 0))
	c.prospect = r.Float64() < 0.04+0.10*b2f(newcomer)
	switch u := r.Float64(); {
	case u < 0.82:
		c.payer = payerOnTime
	case u < 0.97:
		c.payer = payerLate
	default:
		c.payer = payerDelinquent
	}
	c.termsDays = 30
	if r.Float64() < 0.2+0.4*b2f(c.employees > 1000) {
		c.termsDays = 60
	}
	drainerChance := 0.015
	if c.employees < 500 {
		drainerChance = 0.06
	}
	c.drainer = r.Float64() < drainerChance
	c.maintenance = r.Float64() < min(0.62+0.06*math.Log10(float64(c.employees)), 0.95)
	c.frequent = !c.prospect && r.Float64() < 0.03
	c.satisfaction = min(max(0.68+0.18*r.NormFloat64()-0.2*b2f(c.drainer), 0.02), 0.98)
	c.engagement = lognormal(r, 1, 0.5)
	c.inboundShare = min(max(0.2+0.3*c.satisfaction+0.15*b2f(c.drainer)+0.1*r.NormFloat64(), 0.05), 0.8)
	c.discountBP = int64(clampInt(int(600*math.Log10(float64(c.employees)/30)+300*r.NormFloat64()), 0, 2500))

	v := g.customers.values
	v[custColID] = c.id
	v[custColName] = name
	v[custColIndustry] = industries[c.industry].name
	v[custColRegion] = regions[c.region].name
	v[custColEmployees] = c.employees
	v[custColRevenue] = g.customers.revenueCell(revenueYuan)
	v[custColInfluence] = influence
	v[custColOwner] = owner
	v[custColCreated] = excelize.Cell{StyleID: g.customers.dateStyle, Value: c.created}
	v[custColReferredBy] = nil
	if referredBy != "" {
		v[custColReferredBy] = referredBy
	}
}

func (g *generator) drawName(r *rand.Rand, c *customer) string {
	city := pick(r, regions[c.region].cities)
	ind := industries[c.industry]
	word := pick(r, ind.words)
	var name string
	if ind.name == "政府" {
		name = city + "市" + pick(r, districts) + word
	} else {
		trade := string([]rune{pick(r, tradeSyllables), pick(r, tradeSyllables)})
		suffix := "有限公司"
		switch u := r.Float64(); {
		case c.employees > 3000 && u < 0.5:
			suffix = "集团有限公司"
		case c.employees > 500 && u < 0.4:
			suffix = "股份有限公司"
		}
		name = city + trade + word + suffix
	}
	if tricky, ok := trickyNames[c.idx]; ok {
		return tricky
	}
	return name
}

// unitsPerPurchase grows with company size (a cube root) and the product's
// usual multiples.
func (g *generator) unitsPerPurchase(r *rand.Rand, c *customer, p int) int {
	base := 1 + math.Pow(float64(c.employees), 0.33)/3
	return clampInt(int(math.Round(base*catalog[p].qtyScale*lognormal(r, 1, 0.5))), 1, 300)
}

// pickProduct draws by popularity among products on sale at some point of
// [from, to); onlyNew skips products the customer already has.
func (g *generator) pickProduct(r *rand.Rand, c *customer, from, to time.Time, onlyNew bool) int {
	total := 0.0
	for p := range catalog {
		if g.onSale(p, from, to) && (!onlyNew || c.units[p] == 0) {
			total += catalog[p].popularity
		}
	}
	if total == 0 {
		return -1
	}
	x := r.Float64() * total
	last := -1
	for p := range catalog {
		if g.onSale(p, from, to) && (!onlyNew || c.units[p] == 0) {
			last = p
			if x -= catalog[p].popularity; x < 0 {
				return p
			}
		}
	}
	return last
}

func (g *generator) onSale(p int, from, to time.Time) bool {
	return g.launch[p].Before(to) && g.endOfSale[p].After(from)
}

func (g *generator) addLot(c *customer, p, qty int, installed time.Time) {
	g.scratch.lots = append(g.scratch.lots, lot{product: p, qty: qty, serialBase: c.serialNext[p], installed: installed})
	c.serialNext[p] += qty
	if c.units[p] == 0 || installed.Before(c.firstInstall[p]) {
		c.firstInstall[p] = installed
	}
	c.units[p] += qty
}

// drawLegacy installs what customers created before the window bought
// earlier: no billing lines (those fall before the window), but units that
// fail and, under contract, maintenance.
func (g *generator) drawLegacy(c *customer) {
	r := g.rng
	if c.prospect || !c.created.Before(g.start) {
		return
	}
	n := min(1+poisson(r, 0.5+0.4*math.Log10(float64(c.employees))), 6)
	for range n {
		p := g.pickProduct(r, c, c.created, g.start, true)
		if p < 0 {
			return
		}
		lo := maxTime(c.created, g.launch[p])
		hi := minTime(g.start, g.endOfSale[p])
		if !lo.Before(hi) {
			continue
		}
		g.addLot(c, p, g.unitsPerPurchase(r, c, p), randomDay(r, lo, hi))
	}
}

func (g *generator) drawPurchases(c *customer) {
	r := g.rng
	if c.prospect || !c.activeFrom.Before(c.activeTo) {
		return
	}
	years := daysBetween(c.activeFrom, c.activeTo) / 365.25
	if !c.created.Before(g.start) {
		// A newcomer's first order follows its creation within two months.
		if d := c.created.AddDate(0, 0, r.IntN(60)); d.Before(c.activeTo) {
			g.purchase(c, d)
		}
	}
	if c.frequent {
		g.frequentPurchases(c)
		return
	}
	n := poisson(r, (0.25+0.2*math.Log10(float64(c.employees)))*years)
	for range n {
		g.purchase(c, randomDay(r, c.activeFrom, c.activeTo))
	}
}

// frequentPurchases spreads 10–24 orders over distinct months.
func (g *generator) frequentPurchases(c *customer) {
	r := g.rng
	from := firstOfMonth(c.activeFrom)
	var months [WindowMonths + 1]int
	count := 0
	for m := from; m.Before(c.activeTo) && count < len(months); m = m.AddDate(0, 1, 0) {
		months[count] = count
		count++
	}
	want := min(10+r.IntN(15), count)
	for k := range want {
		j := k + r.IntN(count-k)
		months[k], months[j] = months[j], months[k]
		lo := maxTime(from.AddDate(0, months[k], 0), c.activeFrom)
		hi := minTime(from.AddDate(0, months[k]+1, 0), c.activeTo)
		if lo.Before(hi) {
			g.purchase(c, randomDay(r, lo, hi))
		}
	}
}

// purchase bills one order of one to three products and installs them.
func (g *generator) purchase(c *customer, d time.Time) {
	r := g.rng
	products := pickWeighted(r, []weighted[int]{{1, 0.70}, {2, 0.25}, {3, 0.05}})
	inv := g.newInvoice(d)
	next := d.AddDate(0, 0, 1)
	for range products {
		p := -1
		if r.Float64() < 0.45 {
			p = g.pickHeld(r, c, d)
		}
		if p < 0 {
			if p = g.pickProduct(r, c, d, next, true); p < 0 {
				p = g.pickProduct(r, c, d, next, false)
			}
		}
		if p < 0 || g.invoiceHas(inv, p) {
			continue
		}
		qty := g.unitsPerPurchase(r, c, p)
		category := "product"
		if catalog[p].software {
			category = "license"
		}
		amount := discounted(int64(qty)*catalog[p].priceYuan*100, c.discountBP)
		g.addLine(inv, p, category, int64(qty)*10_000, amount)
		installed := d.AddDate(0, 0, r.IntN(15))
		if !installed.Before(g.asOf) {
			installed = d
		}
		g.addLot(c, p, qty, installed)
		if r.Float64() < 0.3 {
			// Installation service, in half hours at 800 yuan an hour.
			halves := int64(math.Round(2 * (4 + 2*math.Sqrt(float64(qty))) * lognormal(r, 1, 0.3)))
			g.addLine(inv, p, "service", halves*5_000, halves*40_000)
		}
	}
	g.dropIfEmpty(inv)
}

// pickHeld picks a product the customer has that is still on sale at d.
func (g *generator) pickHeld(r *rand.Rand, c *customer, d time.Time) int {
	n := 0
	for p := range catalog {
		if c.units[p] > 0 && g.onSale(p, d, d.AddDate(0, 0, 1)) {
			n++
		}
	}
	if n == 0 {
		return -1
	}
	k := r.IntN(n)
	for p := range catalog {
		if c.units[p] > 0 && g.onSale(p, d, d.AddDate(0, 0, 1)) {
			if k == 0 {
				return p
			}
			k--
		}
	}
	return -1
}

// discounted applies a discount in basis points, rounding half up to the cent.
func discounted(listCents, discountBP int64) int64 {
	return (listCents*(10_000-discountBP) + 5_000) / 10_000
}

func (g *generator) newInvoice(d time.Time) int {
	g.scratch.invoices = append(g.scratch.invoices, invoice{issued: d, first: len(g.scratch.lines)})
	return len(g.scratch.invoices) - 1
}

func (g *generator) addLine(inv, p int, category string, quantity, amount int64) {
	s := &g.scratch
	s.lines = append(s.lines, billingLine{product: p, category: category, quantity: quantity, amount: amount,
		noCurrency: g.rng.Float64() < 0.05})
	s.invoices[inv].count++
	s.invoices[inv].total += amount
}

func (g *generator) invoiceHas(inv, p int) bool {
	in := g.scratch.invoices[inv]
	for _, l := range g.scratch.lines[in.first : in.first+in.count] {
		if l.product == p {
			return true
		}
	}
	return false
}

func (g *generator) dropIfEmpty(inv int) {
	if g.scratch.invoices[inv].count == 0 {
		g.scratch.invoices = g.scratch.invoices[:inv]
	}
}

// drawRenewals bills, on each anniversary of the customer's creation in
// the window, maintenance for supported hardware and license renewals for
// software, for units installed before that day.
func (g *generator) drawRenewals(c *customer) {
	if !c.maintenance || c.prospect {
		return
	}
	for k := 1; ; k++ {
		d := c.created.AddDate(k, 0, 0)
		if !d.Before(c.activeTo) {
			return
		}
		if d.Before(g.start) {
			continue
		}
		var units [numProducts]int
		for _, l := range g.scratch.lots {
			if l.installed.Before(d) {
				units[l.product] += l.qty
			}
		}
		inv := g.newInvoice(d)
		for p, n := range units {
			if n == 0 {
				continue
			}
			list := int64(n) * catalog[p].priceYuan * 100
			if catalog[p].software {
				// 18% of list a year, at the customer's discount.
				g.addLine(inv, p, "license", int64(n)*10_000, discounted(list*18/100, c.discountBP))
				continue
			}
			if end := g.supportEnd[p]; !end.IsZero() && !d.Before(end) {
				continue // no maintenance past end of support
			}
			// 12% of list a year, at half the customer's discount.
			g.addLine(inv, p, "maintenance", int64(n)*10_000, discounted(list*12/100, c.discountBP/2))
		}
		g.dropIfEmpty(inv)
	}
}

// drawServices bills occasional on-site or training days.
func (g *generator) drawServices(c *customer) {
	r := g.rng
	if len(g.scratch.lots) == 0 || !c.activeFrom.Before(c.activeTo) {
		return
	}
	years := daysBetween(c.activeFrom, c.activeTo) / 365.25
	n := poisson(r, 0.3*years*(1+b2f(c.drainer)))
	for range n {
		d := randomDay(r, c.activeFrom, c.activeTo)
		l := g.scratch.lots[r.IntN(len(g.scratch.lots))]
		if !l.installed.Before(d) {
			continue
		}
		halves := int64(clampInt(int(math.Round(2*lognormal(r, 12, 0.6))), 4, 240))
		inv := g.newInvoice(d)
		g.addLine(inv, l.product, "service", halves*5_000, halves*40_000)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func sortByTime[T any](s []T, at func(*T) time.Time) {
	slices.SortStableFunc(s, func(a, b T) int { return at(&a).Compare(at(&b)) })
}
