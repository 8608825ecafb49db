package demo

import (
	"math"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"
)

// Widths of the zero-padded numbers in ids: C000001, A00000001, S0000001,
// INV00000001, PAY00000001, T00000001.
const (
	widthCustomer = 6
	widthActivity = 8
	widthSurvey   = 7
	widthInvoice  = 8
	widthPayment  = 8
	widthTicket   = 8
)

func (t *csvTable) id(prefix string, n, width int) {
	f := t.next()
	*f = appendID(*f, prefix, n, width)
}

// serialNo spells a unit's serial number: SN07-000123-0004 is unit 4 of
// product P07 at customer C000123.
func (t *csvTable) serialNo(product, customer, unit int) {
	f := t.next()
	*f = appendID(*f, "SN", product+1, 2)
	*f = appendID(*f, "-", customer, widthCustomer)
	*f = appendID(*f, "-", unit, 4)
}

// revenueCell is a number cell with a money format, or for about 1% of
// customers the same amount as text with thousands separators or the yuan
// sign, as CRM exports sometimes hold it (valid, to be parsed).
func (x *xlsxTable) revenueCell(yuan int64) any {
	switch u := x.sched.rng.Float64(); {
	case u < 0.006:
		return string(appendMoney(nil, yuan*100, moneyGrouped))
	case u < 0.01:
		return string(appendMoney(nil, yuan*100, moneyYuan))
	}
	return excelize.Cell{StyleID: x.moneyStyle, Value: float64(yuan)}
}

// setFreshKeys tells each table how to give an injected invalid row a key
// of its own.
func (g *generator) setFreshKeys() {
	counter := func(prefix string, next *int, width int) func([][]byte) bool {
		return func(f [][]byte) bool {
			f[0] = appendID(f[0][:0], prefix, *next, width)
			*next++
			return true
		}
	}
	g.activities.freshKey = counter("A", &g.nextActivity, widthActivity)
	g.surveys.freshKey = counter("S", &g.nextSurvey, widthSurvey)
	g.tickets.freshKey = counter("T", &g.nextTicket, widthTicket)
	g.arInvoices.freshKey = counter("INV", &g.nextInvoice, widthInvoice)
	g.arPayments.freshKey = counter("PAY", &g.nextPayment, widthPayment)
	newInvoice := counter("INV", &g.nextInvoice, widthInvoice)
	g.billing.freshKey = func(f [][]byte) bool {
		newInvoice(f)
		f[1] = append(f[1][:0], '1')
		return true
	}
	// installed_base is keyed by (customer, product): move the copy to a
	// product the customer does not have.
	g.installed.freshKey = func(f [][]byte) bool {
		start := g.installed.sched.rng.IntN(numProducts)
		for k := range numProducts {
			if p := (start + k) % numProducts; g.cust.units[p] == 0 {
				f[1] = append(f[1][:0], catalog[p].id...)
				return true
			}
		}
		return false
	}
}

func (g *generator) writeProducts() {
	t := g.products
	for p := range catalog {
		t.str(catalog[p].id)
		t.str(catalog[p].name)
		t.str(catalog[p].family)
		t.when(g.launch[p], layoutISODate)
		if end := g.supportEnd[p]; end.IsZero() {
			t.empty()
		} else {
			t.when(end, layoutISODate)
		}
		t.end()
	}
}

