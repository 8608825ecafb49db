package demo

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"
)

func TestInvoiceAmountsAreExactSumsOfTheirLines(t *testing.T) {
	e := defaultExport(t)
	billing := cleanTable(t, e, FileBillingLines)
	invCol, amountCol := billing.col(t, "invoice_id"), billing.col(t, "amount")
	sums := map[string]int64{}
	grouped, yuan := 0, 0
	for _, r := range billing.rows {
		s := r.fields[amountCol]
		sums[r.fields[invCol]] += mustCents(t, FileBillingLines, r.line, s)
		switch {
		case yuanMoney.MatchString(s):
			yuan++
		case groupedMoney.MatchString(s) && !plainMoney.MatchString(s):
			grouped++
		}
	}
	if grouped == 0 || yuan == 0 {
		t.Errorf("billing amounts: %d with thousands separators, %d with ¥; want some of each", grouped, yuan)
	}

	ar := cleanTable(t, e, FileARInvoices)
	idCol, issuedCol, dueCol, arAmountCol := ar.col(t, "发票号"), ar.col(t, "开票日期"), ar.col(t, "到期日"), ar.col(t, "金额")
	invoiceAmount := map[string]int64{}
	due := map[string]time.Time{}
	for _, r := range ar.rows {
		id := r.fields[idCol]
		amount := mustCents(t, FileARInvoices, r.line, r.fields[arAmountCol])
		if want, ok := sums[id]; !ok || amount != want {
			t.Errorf("ar_invoices line %d: %s amount %d cents, billing lines sum to %d (present %v)", r.line, id, amount, want, ok)
		}
		invoiceAmount[id] = amount
		issued := mustTime(t, layoutSlashPadded, r.fields[issuedCol])
		due[id] = mustTime(t, layoutSlashPadded, r.fields[dueCol])
		if days := due[id].Sub(issued).Hours() / 24; days != 30 && days != 60 {
			t.Errorf("ar_invoices line %d: due %v days after issue, want 30 or 60", r.line, days)
		}
	}
	for id := range sums {
		if _, ok := invoiceAmount[id]; !ok {
			t.Errorf("billing invoice %s has no receivables invoice", id)
		}
	}

	pay := cleanTable(t, e, FileARPayments)
	pidCol, pinvCol, paidCol, pamountCol := pay.col(t, "付款编号"), pay.col(t, "发票号"), pay.col(t, "付款日期"), pay.col(t, "金额")
	paid := map[string]int64{}
	var unmatched []string
	late := 0
	for _, r := range pay.rows {
		inv := r.fields[pinvCol]
		when := mustTime(t, layoutSlashPadded, r.fields[paidCol])
		if !when.Before(testAsOf) {
			t.Errorf("ar_payments line %d: paid %v, not before as-of", r.line, when)
		}
		amount := mustCents(t, FileARPayments, r.line, r.fields[pamountCol])
		if _, ok := invoiceAmount[inv]; !ok {
			unmatched = append(unmatched, r.fields[pidCol])
			continue
		}
		paid[inv] += amount
		if when.After(due[inv].AddDate(0, 0, 10)) {
			late++
		}
	}
	if !slices.Equal(unmatched, e.man.UnmatchedPayments) || len(unmatched) < 1 || len(unmatched) > 3 {
		t.Errorf("payments matching no invoice = %v, manifest says %v; want 1–3", unmatched, e.man.UnmatchedPayments)
	}
	overdue, partial := 0, 0
	for id, amount := range invoiceAmount {
		switch p := paid[id]; {
		case p > amount:
			t.Errorf("invoice %s overpaid: %d of %d cents", id, p, amount)
		case p > 0 && p < amount:
			partial++
		}
		if paid[id] < amount && due[id].Before(testAsOf) {
			overdue++
		}
	}
	// Working: 15% late payers plus 8% of on-time payers' invoices a few
	// days late; about one invoice in eight is paid more than ten days late.
	if share := float64(late) / float64(len(pay.rows)); share < 0.06 || share > 0.25 {
		t.Errorf("%.1f%% of payments more than 10 days late, want 6–25%%", 100*share)
	}
	if overdue < 10 || overdue > len(invoiceAmount)/10 {
		t.Errorf("%d invoices overdue at as-of, want a few (10..%d)", overdue, len(invoiceAmount)/10)
	}
	if partial < 5 {
		t.Errorf("%d partly paid invoices, want some", partial)
	}
}

type group struct{ product, component, region string }

