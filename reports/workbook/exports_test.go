package workbook_test

import (
	"github.com/accordhq/accord/reports/format"
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"

	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDataFiles(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)

	var want []string
	for _, table := range snapshot.DataFileTables() {
		want = append(want, filepath.Join(out.Dir, "data", table.Name+".csv"), filepath.Join(out.Dir, "data", table.Name+".parquet"))
	}
	if !slices.Equal(out.DataFiles, want) {
		t.Fatalf("data files %q, want %q", out.DataFiles, want)
	}
	if left, _ := filepath.Glob(filepath.Join(out.Dir, "data", ".*")); len(left) > 0 {
		t.Errorf("temporary files left behind: %q", left)
	}

	for _, table := range snapshot.DataFileTables() {
		t.Run(table.Name, func(t *testing.T) {
			recs := reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", table.Name+".csv"))
			header := []string{"run_id"}
			if table.HasAsOf {
				header = append(header, "as_of")
			}
			textCols := map[int]bool{}
			for _, c := range table.Columns {
				if c.Kind == snapshot.KindText {
					textCols[len(header)] = true
				}
				header = append(header, c.Name)
			}
			if !slices.Equal(recs[0], header) {
				t.Errorf("header %q, want %q", recs[0], header)
			}
			if got := len(recs) - 1; got != reportstest.FixtureRows[table.Name] {
				t.Errorf("%d rows, want %d", got, reportstest.FixtureRows[table.Name])
			}
			for _, r := range recs[1:] {
				if r[0] != "2" {
					t.Errorf("row of run %s", r[0])
				}
				for i, v := range r {
					if textCols[i] && format.FormulaLead(v) {
						t.Errorf("text field %s = %q can run as a formula", header[i], v)
					}
				}
			}

			// The Parquet file holds the same rows, exact and not neutralised.
			var n int
			p := filepath.Join(out.Dir, "data", table.Name+".parquet")
			if err := db.QueryRow("SELECT count(*) FROM read_parquet('" + p + "')").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != reportstest.FixtureRows[table.Name] {
				t.Errorf("parquet: %d rows, want %d", n, reportstest.FixtureRows[table.Name])
			}
		})
	}

	recs := reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", "customer_value.csv"))
	col := func(name string) int { return slices.Index(recs[0], name) }
	byID := map[string][]string{}
	var order []string
	for _, r := range recs[1:] {
		byID[r[col("customer_id")]] = r
		order = append(order, r[col("customer_id")])
	}
	if got := strings.Join(order, ","); got != "C1,C2,C3,C4,C5,C6,C7,C8" {
		t.Errorf("rows not in rank order: %s", got)
	}
	for _, c := range []struct{ id, column, want string }{
		{"C4", "name", `'` + reportstest.NameFormula}, // neutralised
		{"C4", "account_owner", "'=cmd"},              // neutralised
		{"C2", "name", reportstest.NameScript},        // text, untouched
		{"C6", "name", reportstest.NameQuotes},        // quotes survive CSV quoting
		{"C2", "revenue_12m", "98000.10"},             // exact decimal, two places
		{"C7", "revenue_12m", reportstest.BigMoney},   // 18 digits, exact
		{"C5", "value_added_profit", "-2000.00"},      // a negative number is not text
		{"C1", "as_of", "2026-11-27"},
		{"C8", "industry", ""}, // NULL
	} {
		if got := byID[c.id][col(c.column)]; got != c.want {
			t.Errorf("customer_value.csv %s.%s = %q, want %q", c.id, c.column, got, c.want)
		}
	}

	var name, revenue string
	p := filepath.Join(out.Dir, "data", "customer_value.parquet")
	err := db.QueryRow("SELECT name, CAST(revenue_12m AS VARCHAR) FROM read_parquet('"+p+"') WHERE customer_id = 'C4' OR customer_id = 'C7' ORDER BY customer_id").Scan(&name, &revenue)
	if err != nil {
		t.Fatal(err)
	}
	if name != reportstest.NameFormula {
		t.Errorf("parquet keeps the exact name: got %q", name)
	}
	if err := db.QueryRow("SELECT CAST(revenue_12m AS VARCHAR) FROM read_parquet('" + p + "') WHERE customer_id = 'C7'").Scan(&revenue); err != nil {
		t.Fatal(err)
	}
	if revenue != reportstest.BigMoney {
		t.Errorf("parquet revenue %q, want %q", revenue, reportstest.BigMoney)
	}

	sq := reportstest.ReadCSV(t, filepath.Join(out.Dir, "data", "service_queue.csv"))
	if got := sq[1][slices.Index(sq[0], "opened_at")]; got != "2026-11-20 09:30:00" {
		t.Errorf("service_queue.csv opened_at %q", got)
	}
}