// writeBilling writes the customer's billing lines, one receivables invoice
// per billing invoice (amount = exact sum of its lines) and the payments.
func (g *generator) writeBilling(c *customer) {
	s := &g.scratch
	sortByTime(s.invoices, func(i *invoice) time.Time { return i.issued })
	for k := range s.invoices {
		s.invoices[k].number = g.nextInvoice
		g.nextInvoice++
	}
	t := g.billing
	for _, inv := range s.invoices {
		for n, l := range s.lines[inv.first : inv.first+inv.count] {
			t.id("INV", inv.number, widthInvoice)
			t.int(int64(n + 1))
			t.str(c.id)
			t.when(inv.issued, layoutISODate)
			t.str(catalog[l.product].id)
			t.str(l.category)
			t.quantity(l.quantity)
			t.amount(l.amount)
			if l.noCurrency {
				t.empty()
			} else {
				t.str("CNY")
			}
			t.end()
		}
	}
	ar := g.arInvoices
	for _, inv := range s.invoices {
		due := inv.issued.AddDate(0, 0, c.termsDays)
		ar.id("INV", inv.number, widthInvoice)
		ar.str(c.id)
		ar.when(inv.issued, layoutSlashPadded)
		ar.when(due, layoutSlashPadded)
		ar.amount(inv.total)
		ar.end()
		g.drawPayments(c, inv, due)
	}
	if slices.Contains(g.orphanAt, c.idx) {
		amount := int64(1_000_000)
		if n := len(s.invoices); n > 0 {
			amount = s.invoices[n-1].total
		}
		paid := randomDay(g.rng, maxTime(c.activeFrom, g.asOf.AddDate(0, 0, -40)), g.asOf)
		s.payments = append(s.payments, payment{paid: paid, invoice: maxInvoiceCounter + c.idx, amount: amount, orphan: true})
	}
	sortByTime(s.payments, func(p *payment) time.Time { return p.paid })
	pt := g.arPayments
	for _, p := range s.payments {
		if p.orphan {
			g.man.m.UnmatchedPayments = append(g.man.m.UnmatchedPayments, string(appendID(nil, "PAY", g.nextPayment, widthPayment)))
		}
		pt.id("PAY", g.nextPayment, widthPayment)
		g.nextPayment++
		pt.id("INV", p.invoice, widthInvoice)
		pt.str(c.id)
		pt.when(p.paid, layoutSlashPadded)
		pt.amount(p.amount)
		pt.end()
	}
}

// drawPayments decides how the customer pays one invoice: on time (82% of
// customers; 8% of their invoices a few days late), late by 10–120 days
// (15%), or not at all for a third of a delinquent customer's invoices
// (3%). Anything that would be paid on or after as-of is still open; 4% of
// payments come in two parts.
func (g *generator) drawPayments(c *customer, inv invoice, due time.Time) {
	r := g.rng
	var paid time.Time
	switch c.payer {
	case payerOnTime:
		if r.Float64() < 0.08 {
			paid = due.AddDate(0, 0, 1+r.IntN(9))
		} else {
			paid = due.AddDate(0, 0, -r.IntN(min(25, c.termsDays-3)+1))
		}
	case payerLate:
		paid = due.AddDate(0, 0, clampInt(int(math.Round(lognormal(r, 35, 0.6))), 10, 120))
	case payerDelinquent:
		if r.Float64() < 0.35 {
			return
		}
		paid = due.AddDate(0, 0, 30+r.IntN(120))
	}
	if !paid.Before(g.asOf) {
		return
	}
	s := &g.scratch
	if r.Float64() < 0.04 {
		first := inv.total * int64(40+r.IntN(31)) / 100 / 100 * 100 // whole yuan
		s.payments = append(s.payments, payment{paid: paid, invoice: inv.number, amount: first})
		if rest := paid.AddDate(0, 0, 20+r.IntN(41)); rest.Before(g.asOf) {
			s.payments = append(s.payments, payment{paid: rest, invoice: inv.number, amount: inv.total - first})
		}
		return
	}
	s.payments = append(s.payments, payment{paid: paid, invoice: inv.number, amount: inv.total})
}

func (g *generator) writeInstalledBase(c *customer) {
	t := g.installed
	for p := range catalog {
		if c.units[p] == 0 {
			continue
		}
		t.str(c.id)
		t.str(catalog[p].id)
		t.int(int64(c.units[p]))
		if g.rng.Float64() < 0.04 {
			t.empty() // installation date unknown: valid, the column is optional
		} else {
			t.when(c.firstInstall[p], layoutISODate)
		}
		t.end()
	}
}