func TestPlantedHotspotLeadsFailuresPerInstalledUnit(t *testing.T) {
	e := defaultExport(t)
	region := customerRegions(t, e)
	units := map[[2]string]float64{} // product, region
	ib := cleanTable(t, e, FileInstalledBase)
	for _, r := range ib.rows {
		q, err := strconv.Atoi(r.fields[ib.col(t, "quantity")])
		if err != nil {
			t.Fatalf("installed_base line %d: %v", r.line, err)
		}
		reg, ok := region[r.fields[ib.col(t, "customer_id")]]
		if !ok {
			t.Fatalf("installed_base line %d: unknown customer", r.line)
		}
		units[[2]string{r.fields[ib.col(t, "product_id")], reg}] += float64(q)
	}
	tk := cleanTable(t, e, FileTickets)
	components := map[string]map[string]bool{}
	faults := map[group]float64{}
	recent, earlier := map[group]float64{}, map[group]float64{}
	since := mustTime(t, layoutISODate, e.man.Rising.Since)
	for _, r := range tk.rows {
		f := func(name string) string { return r.fields[tk.col(t, name)] }
		if components[f("product_id")] == nil {
			components[f("product_id")] = map[string]bool{}
		}
		components[f("product_id")][f("component")] = true
		if f("category") != "fault" {
			continue
		}
		g := group{f("product_id"), f("component"), f("region")}
		faults[g]++
		if mustTime(t, layoutTimestamp, f("opened_at")).Before(since) {
			earlier[g]++
		} else {
			recent[g]++
		}
	}
	// Failures per installed unit over the window, per product × component ×
	// region with units; shrunk toward the overall rate with the weight of
	// 100 units, as an empirical-Bayes analysis would.
	var totalFaults, totalUnits float64
	rates, shrunk := map[group]float64{}, map[group]float64{}
	for pr, u := range units {
		for c := range components[pr[0]] {
			g := group{pr[0], c, pr[1]}
			rates[g] = faults[g] / u
			totalFaults += faults[g]
			totalUnits += u
		}
	}
	overall := totalFaults / totalUnits
	for g, r := range rates {
		u := units[[2]string{g.product, g.region}]
		shrunk[g] = (r*u + overall*100) / (u + 100)
	}
	var all []float64
	for _, r := range rates {
		all = append(all, r)
	}
	sort.Float64s(all)
	median := all[len(all)/2]
	hot := group{e.man.Hotspot.ProductID, e.man.Hotspot.Component, e.man.Hotspot.Region}
	if u := units[[2]string{hot.product, hot.region}]; u < 300 {
		t.Errorf("hot-spot has %v installed units, want several hundred", u)
	}
	if ratio := rates[hot] / median; ratio < 4 {
		t.Errorf("hot-spot rate %.3f is %.1f× the median group rate %.3f, want ≥ 4×", rates[hot], ratio, median)
	}
	ranked := slices.SortedFunc(func(yield func(group) bool) {
		for g := range shrunk {
			if !yield(g) {
				return
			}
		}
	}, func(a, b group) int {
		if shrunk[a] != shrunk[b] {
			if shrunk[a] > shrunk[b] {
				return -1
			}
			return 1
		}
		return 0
	})
	if ranked[0] != hot || shrunk[ranked[0]] < 1.5*shrunk[ranked[1]] {
		t.Errorf("shrunk ranking starts %v %.3f, %v %.3f; want the hot-spot first by 1.5×",
			ranked[0], shrunk[ranked[0]], ranked[1], shrunk[ranked[1]])
	}

	// The example config looks at the last 12 months with 50 unit-years of
	// prior weight: the hot-spot must lead there too.
	yearAgo := testAsOf.AddDate(-1, 0, 0)
	lastYear := map[group]float64{}
	for _, r := range tk.rows {
		f := func(name string) string { return r.fields[tk.col(t, name)] }
		if f("category") == "fault" && !mustTime(t, layoutTimestamp, f("opened_at")).Before(yearAgo) {
			lastYear[group{f("product_id"), f("component"), f("region")}]++
		}
	}
	var yearFaults float64
	for g := range rates {
		yearFaults += lastYear[g]
	}
	best, bestRate, second := group{}, 0.0, 0.0
	for g := range rates {
		u := units[[2]string{g.product, g.region}]
		r := (lastYear[g] + 50*yearFaults/totalUnits) / (u + 50)
		switch {
		case r > bestRate:
			best, bestRate, second = g, r, bestRate
		case r > second:
			second = r
		}
	}
	if best != hot || bestRate < 1.5*second {
		t.Errorf("last 12 months, shrunk: %v leads at %.3f (next %.3f); want the hot-spot by 1.5×", best, bestRate, second)
	}

	// The rising group fails more per month in its last months than before.
	rise := group{e.man.Rising.ProductID, e.man.Rising.Component, e.man.Rising.Region}
	recentMonths := testAsOf.Sub(since).Hours() / 24 / 30.44
	earlierMonths := WindowMonths - recentMonths
	if before, after := earlier[rise]/earlierMonths, recent[rise]/recentMonths; after < 2*before || recent[rise] < 10 {
		t.Errorf("rising group: %.1f faults a month before %s, %.1f after; want at least twice as many", before, e.man.Rising.Since, after)
	}
}

