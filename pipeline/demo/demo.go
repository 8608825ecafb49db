package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// Options say what to generate.
type Options struct {
	Out       string    // directory, created if absent
	Customers int       // default 2000 when 0
	Seed      int64     // default 1 when 0
	AsOf      time.Time // required; data spans the 36 months before this date
}

// DefaultCustomers is the customer count when Options.Customers is 0.
const DefaultCustomers = 2000

// MaxCustomers keeps customers.xlsx on one sheet: with its planted extra
// rows (under 1%) a million customers fill about 1,007,000 of Excel's
// 1,048,576 rows.
const MaxCustomers = 1_000_000

// WindowMonths is how far back the activity data reaches from as-of.
const WindowMonths = 36

// Files written by Generate, besides ManifestFile.
const (
	FileCustomers     = "customers.xlsx"
	FileActivities    = "activities.csv"
	FileSurveys       = "surveys.csv"
	FileBillingLines  = "billing_lines.csv"
	FileTickets       = "tickets.csv"
	FileProducts      = "products.csv"
	FileInstalledBase = "installed_base.csv"
	FileARInvoices    = "ar_invoices.csv"
	FileARPayments    = "ar_payments.csv"
)

// partialSuffix marks files being written; they are renamed only when every
// file is complete, so an interrupted run never leaves a plausible-looking
// half export under the final names.
const partialSuffix = ".partial"

// maxInvoiceCounter keeps real invoice numbers below the range used for the
// planted unmatched payments (INV9xxxxxxx).
const maxInvoiceCounter = 90_000_000