func (g *generator) writeActivities(c *customer) {
	r := g.rng
	s := &g.scratch
	if !c.activeFrom.Before(c.activeTo) {
		return
	}
	months := daysBetween(c.activeFrom, c.activeTo) / 30.44
	rate := (0.25 + 0.2*math.Log10(float64(c.employees))) * c.engagement
	if c.prospect {
		rate *= 0.6
	}
	if c.drainer {
		rate *= 1.5
	}
	for range poisson(r, rate*months) {
		a := activity{at: workingTime(r, randomDay(r, c.activeFrom, c.activeTo), g.asOf)}
		a.inbound = r.Float64() < c.inboundShare
		if a.inbound {
			a.channel = pickWeighted(r, activityChannelsIn)
			a.kind = pick(r, activityKindsIn)
		} else {
			a.channel = pickWeighted(r, activityChannelsOut)
			a.kind = pick(r, activityKindsOut)
		}
		if r.Float64() < 0.1 {
			a.kind = ""
		}
		s.activities = append(s.activities, a)
	}
	sortByTime(s.activities, func(a *activity) time.Time { return a.at })
	t := g.activities
	for _, a := range s.activities {
		t.id("A", g.nextActivity, widthActivity)
		g.nextActivity++
		t.str(c.id)
		t.when(a.at, layoutTimestamp)
		if a.inbound {
			t.str("inbound")
		} else {
			t.str("outbound")
		}
		t.str(a.channel)
		t.str(a.kind)
		t.end()
	}
}

func (g *generator) writeSurveys(c *customer) {
	r := g.rng
	s := &g.scratch
	if r.Float64() >= 0.40 || !c.activeFrom.Before(c.activeTo) {
		return
	}
	for range 1 + r.IntN(3) {
		v := survey{at: randomDay(r, c.activeFrom, c.activeTo)}
		v.nps = clampInt(int(math.Round(2+8*c.satisfaction+1.3*r.NormFloat64())), 0, 10)
		if r.Float64() >= 0.15 {
			v.wouldRepurchase = clampInt(int(math.Round(1+0.4*float64(v.nps)+0.6*r.NormFloat64())), 1, 5)
		}
		s.surveys = append(s.surveys, v)
	}
	sortByTime(s.surveys, func(v *survey) time.Time { return v.at })
	t := g.surveys
	for _, v := range s.surveys {
		t.id("S", g.nextSurvey, widthSurvey)
		g.nextSurvey++
		t.str(c.id)
		t.when(v.at, layoutSlashShort)
		t.int(int64(v.nps))
		if v.wouldRepurchase == 0 {
			t.empty()
		} else {
			t.int(int64(v.wouldRepurchase))
		}
		t.end()
	}
}

func (g *generator) writeTickets(c *customer) {
	g.drawFaults(c)
	g.drawRequests(c)
	s := &g.scratch
	sortByTime(s.tickets, func(t *ticket) time.Time { return t.opened })
	t := g.tickets
	region := regions[c.region].name
	for _, k := range s.tickets {
		t.id("T", g.nextTicket, widthTicket)
		g.nextTicket++
		t.str(c.id)
		t.when(k.opened, layoutTimestamp)
		if k.closed.IsZero() {
			t.empty()
		} else {
			t.when(k.closed, layoutTimestamp)
		}
		t.str(catalog[k.product].id)
		if k.serial == 0 {
			t.empty()
		} else {
			t.serialNo(k.product, c.idx, k.serial)
		}
		t.str(k.component)
		t.str(region)
		t.str(k.category)
		t.int(int64(k.severity))
		t.fixed2(k.effort)
		t.int(int64(k.escalations))
		t.int(int64(k.reopens))
		if k.csat == 0 {
			t.empty()
		} else {
			t.int(int64(k.csat))
		}
		t.str(k.resolution)
		t.end()
	}
}

