package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunsListWhatWasNotAvailable: `accord runs --json` carries, per
// succeeded run, each analysis and why it is not available. The fixture
// without its tickets and receivables sources cannot rank hot-spots, queue
// tickets or age receivables, and its ledger checks cannot run; the value
// index still rests on the indicators that have data. Expectations are the
// sources removed, by hand.
func TestRunsListWhatWasNotAvailable(t *testing.T) {
	dir := copyFixture(t)
	for _, src := range []string{"tickets", "ar_invoices", "ar_payments"} {
		cfg := filepath.Join(dir, "fixture.yaml")
		var line string
		for _, l := range strings.Split(readFile(t, cfg), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), src+": {") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("fixture config has no %s source", src)
		}
		editFixtureConfig(t, dir, line+"\n", "")
	}
	store, res := runFixture(t, filepath.Join(dir, "fixture.yaml"))
	// Without tickets the cost to serve is unknown: NULL, not 0, and so is
	// value-added profit and its rank correlation with the score.
	if n := tableCount(t, store, "SELECT count(*) FROM customer_value WHERE run_id = "+itoa(res.RunID)+
		" AND (service_cost_12m IS NOT NULL OR value_added_profit IS NOT NULL)"); n != 0 {
		t.Errorf("%d customers have a service cost or value-added profit without a tickets source", n)
	}
	if n := tableCount(t, store, "SELECT count(*) FROM model_evidence WHERE run_id = "+itoa(res.RunID)+
		" AND metric = 'spearman_value_added_profit' AND (value IS NOT NULL OR detail NOT LIKE 'not available: value-added profit is unknown%')"); n != 0 {
		t.Errorf("%d Spearman rows computed without a service cost", n)
	}
	runs, err := Runs(t.Context(), store.DB, "", 5)
	if err == nil {
		err = FillAvailability(t.Context(), store.DB, runs)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].RunID != res.RunID {
		t.Fatalf("runs %+v", runs)
	}
	got := map[string]Availability{}
	for _, a := range runs[0].Availability {
		got[a.Analysis] = a
	}
	for name, want := range map[string]struct {
		available bool
		detail    string
	}{
		"hotspots":                            {false, "not available: no tickets source"},
		"service_queue":                       {false, "not available: no tickets source"},
		"receivables_aging":                   {false, "not available: no ar_invoices source"},
		"reconciliation.payments_vs_invoices": {false, "not checked"},
		"tiers":                               {true, "customers rated"},
		"value_index":                         {true, "the index rests on"},
	} {
		a, ok := got[name]
		if !ok {
			t.Errorf("no availability of %s in %+v", name, runs[0].Availability)
			continue
		}
		if a.Available != want.available || !strings.Contains(a.Detail, want.detail) {
			t.Errorf("%s: %+v, want available=%v and %q", name, a, want.available, want.detail)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