func TestExportsHaveRealisticShapes(t *testing.T) {
	e := defaultExport(t)
	windowStart := testAsOf.AddDate(0, -WindowMonths, 0)
	inWindow := func(file string, line int, v time.Time) {
		if v.Before(windowStart) || !v.Before(testAsOf) {
			t.Errorf("%s line %d: %v outside the 36 months before as-of", file, line, v)
		}
	}

	// Customers: ids in creation order, skewed sizes, regions, owners,
	// referrals to earlier customers.
	rows := xlsxRows(t, e.dir)
	skip := plantedLines(e.man, FileCustomers)
	var employees []int
	regions, owners := map[string]int{}, map[string]bool{}
	referred := 0
	ids := map[string]bool{}
	ownerPattern := regexp.MustCompile(`^[a-z]+\.[a-z]+@example\.com$`)
	// Three names exercise escaping in reports; they must survive as text.
	tricky := map[string]string{
		"C000007": `A&B <Tech> "星河"科技有限公司`,
		"C000013": `=1+1 星河测试有限公司`,
		"C000021": `</script><script>alert(1)</script>华创有限公司`,
	}
	for i, row := range rows[1:] {
		if len(row) == 0 || skip[i+2] {
			continue
		}
		id := cell(row, 0)
		ids[id] = true
		if want, ok := tricky[id]; ok && cell(row, 1) != want {
			t.Errorf("%s is named %q, want %q", id, cell(row, 1), want)
		}
		n, err := strconv.Atoi(cell(row, 4))
		if err != nil {
			t.Fatalf("row %d: 员工人数 %q", i+2, cell(row, 4))
		}
		employees = append(employees, n)
		regions[cell(row, 3)]++
		if !ownerPattern.MatchString(cell(row, 7)) {
			t.Errorf("row %d: owner %q is no e-mail", i+2, cell(row, 7))
		}
		owners[cell(row, 7)] = true
		if m, err := strconv.Atoi(cell(row, 6)); err != nil || m < 1 || m > 5 {
			t.Errorf("row %d: 市场影响力 %q outside 1..5", i+2, cell(row, 6))
		}
		if ref := cell(row, 9); ref != "" {
			referred++
			if ref >= id {
				t.Errorf("row %d: %s referred by %s, not an earlier customer", i+2, id, ref)
			}
		}
	}
	if len(ids) != 2000 || !ids["C000001"] || !ids["C002000"] {
		t.Errorf("%d distinct valid customer ids, want C000001..C002000", len(ids))
	}
	slices.Sort(employees)
	if median, top := employees[len(employees)/2], employees[len(employees)-1]; top < 50*median {
		t.Errorf("largest customer has %d employees, median %d; want a long tail", top, median)
	}
	for _, r := range []string{"华东", "华北", "华南", "西南", "东北"} {
		if regions[r] < 100 {
			t.Errorf("region %s has %d customers", r, regions[r])
		}
	}
	if len(regions) != 5 || len(owners) != 8 {
		t.Errorf("%d regions and %d owners, want 5 and 8", len(regions), len(owners))
	}
	if share := float64(referred) / 2000; share < 0.05 || share > 0.11 {
		t.Errorf("%.1f%% of customers referred, want about 8%%", 100*share)
	}

	// Activities.
	act := cleanTable(t, e, FileActivities)
	channels, directions := map[string]bool{}, map[string]int{}
	for _, r := range act.rows {
		inWindow(FileActivities, r.line, mustTime(t, layoutTimestamp, r.fields[2]))
		directions[r.fields[3]]++
		channels[r.fields[4]] = true
	}
	if len(directions) != 2 || directions["inbound"] == 0 || directions["outbound"] == 0 {
		t.Errorf("directions = %v", directions)
	}
	for c := range channels {
		if !slices.Contains([]string{"电话", "email", "wechat", "visit"}, c) {
			t.Errorf("unexpected channel %q", c)
		}
	}

	// Surveys: about 40% of customers answer.
	sv := cleanTable(t, e, FileSurveys)
	answered := map[string]bool{}
	for _, r := range sv.rows {
		inWindow(FileSurveys, r.line, mustTime(t, layoutSlashShort, r.fields[2]))
		answered[r.fields[1]] = true
		if n, err := strconv.Atoi(r.fields[3]); err != nil || n < 0 || n > 10 {
			t.Errorf("surveys line %d: nps %q", r.line, r.fields[3])
		}
	}
	if share := float64(len(answered)) / 2000; share < 0.3 || share > 0.5 {
		t.Errorf("%.1f%% of customers answered a survey, want about 40%%", 100*share)
	}

	// Tickets.
	tk := cleanTable(t, e, FileTickets)
	f := func(r record, name string) string { return r.fields[tk.col(t, name)] }
	open, unsupported, blankCSAT := 0, 0, 0
	categories := map[string]bool{}
	serialFaults := map[string]int{}
	effortByCustomer := map[string]float64{}
	for _, r := range tk.rows {
		opened := mustTime(t, layoutTimestamp, f(r, "opened_at"))
		inWindow(FileTickets, r.line, opened)
		categories[f(r, "category")] = true
		if f(r, "closed_at") == "" {
			open++
			if f(r, "resolution") != "" || f(r, "csat") != "" {
				t.Errorf("tickets line %d: open ticket with resolution or CSAT", r.line)
			}
		} else {
			closed := mustTime(t, layoutTimestamp, f(r, "closed_at"))
			if closed.Before(opened) || !closed.Before(testAsOf) {
				t.Errorf("tickets line %d: closed %v, opened %v", r.line, closed, opened)
			}
			if f(r, "resolution") == "" {
				t.Errorf("tickets line %d: closed without resolution", r.line)
			}
			if f(r, "csat") == "" {
				blankCSAT++
			}
		}
		if f(r, "resolution") == "unsupported" {
			unsupported++
		}
		if s := f(r, "serial_no"); s != "" {
			if f(r, "category") != "fault" {
				t.Errorf("tickets line %d: serial on a %s", r.line, f(r, "category"))
			}
			serialFaults[s]++
		}
		hours, err := strconv.ParseFloat(f(r, "effort_hours"), 64)
		if err != nil || !plainMoney.MatchString(f(r, "effort_hours")) {
			t.Errorf("tickets line %d: effort_hours %q", r.line, f(r, "effort_hours"))
		}
		effortByCustomer[f(r, "customer_id")] += hours
	}
	n := float64(len(tk.rows))
	if share := float64(open) / n; share < 0.03 || share > 0.08 {
		t.Errorf("%.1f%% of tickets open at as-of, want about 5%%", 100*share)
	}
	if share := float64(unsupported) / n; share < 0.015 || share > 0.05 {
		t.Errorf("%.1f%% of tickets unsupported, want about 3%%", 100*share)
	}
	if blankCSAT == 0 || len(categories) != 4 {
		t.Errorf("%d closed tickets without CSAT, categories %v", blankCSAT, categories)
	}
	repeats := 0
	for _, k := range serialFaults {
		if k > 1 {
			repeats++
		}
	}
	if repeats < 50 {
		t.Errorf("%d serials failed more than once, want repeat failures", repeats)
	}

	// Drainers: some customers spend far more service hours per yuan of
	// revenue billed than the typical one.
	bl := cleanTable(t, e, FileBillingLines)
	billed := map[string]float64{}
	categoriesBilled := map[string]bool{}
	purchaseMonths := map[string]map[string]bool{}
	for _, r := range bl.rows {
		c := r.fields[2]
		billed[c] += float64(mustCents(t, FileBillingLines, r.line, r.fields[7])) / 100
		inWindow(FileBillingLines, r.line, mustTime(t, layoutISODate, r.fields[3]))
		categoriesBilled[r.fields[5]] = true
		if r.fields[5] == "product" || r.fields[5] == "license" {
			if purchaseMonths[c] == nil {
				purchaseMonths[c] = map[string]bool{}
			}
			purchaseMonths[c][r.fields[3][:7]] = true
		}
	}
	if len(categoriesBilled) != 4 {
		t.Errorf("billing categories = %v, want product, license, maintenance, service", categoriesBilled)
	}
	var perYuan []float64
	for c, h := range effortByCustomer {
		if billed[c] > 0 {
			perYuan = append(perYuan, h/billed[c])
		}
	}
	slices.Sort(perYuan)
	if p50, p98 := perYuan[len(perYuan)/2], perYuan[len(perYuan)*98/100]; p98 < 10*p50 {
		t.Errorf("service hours per yuan: 98th percentile %.2g, median %.2g; want drainers far above", p98, p50)
	}
	frequent := 0
	for _, months := range purchaseMonths {
		if len(months) >= 8 {
			frequent++
		}
	}
	if frequent < 10 {
		t.Errorf("%d customers bought products or licenses in 8 or more months, want a few frequent buyers", frequent)
	}

	// Products: twenty, some past end of support.
	pr := cleanTable(t, e, FileProducts)
	ended := 0
	for _, r := range pr.rows {
		if r.fields[4] != "" && mustTime(t, layoutISODate, r.fields[4]).Before(testAsOf) {
			ended++
		}
	}
	if len(pr.rows) != 20 || ended < 2 {
		t.Errorf("%d products, %d past supported_until", len(pr.rows), ended)
	}
}