// drawFaults draws fault tickets per installed lot and component as a
// Poisson process over the lot's exposure in the window, at the product ×
// component × region rate, with the planted hot-spot and rising group.
func (g *generator) drawFaults(c *customer) {
	r := g.rng
	for _, l := range g.scratch.lots {
		p := &catalog[l.product]
		from := maxTime(l.installed, g.start)
		if !from.Before(g.asOf) {
			continue
		}
		years := daysBetween(from, g.asOf) / 365.25
		for _, comp := range p.components {
			rate := baseFaultsPerUnitYear * componentWeight[comp] * p.failMult * regions[c.region].failMult
			if l.product == hotspotProduct && comp == hotspotComponent && c.region == hotspotRegion {
				rate *= hotspotFactor
			}
			for range poisson(r, float64(l.qty)*years*rate) {
				g.addFault(c, l, comp, from)
			}
			if l.product == risingProduct && comp == risingComponent && c.region == risingRegion {
				if since := maxTime(from, g.risingSince()); since.Before(g.asOf) {
					extra := float64(l.qty) * daysBetween(since, g.asOf) / 365.25 * rate * (risingFactor - 1)
					for range poisson(r, extra) {
						g.addFault(c, l, comp, since)
					}
				}
			}
		}
	}
}

// addFault adds a fault opened in [from, as-of) on a random unit of the lot,
// and sometimes the same unit failing again weeks later (more often after a
// mere workaround).
func (g *generator) addFault(c *customer, l lot, component string, from time.Time) {
	r := g.rng
	d := randomDay(r, from, g.asOf)
	opened := d.Add(time.Duration(r.IntN(86_400)) * time.Second) // faults come at any hour
	if r.Float64() < 0.75 {
		opened = workingTime(r, d, g.asOf)
	}
	t := ticket{opened: opened, product: l.product, component: component, category: "fault"}
	if !catalog[l.product].software {
		t.serial = l.serialBase + 1 + r.IntN(l.qty)
	}
	g.finishTicket(c, &t)
	g.scratch.tickets = append(g.scratch.tickets, t)
	repeat := 0.10
	if t.resolution == "workaround" {
		repeat = 0.35
	}
	if r.Float64() < repeat {
		again := opened.Add(time.Duration(7*86_400+r.IntN(84*86_400)) * time.Second)
		if again.Before(g.asOf) {
			t2 := ticket{opened: again, product: l.product, serial: t.serial, component: component, category: "fault"}
			g.finishTicket(c, &t2)
			g.scratch.tickets = append(g.scratch.tickets, t2)
		}
	}
}

var (
	nonFaultCategories        = []weighted[string]{{"question", 0.55}, {"request", 0.30}, {"complaint", 0.15}}
	drainerNonFaultCategories = []weighted[string]{{"question", 0.45}, {"request", 0.25}, {"complaint", 0.30}}
)

// drawRequests draws questions, requests and complaints, more with more
// units, five times more for drainers.
func (g *generator) drawRequests(c *customer) {
	r := g.rng
	lots := g.scratch.lots
	if len(lots) == 0 {
		return
	}
	total, first := 0, g.asOf
	for _, l := range lots {
		total += l.qty
		first = minTime(first, l.installed)
	}
	from := maxTime(first, g.start)
	if !from.Before(g.asOf) {
		return
	}
	rate := 0.5 * (1 + math.Log10(1+float64(total)))
	categories := nonFaultCategories
	if c.drainer {
		rate *= 5
		categories = drainerNonFaultCategories
	}
	for range poisson(r, rate*daysBetween(from, g.asOf)/365.25) {
		d := randomDay(r, from, g.asOf)
		l := lots[r.IntN(len(lots))]
		if !l.installed.Before(d) {
			continue
		}
		t := ticket{
			opened: workingTime(r, d, g.asOf), product: l.product,
			component: pick(r, catalog[l.product].components), category: pickWeighted(r, categories),
		}
		g.finishTicket(c, &t)
		g.scratch.tickets = append(g.scratch.tickets, t)
	}
}