// Generate writes the demo exports and MANIFEST.json into opt.Out and
// returns the manifest. The output is byte-identical for the same seed,
// as-of date and customer count.
func Generate(ctx context.Context, opt Options) (Manifest, error) {
	if opt.Customers == 0 {
		opt.Customers = DefaultCustomers
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	switch {
	case opt.Customers < 0 || opt.Customers > MaxCustomers:
		return Manifest{}, fmt.Errorf("demo: customers must be between 1 and %d, got %d", MaxCustomers, opt.Customers)
	case opt.AsOf.IsZero():
		return Manifest{}, errors.New("demo: as-of date is required")
	case opt.Out == "":
		return Manifest{}, errors.New("demo: output directory is required")
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("demo: create output directory: %w", err)
	}
	g, err := newGenerator(opt)
	if err != nil {
		return Manifest{}, err
	}
	if err := g.run(ctx); err != nil {
		g.abort()
		return Manifest{}, err
	}
	if err := g.finish(); err != nil {
		g.abort()
		return Manifest{}, err
	}
	return g.man.m, nil
}

type generator struct {
	opt        Options
	n          int
	asOf       time.Time // midnight UTC of the as-of date; every event is before it
	start      time.Time // window start
	launch     []time.Time
	supportEnd []time.Time // zero: no end announced
	endOfSale  []time.Time

	src rand.PCG
	rng *rand.Rand

	man manifestBuilder

	customers                                   *xlsxTable
	activities, surveys, billing, tickets       *csvTable
	products, installed, arInvoices, arPayments *csvTable
	tables                                      []*csvTable

	nextActivity, nextSurvey, nextInvoice, nextTicket, nextPayment, nextJunkCustomer int
	orphanAt                                                                         []int

	cust    customer
	scratch scratch
}

func newGenerator(opt Options) (*generator, error) {
	y, m, d := opt.AsOf.Date()
	asOf := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	g := &generator{
		opt: opt, n: opt.Customers, asOf: asOf, start: asOf.AddDate(0, -WindowMonths, 0),
		nextActivity: 1, nextSurvey: 1, nextInvoice: 1, nextTicket: 1, nextPayment: 1,
		nextJunkCustomer: opt.Customers + 1,
	}
	g.rng = rand.New(&g.src)
	g.man.m = Manifest{
		Seed: opt.Seed, AsOf: asOf.Format(layoutISODate), Customers: opt.Customers,
		Hotspot: Hotspot{
			ProductID: catalog[hotspotProduct].id, Component: hotspotComponent,
			Region: regions[hotspotRegion].name, Factor: hotspotFactor,
		},
		Rising: Rising{
			Hotspot: Hotspot{
				ProductID: catalog[risingProduct].id, Component: risingComponent,
				Region: regions[risingRegion].name, Factor: risingFactor,
			},
			Since: g.risingSince().Format(layoutISODate),
		},
		BadRows: []BadRow{}, Duplicates: []DupRow{}, UnmatchedPayments: []string{},
		Files: map[string]int{},
	}
	month := firstOfMonth(asOf)
	for _, p := range catalog {
		g.launch = append(g.launch, month.AddDate(0, -p.launchedMonthsAgo, 0))
		var end, eos time.Time
		if p.hasSupportEnd {
			end = endOfMonth(month.AddDate(0, p.supportMonths, 0))
			// Sales stop two years before support ends (one for software).
			eos = end.AddDate(-2, 0, 0)
			if p.software {
				eos = end.AddDate(-1, 0, 0)
			}
		} else {
			eos = asOf.AddDate(100, 0, 0)
		}
		g.supportEnd = append(g.supportEnd, end)
		g.endOfSale = append(g.endOfSale, eos)
	}
	orphans := 3
	switch {
	case g.n < 100:
		orphans = 1
	case g.n < 1000:
		orphans = 2
	}
	for k := 1; k <= orphans; k++ {
		g.orphanAt = append(g.orphanAt, max(1, k*g.n/(orphans+1)))
	}
	if err := g.createFiles(); err != nil {
		g.abort()
		return nil, err
	}
	return g, nil
}

func (g *generator) risingSince() time.Time { return g.asOf.AddDate(0, -risingMonths, 0) }

func (g *generator) schedule(index uint64) schedule {
	return newSchedule(newRand(g.opt.Seed, streamMessy, index))
}

func (g *generator) createFiles() error {
	var err error
	g.customers, err = createCustomersXLSX(g.opt.Out, g.asOf, g.schedule(0), &g.man)
	if err != nil {
		return err
	}
	g.customers.freshID = func() string {
		id := customerID(g.nextJunkCustomer)
		g.nextJunkCustomer++
		return id
	}
	type spec struct {
		dst     **csvTable
		name    string
		enc     fileEncoding
		columns []column
		bad     []badPlan
	}
	specs := []spec{
		{&g.activities, FileActivities, encUTF8, activityColumns, activityBadPlans},
		{&g.surveys, FileSurveys, encUTF8BOM, surveyColumns, surveyBadPlans},
		{&g.billing, FileBillingLines, encUTF8, billingColumns, billingBadPlans},
		{&g.tickets, FileTickets, encUTF8, ticketColumns, ticketBadPlans},
		{&g.products, FileProducts, encUTF8, productColumns, nil},
		{&g.installed, FileInstalledBase, encUTF8, installedColumns, installedBadPlans},
		{&g.arInvoices, FileARInvoices, encGB18030, arInvoiceColumns, arInvoiceBadPlans},
		{&g.arPayments, FileARPayments, encGB18030, arPaymentColumns, arPaymentBadPlans},
	}
	for i, s := range specs {
		sched := g.schedule(uint64(i + 1))
		if s.bad == nil {
			sched = quietSchedule(sched.rng)
		}
		t, err := createCSV(g.opt.Out, s.name, s.enc, s.columns, s.bad, sched, &g.man)
		if err != nil {
			return err
		}
		*s.dst = t
		g.tables = append(g.tables, t)
	}
	g.billing.amountStyles = []weighted[moneyStyle]{{moneyPlain, 0.975}, {moneyGrouped, 0.015}, {moneyYuan, 0.007}, {moneyYuanDec, 0.003}}
	g.arInvoices.amountStyles = []weighted[moneyStyle]{{moneyGrouped, 0.90}, {moneyPlain, 0.06}, {moneyYuanDec, 0.02}, {moneyYuan, 0.02}}
	g.arPayments.amountStyles = g.arInvoices.amountStyles
	g.setFreshKeys()
	return nil
}

// quietSchedule plants nothing: products.csv has twenty rows that every
// other file refers to.
func quietSchedule(rng *rand.Rand) schedule {
	const never = int(^uint(0) >> 1)
	return schedule{rng: rng, nextBad: never, nextDup: never, nextBlank: never}
}

func (g *generator) run(ctx context.Context) error {
	g.writeProducts()
	for i := 1; i <= g.n; i++ {
		if i%512 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("demo: generate: %w", err)
			}
			for _, t := range g.tables {
				if t.err != nil {
					return t.err
				}
			}
		}
		if err := g.generateCustomer(i); err != nil {
			return err
		}
		if g.nextInvoice >= maxInvoiceCounter {
			return fmt.Errorf("demo: generate: more than %d invoices; use fewer customers", maxInvoiceCounter)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("demo: generate: %w", err)
	}
	return nil
}

// finish closes every file, renames them into place and writes the manifest.
func (g *generator) finish() error {
	if err := g.customers.close(); err != nil {
		return err
	}
	g.man.m.Files[FileCustomers] = g.customers.rows
	for _, t := range g.tables {
		if err := t.close(); err != nil {
			return err
		}
		g.man.m.Files[t.name] = t.rows
	}
	names := []string{FileCustomers}
	for _, t := range g.tables {
		names = append(names, t.name)
	}
	for _, name := range names {
		final := filepath.Join(g.opt.Out, name)
		if err := os.Rename(final+partialSuffix, final); err != nil {
			return fmt.Errorf("demo: rename %s: %w", name, err)
		}
	}
	g.man.sortLists()
	return writeManifest(filepath.Join(g.opt.Out, ManifestFile), &g.man.m)
}

// abort closes whatever is open and removes the partial files.
func (g *generator) abort() {
	if g.customers != nil {
		g.customers.abort()
	}
	for _, t := range g.tables {
		t.abort()
	}
	names := []string{FileCustomers, FileActivities, FileSurveys, FileBillingLines, FileTickets,
		FileProducts, FileInstalledBase, FileARInvoices, FileARPayments}
	for _, name := range names {
		_ = os.Remove(filepath.Join(g.opt.Out, name+partialSuffix))
	}
}
