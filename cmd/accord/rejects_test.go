package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestManyRejectsShowTheirTotals is issue 10's case 1: with 135,037 rejects
// the page said "Rejected input rows 0" and the Rejects sheet and
// rejects.csv were empty (the rejects, inserted in the run's transaction,
// read back as none there). The hand-made fixture gets 200,000 billing lines
// with no customer id, 25,000 with an amount that is not a number and
// 300,000 good ones; the
// totals the reports must show are those two numbers, written here, not
// read from Accord.
func TestManyRejectsShowTheirTotals(t *testing.T) {
	// The good lines matter: the loss needed a large staged table swapped
	// in before the rejects were inserted.
	const blankCustomer, badAmount, good = 200000, 25000, 300000
	cfgPath := fixtureWithJobs(t, "")
	dir := filepath.Dir(cfgPath)
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(raw), "billing_lines: {files", "billing_lines: {reject_threshold: 1, files", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "fixture", "billing_lines.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i := range blankCustomer {
		fmt.Fprintf(&b, "X%d,1,,2026-03-01,,service,1,10.00,CNY\n", i)
	}
	for i := range badAmount {
		fmt.Fprintf(&b, "Y%d,1,C2,2026-03-01,,service,1,ten,CNY\n", i)
	}
	for i := range good {
		fmt.Fprintf(&b, "Z%d,1,C2,2026-03-01,,service,1,10.00,CNY\n", i)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"run", "--config", cfgPath, "--as-of", "2026-11-27"}, &out, &errOut, clock); code != 0 {
		t.Fatalf("run exited %d: %s", code, errOut.String())
	}
	report := filepath.Join(dir, "reports-out", "2026-11-27")

	// Every reject is in the database.
	db, err := sql.Open("duckdb", filepath.Join(dir, "fixture.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := queryInt(t, db, `SELECT count(*) FROM rejects WHERE source = 'billing_lines'`); n != blankCustomer+badAmount {
		t.Errorf("rejects table: %d billing rows, want %d", n, blankCustomer+badAmount)
	}

	// The page: the headline and one row per source × column × reason.
	page, err := os.ReadFile(filepath.Join(report, "weekly.html"))
	if err != nil {
		t.Fatal(err)
	}
	kpi := regexp.MustCompile(`Rejected input rows</div><div class="v">([0-9,]+)<`).FindSubmatch(page)
	if kpi == nil || strings.ReplaceAll(string(kpi[1]), ",", "") != strconv.Itoa(blankCustomer+badAmount) {
		t.Errorf("page headline %q, want %d rejected rows", kpi, blankCustomer+badAmount)
	}
	for _, want := range []string{
		`<td>billing_lines</td><td>customer_id</td><td>required value is empty</td><td class="n" data-v="200000">200000</td>`,
		`<td>billing_lines</td><td>amount</td>`,
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %s in:\n%s", want, near(page, "<td>billing_lines</td>"))
		}
	}
	if !bytes.Contains(page, []byte(`<td class="n" data-v="25000">25000</td>`)) {
		t.Error("page lacks the 25000 rows of bad amounts")
	}

	// The workbook: the Summary headline, every group counted whole, and
	// the first 20 (the default) examples of each group.
	wb, err := excelize.OpenFile(filepath.Join(report, "weekly.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	counts, err := wb.GetRows("Reject counts")
	if err != nil {
		t.Fatal(err)
	}
	byColumn := map[string]string{}
	for _, r := range counts[1:] {
		if r[0] == "billing_lines" {
			byColumn[r[1]] = r[3]
		}
	}
	if byColumn["customer_id"] != "200000" || byColumn["amount"] != "25000" || len(counts) != 3 {
		t.Errorf("Reject counts sheet %q, want customer_id 200000 and amount 25000 for billing_lines only", counts)
	}
	examples, err := wb.GetRows("Rejects")
	if err != nil {
		t.Fatal(err)
	}
	if len(examples)-1 != 40 {
		t.Errorf("Rejects sheet: %d rows, want the first 20 of each of the 2 groups", len(examples)-1)
	}
	if len(examples) > 1 && (examples[1][1] != "fixture/billing_lines.csv" && !strings.HasSuffix(examples[1][1], "billing_lines.csv") || examples[1][2] != "19") {
		t.Errorf("first example %q, want billing_lines.csv line 19 (the first appended line)", examples[1])
	}
	summary, err := wb.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range summary {
		if len(r) >= 2 && r[0] == "Rejected input rows" {
			found = strings.ReplaceAll(r[1], ",", "") == strconv.Itoa(blankCustomer+badAmount)
		}
	}
	if !found {
		t.Errorf("Summary has no \"Rejected input rows\" of %d", blankCustomer+badAmount)
	}

	// The data files: counts whole, examples cut the same way.
	for name, want := range map[string]int{"reject_counts.csv": 2, "rejects.csv": 40} {
		fh, err := os.Open(filepath.Join(report, "data", name))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs)-1 != want {
			t.Errorf("data/%s: %d rows, want %d", name, len(recs)-1, want)
		}
	}
}

// near is the text of b around its first sep, for a failure message.
func near(b []byte, sep string) string {
	i := bytes.Index(b, []byte(sep))
	if i < 0 {
		return "(no " + sep + ")"
	}
	return string(b[max(i-200, 0):min(i+600, len(b))])
}