var (
	severityByCategory = map[string][]weighted[int]{
		"fault":     {{1, 0.08}, {2, 0.25}, {3, 0.45}, {4, 0.22}},
		"question":  {{2, 0.05}, {3, 0.45}, {4, 0.50}},
		"request":   {{2, 0.10}, {3, 0.50}, {4, 0.40}},
		"complaint": {{1, 0.05}, {2, 0.35}, {3, 0.45}, {4, 0.15}},
	}
	resolutionByCategory = map[string][]weighted[string]{
		"fault":     {{"fixed", 0.748}, {"workaround", 0.13}, {"no_fault", 0.08}, {"duplicate", 0.03}, {"unsupported", 0.012}},
		"question":  {{"fixed", 0.73}, {"workaround", 0.10}, {"no_fault", 0.08}, {"duplicate", 0.07}, {"unsupported", 0.02}},
		"request":   {{"fixed", 0.78}, {"workaround", 0.08}, {"unsupported", 0.07}, {"duplicate", 0.05}, {"no_fault", 0.02}},
		"complaint": {{"fixed", 0.70}, {"workaround", 0.18}, {"no_fault", 0.12}},
	}
	// Past end of support, most faults cannot be fixed properly.
	resolutionPastSupport = []weighted[string]{{"unsupported", 0.45}, {"workaround", 0.25}, {"fixed", 0.25}, {"no_fault", 0.05}}

	escalationBySeverity  = [4]float64{0.6, 0.2, 0.05, 0.02}
	hoursToCloseBySev     = [4]float64{6, 20, 52, 110}
	faultEffortBySeverity = [4]float64{10, 6, 3, 1.5}
	effortByCategory      = map[string]float64{"question": 1.0, "request": 2.5, "complaint": 3.0}
)

// finishTicket draws severity, escalations, resolution, reopens, time to
// close, effort and CSAT. Tickets still being worked on at as-of stay open:
// any whose closing time falls after as-of, and a backlog that is larger the
// more recent the ticket.
func (g *generator) finishTicket(c *customer, t *ticket) {
	r := g.rng
	t.severity = pickWeighted(r, severityByCategory[t.category])
	drainer := b2f(c.drainer)
	complaint := b2f(t.category == "complaint")
	t.escalations = poisson(r, 0.04+escalationBySeverity[t.severity-1]+0.3*complaint+0.35*drainer)
	resolutions := resolutionByCategory[t.category]
	if end := g.supportEnd[t.product]; t.category == "fault" && !end.IsZero() && !t.opened.Before(end) {
		resolutions = resolutionPastSupport
	}
	t.resolution = pickWeighted(r, resolutions)
	workaround := b2f(t.resolution == "workaround")
	unsupported := b2f(t.resolution == "unsupported")
	t.reopens = poisson(r, 0.05+0.3*workaround+0.3*drainer)
	hours := lognormal(r, hoursToCloseBySev[t.severity-1], 0.9) *
		(1 + 0.6*float64(t.escalations)) * (1 + 0.5*float64(t.reopens)) * (1 + 0.4*drainer) * (1 + 0.5*unsupported)
	closed := t.opened.Add(time.Duration(hours*3600) * time.Second)
	age := daysBetween(t.opened, g.asOf)
	open := !closed.Before(g.asOf) || r.Float64() < 0.3*math.Exp(-age/110)

	effort := effortByCategory[t.category]
	if t.category == "fault" {
		effort = faultEffortBySeverity[t.severity-1]
	}
	effort = lognormal(r, effort, 0.6) * (1 + 0.4*float64(t.escalations) + 0.5*float64(t.reopens)) * (1 + 1.5*drainer)
	if open {
		effort *= 0.6 // work so far
	}
	t.effort = int64(max(1, math.Round(effort*4))) * 25 // quarter hours, in hundredths

	if open {
		t.resolution, t.csat = "", 0
		return
	}
	t.closed = closed
	if r.Float64() < 0.38 {
		return // no CSAT answer
	}
	score := 1 + 4*c.satisfaction + 0.7*r.NormFloat64() - 0.6*float64(t.escalations) -
		0.5*float64(t.reopens) - unsupported - 0.5*b2f(hours > 7*24)
	t.csat = clampInt(int(math.Round(score)), 1, 5)
}
