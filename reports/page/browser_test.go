package page_test

import (
	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/page"

	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// pageLog records what a page asks the network for and what it throws.
type pageLog struct {
	mu         sync.Mutex
	requests   []string
	exceptions []string
	console    []string // console.error calls and error log entries
}

func (l *pageLog) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.requests = append(l.requests, e.Request.URL)
		case *runtime.EventExceptionThrown:
			l.exceptions = append(l.exceptions, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, a.Description+string(a.Value))
				}
				l.console = append(l.console, strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			if e.Entry != nil && e.Entry.Level == cdplog.EntryLevelError {
				l.console = append(l.console, e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// networkRequests are the recorded requests for anything but the local
// file itself and in-page data (file:, data:, blob:, about:).
func (l *pageLog) networkRequests() (all, network []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.requests {
		u, err := url.Parse(r)
		if err != nil || !map[string]bool{"file": true, "data": true, "blob": true, "about": true}[u.Scheme] {
			network = append(network, r)
		}
	}
	return append([]string{}, l.requests...), network
}

// TestBrowserListenerSeesNetworkRequests is the control: the same listener
// does catch a page that reaches for the network, so the real test below
// cannot pass by seeing nothing.
func TestBrowserListenerSeesNetworkRequests(t *testing.T) {
	ctx := reportstest.Browser(t)
	var log pageLog
	log.listen(t, ctx)
	page := filepath.Join(t.TempDir(), "control.html")
	// 127.0.0.1:9 (discard) is refused at once; no traffic leaves the machine.
	if err := os.WriteFile(page, []byte(`<!DOCTYPE html><img src="http://127.0.0.1:9/probe.png">`), 0o644); err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(reportstest.FileURL(page))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, network := log.networkRequests()
		if len(network) > 0 {
			if !strings.HasPrefix(network[0], "http://127.0.0.1:9/") {
				t.Errorf("unexpected request %q", network[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the listener saw no request from a page that makes one")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBrowserRendersChartsOffline(t *testing.T) {
	ctx := reportstest.Browser(t)
	db := reportstest.OpenFixtureDB(t)
	out := reportstest.WriteFixture(t, db, reportstest.TestOptions)

	var log pageLog
	log.listen(t, ctx)
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(reportstest.FileURL(out.HTML))); err != nil {
		t.Fatal(err)
	}

	// Wait until every chart container holds an initialised ECharts instance
	// with a canvas.
	ids := `["` + strings.Join(page.ChartIDs, `","`) + `"]`
	ready := fmt.Sprintf(`%s.every(function (id) {
		var el = document.getElementById(id);
		return el && window.echarts && echarts.getInstanceByDom(el) && el.querySelector("canvas");
	})`, ids)
	pctx, pcancel := context.WithTimeout(tctx, 20*time.Second)
	defer pcancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		state, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`typeof echarts`))
		t.Fatalf("charts did not initialise (typeof echarts = %q, exceptions %q): %v", state, log.exceptions, err)
	}

	type chartState struct {
		ID       string `json:"id"`
		Canvases int    `json:"canvases"`
		Series   int    `json:"series"`
		Width    int    `json:"width"`
	}
	states, err := chromedp.Run(tctx, chromedp.Evaluate[[]chartState](fmt.Sprintf(`%s.map(function (id) {
		var el = document.getElementById(id), chart = echarts.getInstanceByDom(el);
		return {id: id, canvases: el.querySelectorAll("canvas").length,
		        series: chart.getOption().series.length, width: chart.getWidth()};
	})`, ids)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.Canvases < 1 || s.Series < 1 || s.Width < 100 {
			t.Errorf("chart %s: %d canvases, %d series, width %d", s.ID, s.Canvases, s.Series, s.Width)
		}
	}

	// The nasty names did not run: no injected script, no onerror handler,
	// no go-echarts function string.
	pwned, err := chromedp.Run(tctx, chromedp.Evaluate[string](`String(window.__pwned)`))
	if err != nil {
		t.Fatal(err)
	}
	if pwned != "undefined" {
		t.Errorf("data ran as code: window.__pwned = %s", pwned)
	}

	// Show the tooltip of the customer named <img onerror>: ECharts must show
	// the name as text, not as an element.
	tip, err := chromedp.Run(tctx, chromedp.Evaluate[string](fmt.Sprintf(`(function () {
		var chart = echarts.getInstanceByDom(document.getElementById(%q));
		var series = chart.getOption().series;
		for (var s = 0; s < series.length; s++) {
			for (var d = 0; d < series[s].data.length; d++) {
				if (series[s].data[d].name.indexOf("onerror") >= 0) {
					chart.dispatchAction({type: "showTip", seriesIndex: s, dataIndex: d});
					return "shown";
				}
			}
		}
		return "not found";
	})()`, page.ChartValueCost)))
	if err != nil || tip != "shown" {
		t.Fatalf("show tooltip: %q, %v", tip, err)
	}
	type tooltip struct {
		Text string `json:"text"`
		Imgs int    `json:"imgs"`
	}
	tipCtx, tipCancel := context.WithTimeout(tctx, 10*time.Second)
	defer tipCancel()
	got, err := chromedp.Run(tipCtx, chromedp.Poll[tooltip](fmt.Sprintf(`(function () {
		var el = document.getElementById(%q);
		if (el.textContent.indexOf("onerror") < 0) return null;
		return {text: el.textContent, imgs: el.querySelectorAll("img").length};
	})()`, page.ChartValueCost), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatalf("tooltip never showed the name: %v", err)
	}
	if got.Imgs != 0 || !strings.Contains(got.Text, `<img src=x onerror="window.__pwned=2">`) {
		t.Errorf("tooltip: %d img elements, text %q", got.Imgs, got.Text)
	}

	// The aging tooltip goes through the page's fixed money formatter: tier
	// B's sums in yuan as the fixture adds them by hand (500.00 + 0.05 and
	// 0.01 + 10000000.07, see TestAgingTooltipsInCurrency), the category
	// and series names escaped.
	agingTip, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(function () {
		var chart = echarts.getInstanceByDom(document.getElementById("chart_aging"));
		var axis = chart.getOption().xAxis[0].data;
		var b = axis.indexOf("B");
		if (b < 0) return "no tier B";
		chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: b});
		return "shown";
	})()`))
	if err != nil || agingTip != "shown" {
		t.Fatalf("show aging tooltip: %q, %v", agingTip, err)
	}
	agingCtx, agingCancel := context.WithTimeout(tctx, 10*time.Second)
	defer agingCancel()
	agingText, err := chromedp.Run(agingCtx, chromedp.Poll[string](`(function () {
		var t = document.getElementById("chart_aging").textContent;
		return t.indexOf("¥") >= 0 ? t : null;
	})()`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatalf("aging tooltip never showed money: %v (exceptions %q)", err, log.exceptions)
	}
	for _, want := range []string{"¥500.05", "¥10,000,000.08"} {
		if !strings.Contains(agingText, want) {
			t.Errorf("aging tooltip lacks %s: %q", want, agingText)
		}
	}

	all, network := log.networkRequests()
	if len(all) == 0 {
		t.Fatal("no request recorded at all; the listener is not working")
	}
	if len(network) > 0 {
		t.Errorf("the page made network requests: %q", network)
	}
	if len(log.exceptions) > 0 {
		t.Errorf("JavaScript exceptions: %q", log.exceptions)
	}
}
