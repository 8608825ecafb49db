package pipeline

import (
	"os"
	"testing"
)

// The real public exports in ../shared/realdata load through the example
// configs alone. Expected counts come from the data sets' documentation
// (shared/realdata/README.md).
func requireRealData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../../shared/realdata"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared/realdata is missing beside the repository: %v", err)
		}
		t.Skip("shared/realdata not found beside the repository")
	}
}

func tableCount(t *testing.T, s *Store, q string) int64 {
	t.Helper()
	var n int64
	if err := s.DB.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestRealExportIBMReceivables(t *testing.T) {
	requireRealData(t)
	store, res := runFixture(t, "../config/examples/ibm-ar.yaml")
	for q, want := range map[string]int64{
		"SELECT count(*) FROM ar_invoices":                               2466,
		"SELECT count(*) FROM ar_payments":                               2466,
		"SELECT count(*) FROM customers":                                 100,
		"SELECT count(*) FROM rejects WHERE run_id = " + itoa(res.RunID): 0,
		// DueDate = InvoiceDate + 30 for every invoice (README): dates read month-first.
		"SELECT count(*) FROM ar_invoices WHERE due_at - issued_at <> 30": 0,
	} {
		if got := tableCount(t, store, q); got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	// 877 invoices were paid late (README: DaysLate > 0).
	if late := tableCount(t, store, `SELECT count(*) FROM ar_invoices i JOIN ar_payments p USING (invoice_id) WHERE p.paid_at > i.due_at`); late != 877 {
		t.Errorf("%d late invoices, want 877", late)
	}
}

func TestRealExportTelcoCustomers(t *testing.T) {
	requireRealData(t)
	store, res := runFixture(t, "../config/examples/telco-crm.yaml")
	if n := tableCount(t, store, "SELECT count(*) FROM customers"); n != 7043 {
		t.Errorf("%d customers, want 7043", n)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM rejects WHERE run_id = "+itoa(res.RunID)); n != 0 {
		t.Errorf("%d rejects, want 0", n)
	}
	// Customers whose TotalCharges is a single space (grep -c ', ,' on the
	// file: 10) have no revenue, and are not rejected.
	if n := tableCount(t, store, "SELECT count(*) FROM customers WHERE annual_revenue IS NULL"); n != 10 {
		t.Errorf("%d customers without revenue, want 10", n)
	}
}

func TestRealExportHelpdeskTickets(t *testing.T) {
	requireRealData(t)
	store, res := runFixture(t, "../config/examples/helpdesk-tickets.yaml")
	if n := tableCount(t, store, "SELECT count(*) FROM tickets"); n != 4580 {
		t.Errorf("%d tickets, want 4580", n)
	}
	var tickets SourceLoad
	for _, s := range res.Sources {
		if s.Source == "tickets" {
			tickets = s
		}
	}
	if tickets.RowsRead != 21348 || tickets.Duplicates != 127 || tickets.Rejected != 0 {
		t.Errorf("tickets: %d events read, %d duplicates dropped, %d rejected; want 21348, 127, 0", tickets.RowsRead, tickets.Duplicates, tickets.Rejected)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM customers"); n != 397 {
		t.Errorf("%d customers, want 397", n)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM tickets WHERE closed_at < opened_at"); n != 0 {
		t.Errorf("%d tickets closed before they opened", n)
	}
}
