package pipeline

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestExampleConfigsAtThreeDates runs every config in config/examples at
// three as-of dates inside its data (start, middle, end of its dates, read
// off the exports by hand) and checks each result either against a
// computation written here from the raw export (plain Go over the CSV, not
// Accord's query) or for the reason it is not available.
func TestExampleConfigsAtThreeDates(t *testing.T) {
	requireRealData(t)
	examples := []struct {
		config string
		export string   // the raw file the independent checks read
		dates  []string // invoices 2012-01-03..2013-12-02; events 2010-01-13..2014-01-03; Telco has no dates
		check  func(t *testing.T, store *Store, runID int64, asOf time.Time, rows []map[string]string)
		// notAvailable are the analyses the config's sources cannot support.
		notAvailable []string
	}{
		{
			config: "ibm-ar.yaml", export: "ar_ibm/WA_Fn-UseC_-Accounts-Receivable.csv",
			dates: []string{"2012-02-01", "2012-12-22", "2013-12-02"},
			check: func(t *testing.T, store *Store, runID int64, asOf time.Time, rows []map[string]string) {
				// Open at the end of the as-of day: issued by then and settled after.
				var open int64
				customers := map[string]bool{}
				for _, r := range rows {
					customers[r["customerID"]] = true
					if mdy(t, r["InvoiceDate"]).After(asOf) || !mdy(t, r["SettledDate"]).After(asOf) {
						continue
					}
					open += cents(t, r["InvoiceAmount"])
				}
				assertCount(t, store, "customer_value", runID, int64(len(customers)))
				var got string
				if err := store.DB.QueryRow(`SELECT CAST(coalesce(sum(total_open), 0) AS DECIMAL(38,2))::VARCHAR FROM ar_aging WHERE run_id = ?`, runID).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != centsText(open) {
					t.Errorf("open receivables %s, want %s (invoices issued by %s and settled after)", got, centsText(open), asOf.Format(time.DateOnly))
				}
			},
			notAvailable: []string{"hotspots", "service_queue", "reconciliation.billing_vs_ledger", "reconciliation.revenue_vs_billing"},
		},
		{
			config: "helpdesk-tickets.yaml", export: "helpdesk_eventlog/helpdesk.csv",
			dates: []string{"2010-06-01", "2012-06-01", "2014-01-02"},
			check: func(t *testing.T, store *Store, runID int64, asOf time.Time, rows []map[string]string) {
				customers, cases := map[string]bool{}, map[string]bool{}
				for _, r := range rows {
					customers[r["customer"]] = true
					cases[r["Case ID"]] = true
				}
				assertCount(t, store, "customer_value", runID, int64(len(customers)))
				assertCount(t, store, "tickets", 0, int64(len(cases)))
				assertQueueAgainstGo(t, store, runID, asOf)
			},
			// Every ticket is a request: no fault, so no hot-spot; no
			// billing or ledger, so no aging and no reconciliation.
			notAvailable: []string{"hotspots", "receivables_aging", "reconciliation.billing_vs_ledger", "reconciliation.open_vs_ledger"},
		},
		{
			config: "telco-crm.yaml", export: "telco_churn_ibm/WA_Fn-UseC_-Telco-Customer-Churn.csv",
			dates: []string{"2024-01-01", "2025-01-01", "2026-01-01"},
			check: func(t *testing.T, store *Store, runID int64, asOf time.Time, rows []map[string]string) {
				assertCount(t, store, "customer_value", runID, int64(len(rows)))
			},
			notAvailable: []string{"hotspots", "service_queue", "receivables_aging", "reconciliation.open_vs_ledger"},
		},
	}
	for _, ex := range examples {
		rows := readExport(t, filepath.Join("../../shared/realdata", ex.export))
		for _, d := range ex.dates {
			t.Run(ex.config+"@"+d, func(t *testing.T) {
				asOf := isoDay(t, d)
				store, res, err := runAt(t, filepath.Join("../config/examples", ex.config), asOf)
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				ex.check(t, store, res.RunID, asOf, rows)
				runs, err := Runs(t.Context(), store.DB, "", 1)
				if err == nil {
					err = FillAvailability(t.Context(), store.DB, runs)
				}
				if err != nil {
					t.Fatal(err)
				}
				byName := map[string]Availability{}
				for _, a := range runs[0].Availability {
					byName[a.Analysis] = a
					if !a.Available && !strings.HasPrefix(a.Detail, "not ") {
						t.Errorf("%s is not available without saying why: %q", a.Analysis, a.Detail)
					}
				}
				for _, name := range ex.notAvailable {
					if a, ok := byName[name]; !ok || a.Available {
						t.Errorf("%s: %+v, want not available with a reason", name, a)
					}
				}
				// What is not available has no rows standing for it.
				for name, table := range map[string]string{"hotspots": "hotspots", "service_queue": "service_queue", "receivables_aging": "ar_aging"} {
					if a := byName[name]; !a.Available {
						assertCount(t, store, table, res.RunID, 0)
					}
				}
			})
		}
	}
}

// readExport reads a CSV export whole, each record keyed by its header.
func readExport(t *testing.T, path string) []map[string]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if _, dup := m[h]; !dup {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// assertCount checks a table's rows for a run (runID 0: the whole table).
func assertCount(t *testing.T, store *Store, table string, runID int64, want int64) {
	t.Helper()
	q := "SELECT count(*) FROM " + table
	if runID != 0 {
		q += " WHERE run_id = " + itoa(runID)
	}
	if n := tableCount(t, store, q); n != want {
		t.Errorf("%s: %d rows, want %d", table, n, want)
	}
}

func mdy(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("1/2/2006", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cents reads an amount with at most two decimals as whole cents.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func centsText(c int64) string {
	return strconv.FormatInt(c/100, 10) + "." + strconv.FormatInt(100+c%100, 10)[1:]
}
