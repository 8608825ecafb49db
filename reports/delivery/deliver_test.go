package delivery_test

import (
	"github.com/accordhq/accord/reports/delivery"
	"github.com/accordhq/accord/reports/internal/reportstest"

	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/accordhq/accord/config"
	"github.com/accordhq/accord/queries"
)

// Addresses of the delivery fixture.
const (
	manager1 = "chen.jing@example.com"
	manager2 = "zhao.lei@example.com"
	repAddr  = "rep@example.com"
	owner    = "ops@example.com"
)

// deliveryDB is the report fixture plus Accord's own tables (runs,
// run_inputs…) with the run's inputs recorded: customers and tickets loaded,
// 1 ticket row in 1,000 rejected (under the 1% default limit).
func deliveryDB(t *testing.T) *sql.DB {
	t.Helper()
	db := reportstest.OpenFixtureDB(t)
	if _, err := db.Exec(queries.Get("CreateSchema")); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	setInputs(t, db, 100, 999)
	return db
}

// setInputs records the run's inputs: customers and tickets rows loaded,
// and one row of each other source.
func setInputs(t *testing.T, db *sql.DB, customers, tickets int) {
	t.Helper()
	if _, err := db.Exec("DELETE FROM run_inputs WHERE run_id = $1", reportstest.FixtureRun); err != nil {
		t.Fatal(err)
	}
	_, err := db.Exec(`INSERT INTO run_inputs (run_id, source, file, sha256, size_bytes, encoding, rows_read, rows_loaded,
		rows_rejected, duplicates, is_new) VALUES
		($1, 'customers', 'customers.xlsx', 'x', 1, 'xlsx', $2, $2, 0, 0, true),
		($1, 'tickets', 'tickets.csv', 'y', 1, 'utf-8', $3 + 1, $3, 1, 0, true),
		-- the fixture's other results come from these sources: none is missing
		($1, 'billing_lines', 'b.csv', 'b', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'ar_invoices', 'i.csv', 'i', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'ar_payments', 'p.csv', 'p', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'activities', 'a.csv', 'a', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'surveys', 's.csv', 's', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'products', 'pr.csv', 'pr', 1, 'utf-8', 1, 1, 0, 0, true),
		($1, 'installed_base', 'ib.csv', 'ib', 1, 'utf-8', 1, 1, 0, 0, true)`, reportstest.FixtureRun, customers, tickets)
	if err != nil {
		t.Fatal(err)
	}
}

func deliveryConfig() (*config.Config, config.Job) {
	cfg := &config.Config{
		Sources:  map[string]*config.Source{"customers": {}, "tickets": {}},
		Currency: config.Currency{Symbol: "¥", ExcelFormat: `"¥"#,##0.00`},
		Reports:  config.Reports{Language: "en", Title: "Weekly customer value report"},
		Groups:   map[string][]string{"managers": {manager1, manager2}},
		SMTP:     config.SMTP{Host: "smtp.example.com", Port: 587, From: "accord@example.com"},
	}
	job := config.Job{
		Name:          "weekly",
		Owner:         owner,
		MaxEmailBytes: config.DefaultMaxEmailBytes,
		Recipients: []config.Recipient{
			{To: []string{"managers"}, Language: "zh-CN"},
			{To: []string{repAddr, manager1}, Language: "en", Filter: reportstest.RepFilter}, // manager1 again: first entry wins
		},
	}
	return cfg, job
}

var testClock = time.Date(2026, 11, 30, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))

// testDeliverer sends to smtpAddr (through ACCORD_SMTP_ADDR) and records
// the waits it would sleep instead of sleeping.
func testDeliverer(smtpAddr string) (*delivery.Deliverer, *[]time.Duration) {
	var mu sync.Mutex
	var slept []time.Duration
	env := map[string]string{delivery.EnvSMTPAddr: smtpAddr}
	d := &delivery.Deliverer{
		Now:    func() time.Time { return testClock },
		Getenv: func(k string) string { return env[k] },
		Sleep: func(_ context.Context, w time.Duration) error {
			mu.Lock()
			slept = append(slept, w)
			mu.Unlock()
			return nil
		},
		Timeout:  10 * time.Second,
		Location: `\\fileserver\accord\reports`,
	}
	return d, &slept
}

func deliver(t *testing.T, d *delivery.Deliverer, db *sql.DB, cfg *config.Config, job config.Job, outDir string, supplied ...delivery.GateResult) delivery.DeliveryReport {
	t.Helper()
	rep, err := d.Deliver(context.Background(), db, job, cfg, reportstest.FixtureRun, reportstest.FixtureAsOf, outDir, supplied)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return rep
}

type outboxEntry struct {
	recipient, messageID, status, lastError string
	attempts                                int
}

func outboxRows(t *testing.T, db *sql.DB) map[string]outboxEntry {
	t.Helper()
	rows, err := db.Query(queries.Get("OutboxList"), reportstest.FixtureRun, reportstest.FixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]outboxEntry{}
	for rows.Next() {
		var e outboxEntry
		var run int64
		var job string
		var at time.Time
		if err := rows.Scan(&run, &job, &e.recipient, &e.messageID, &e.status, &e.attempts, &e.lastError, &at); err != nil {
			t.Fatal(err)
		}
		out[e.recipient] = e
	}
	return out
}

func resultFor(t *testing.T, rep delivery.DeliveryReport, addr string) delivery.RecipientResult {
	t.Helper()
	for _, r := range rep.Recipients {
		if r.Address == addr {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", addr, rep.Recipients)
	return delivery.RecipientResult{}
}

// cidPattern finds the cid: references of an HTML body.
var cidPattern = regexp.MustCompile(`src="cid:([^"]+)"`)

// checkMessage asserts the structure every report e-mail must have and
// returns its parsed MIME tree.
func checkMessage(t *testing.T, mp *delivery.Mailpit, s delivery.MpSummary, wantAttachments []string) (*delivery.MimePart, delivery.MpMessage) {
	t.Helper()
	msg := mp.Message(s.ID)
	root := delivery.ParseMIME(t, mp.Raw(s.ID))

	// multipart/mixed > multipart/related > multipart/alternative(text, html)
	// and the PNGs inside related; attachments in mixed. Without
	// attachments there is no mixed level, without images no related one.
	if root.ContentType != "multipart/mixed" && len(wantAttachments) > 0 {
		t.Fatalf("top part %s, want multipart/mixed: %s", root.ContentType, root.Shape())
	}
	related := root
	if root.ContentType == "multipart/mixed" {
		related = root.Children[0]
	}
	alt := related
	if related.ContentType == "multipart/related" {
		alt = related.Children[0]
	} else if len(msg.Inline) > 0 {
		t.Fatalf("body is %s, want multipart/related: %s", related.ContentType, root.Shape())
	}
	if alt.Shape() != "multipart/alternative[text/plain,text/html]" {
		t.Fatalf("alternative part is %s", alt.Shape())
	}
	text, html := string(alt.Children[0].Body), string(alt.Children[1].Body)
	if strings.TrimSpace(text) == "" || strings.TrimSpace(html) == "" {
		t.Fatal("empty text or HTML body")
	}
	images := map[string]*delivery.MimePart{}
	var inline []*delivery.MimePart
	if related != alt {
		inline = related.Children[1:]
	}
	for _, p := range inline {
		if p.ContentType != "image/png" {
			t.Errorf("related part %s, want image/png", p.ContentType)
			continue
		}
		cid := strings.Trim(p.Get("Content-Id"), "<>")
		if cid == "" {
			t.Errorf("inline image %s has no Content-ID", p.FileName())
		}
		if _, err := png.Decode(bytes.NewReader(p.Body)); err != nil {
			t.Errorf("inline image %s is not a PNG: %v", cid, err)
		}
		images[cid] = p
	}
	refs := cidPattern.FindAllStringSubmatch(html, -1)
	if len(refs) == 0 && len(images) > 0 {
		t.Error("HTML references none of the inline images")
	}
	for _, m := range refs {
		if images[m[1]] == nil {
			t.Errorf("cid:%s does not resolve to an attached PNG", m[1])
		}
	}
	if len(refs) != len(images) {
		t.Errorf("%d cid references for %d inline images", len(refs), len(images))
	}
	// Mail clients run no script and show no SVG or data: images.
	lower := strings.ToLower(html)
	for _, bad := range []string{"<script", "<svg", "data:", "javascript:", "url(", "<link", "@import"} {
		if strings.Contains(lower, bad) {
			t.Errorf("HTML body contains %q", bad)
		}
	}
	// The one link is the footer's, to the recipient's report under
	// reports.base_url (the tests' https://reports.example.com/accord/).
	for _, m := range regexp.MustCompile(`(?i)href\s*=\s*"([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if !strings.HasPrefix(m[1], "https://reports.example.com/accord/") {
			t.Errorf("HTML body links %q", m[1])
		}
	}
	if n := strings.Count(lower, "href="); n > 1 {
		t.Errorf("HTML body has %d links, want at most the footer's", n)
	}
	// Nothing is loaded from anywhere: every src is a cid: part.
	for _, m := range regexp.MustCompile(`(?i)\ssrc\s*=\s*"([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if !strings.HasPrefix(m[1], "cid:") {
			t.Errorf("HTML body loads %q", m[1])
		}
	}
	// mailpit agrees: the inline parts are what the HTML shows.
	if len(msg.Inline) != len(images) {
		t.Errorf("mailpit sees %d inline parts, want %d", len(msg.Inline), len(images))
	}

	var names []string
	if root.ContentType == "multipart/mixed" {
		for _, p := range root.Children[1:] {
			if !strings.HasPrefix(p.Get("Content-Disposition"), "attachment") {
				t.Errorf("mixed part %s is not an attachment", p.ContentType)
			}
			names = append(names, p.FileName())
		}
	}
	if !slices.Equal(names, wantAttachments) {
		t.Errorf("attachments %q, want %q", names, wantAttachments)
	}
	return root, msg
}

// attachment returns the decoded attachment named name.
func attachment(t *testing.T, root *delivery.MimePart, name string) []byte {
	t.Helper()
	for _, p := range root.Leaves() {
		if p.FileName() == name && strings.HasPrefix(p.Get("Content-Disposition"), "attachment") {
			return p.Body
		}
	}
	t.Fatalf("no attachment %s", name)
	return nil
}

func openXLSXBytes(t *testing.T, b []byte) (*excelize.File, []byte) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "att.xlsx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cells, _ := reportstest.WorkbookText(t, p)
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatalf("attached workbook does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, cells
}

func TestDeliverEndToEnd(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	d, slept := testDeliverer(mp.SmtpAddr)
	outDir := filepath.Join(t.TempDir(), "2026-11-27")

	rep := deliver(t, d, db, cfg, job, outDir)
	if !rep.OK() || rep.Blocked || len(rep.Alerts) != 0 || rep.OwnerAlerted() {
		t.Fatalf("delivery not OK: %+v", rep)
	}
	if len(rep.Recipients) != 3 {
		t.Fatalf("%d recipients, want 3 (manager1 listed twice): %+v", len(rep.Recipients), rep.Recipients)
	}
	if len(*slept) != 0 {
		t.Errorf("slept %v without a failure", *slept)
	}
	if got := len(mp.Messages()); got != 3 {
		t.Fatalf("mailpit holds %d messages, want 3", got)
	}
	ob := outboxRows(t, db)
	for _, addr := range []string{manager1, manager2, repAddr} {
		e := ob[addr]
		if e.status != delivery.StatusSent || e.attempts != 1 || e.messageID == "" {
			t.Errorf("outbox %s: %+v, want sent after 1 attempt", addr, e)
		}
		msgs := mp.To(addr)
		if len(msgs) != 1 {
			t.Fatalf("%s got %d messages, want 1", addr, len(msgs))
		}
		if msgs[0].MessageID != e.messageID {
			t.Errorf("%s: Message-ID %q, outbox recorded %q", addr, msgs[0].MessageID, e.messageID)
		}
	}

	// A manager: zh-CN, unfiltered, both attachments.
	s := mp.To(manager1)[0]
	if !strings.Contains(s.Subject, "weekly") || !strings.Contains(s.Subject, "2026-11-27") || !strings.Contains(s.Subject, "数据截至") {
		t.Errorf("manager subject %q", s.Subject)
	}
	root, msg := checkMessage(t, mp, s, []string{"weekly.xlsx", "weekly.html"})
	if !strings.Contains(msg.Text, "数据截至 2026-11-27") || !strings.Contains(msg.HTML, "数据截至 2026-11-27") {
		t.Error("manager body lacks the as-of line")
	}
	if len(msg.Inline) != 4 {
		t.Errorf("manager e-mail has %d charts, want 4", len(msg.Inline))
	}
	for _, want := range []string{"已评分客户数", "¥10,003,336.31", "服务队列", "首要故障热点", "逾期最多的应收账款",
		"与上次运行相比等级变化的客户", "Spearman 秩相关系数：默认 0.623"} {
		if !strings.Contains(msg.HTML, want) {
			t.Errorf("manager HTML lacks %q", want)
		}
	}
	f, _ := openXLSXBytes(t, attachment(t, root, "weekly.xlsx"))
	if got := f.GetSheetList(); !slices.Equal(got, reportstest.WantSheets) {
		t.Errorf("manager workbook sheets %q", got)
	}
	// mailpit serves the same attachment bytes through its part API.
	for _, a := range msg.Attachments {
		if a.FileName == "weekly.xlsx" && !bytes.Equal(mp.Part(s.ID, a.PartID), attachment(t, root, "weekly.xlsx")) {
			t.Error("mailpit's weekly.xlsx part differs from the raw message's")
		}
	}

	// The rep: English, filtered; nothing of another customer anywhere.
	s = mp.To(repAddr)[0]
	if s.Subject != "weekly: 2 tier moves, 1 rising hot-spot, overdue ¥1.5K ▲ — as of 2026-11-27" {
		t.Errorf("rep subject %q", s.Subject)
	}
	root, msg = checkMessage(t, mp, s, []string{"weekly.xlsx", "weekly.html"})
	if !strings.Contains(msg.Text, "As of 2026-11-27") || !strings.Contains(msg.HTML, "As of 2026-11-27") {
		t.Error("rep body lacks the as-of line")
	}
	for _, p := range root.Leaves() {
		name := p.FileName()
		switch {
		case p.ContentType == "image/png":
			continue // pixels; their labels are tiers, buckets and products only
		case name == "weekly.xlsx":
			_, cells := openXLSXBytes(t, p.Body)
			reportstest.AssertNoOutsideData(t, "rep's weekly.xlsx", cells)
			if !bytes.Contains(cells, []byte("pwned=1")) {
				t.Error("rep's workbook lacks its own customer")
			}
		case name == "weekly.html":
			_, rest := reportstest.SplitPage(t, p.Body)
			reportstest.AssertNoOutsideData(t, "rep's weekly.html", rest)
		default:
			reportstest.AssertNoOutsideData(t, "rep's body "+p.ContentType, p.Body)
		}
	}
	reportstest.AssertNoOutsideData(t, "rep's subject", []byte(s.Subject))
	if !strings.Contains(msg.Text, "T1") || strings.Contains(msg.Text, "Rejected input rows") {
		t.Error("rep's body: want its own ticket T1 and no rejected-rows KPI")
	}
	if r := resultFor(t, rep, repAddr); !r.Filtered || r.Language != "en" || !strings.Contains(r.Dir, filepath.Join("mail", "en-")) {
		t.Errorf("rep result %+v", r)
	}
	if r := resultFor(t, rep, manager1); r.Filtered || r.Language != "zh-CN" {
		t.Errorf("manager1 got the second entry's filter or language: %+v", r)
	}

	// Run again (a restart after the delivery): nothing is sent twice.
	again := deliver(t, d, db, cfg, job, outDir)
	if got := len(mp.Messages()); got != 3 {
		t.Errorf("after a second Deliver mailpit holds %d messages, want 3", got)
	}
	for _, r := range again.Recipients {
		if !r.Previous || r.Status != delivery.StatusSent {
			t.Errorf("second delivery: %+v, want previous sent", r)
		}
	}
}

func TestDeliverRetriesTemporaryFailures(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter}}
	// Connection 1 is greeted with 421, 2 gets 451 at MAIL FROM, then through.
	flaky := delivery.StartFlakySMTP(t, mp.SmtpAddr, func(n int) string {
		return map[int]string{1: "421", 2: "451"}[n]
	})
	d, slept := testDeliverer(flaky.Addr())
	d.BaseDelay = 2 * time.Second
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	r := resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusSent || r.Attempts != 3 {
		t.Fatalf("result %+v, want sent after 3 attempts", r)
	}
	if want := []time.Duration{2 * time.Second, 4 * time.Second}; !slices.Equal(*slept, want) {
		t.Errorf("waited %v, want %v (exponential backoff)", *slept, want)
	}
	if got := len(mp.To(repAddr)); got != 1 {
		t.Errorf("%d messages arrived, want exactly 1", got)
	}
	if e := outboxRows(t, db)[repAddr]; e.status != delivery.StatusSent || e.attempts != 3 {
		t.Errorf("outbox %+v", e)
	}

	// Always temporary: gives up after MaxAttempts, stays queued (nothing
	// was sent), and the next delivery of the run sends it.
	db2 := deliveryDB(t)
	down := delivery.StartFlakySMTP(t, mp.SmtpAddr, func(int) string { return "451" })
	d2, slept2 := testDeliverer(down.Addr())
	d2.MaxAttempts = 3
	noOwner := job
	noOwner.Owner = "" // the owner's alert would wait on the same server
	rep = deliver(t, d2, db2, cfg, noOwner, t.TempDir())
	r = resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusQueued || r.Attempts != 3 || !strings.Contains(r.Error, "451") || rep.OK() {
		t.Fatalf("result %+v, want queued after 3 attempts with the 451", r)
	}
	if len(*slept2) != 2 {
		t.Errorf("waited %v, want 2 waits between 3 attempts", *slept2)
	}
	d3, _ := testDeliverer(mp.SmtpAddr)
	rep = deliver(t, d3, db2, cfg, job, t.TempDir())
	if r := resultFor(t, rep, repAddr); r.Status != delivery.StatusSent || r.Attempts != 4 {
		t.Errorf("after the server recovered: %+v, want sent, 4 attempts in all", r)
	}
	if got := len(mp.To(repAddr)); got != 2 { // one per database (run)
		t.Errorf("%d messages to the rep, want 2", got)
	}
}

func TestDeliverPermanentFailureIsNotRetried(t *testing.T) {
	reportstest.CjkFont(t)
	// mailpit refuses recipients outside example.com with a 5xx.
	mp := delivery.StartMailpit(t, "--smtp-allowed-recipients", `@example\.com$`)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{
		{To: []string{"nobody@bounce.test"}, Language: "en"},
		{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter},
	}
	d, slept := testDeliverer(mp.SmtpAddr)
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	bad := resultFor(t, rep, "nobody@bounce.test")
	if bad.Status != delivery.StatusFailed || bad.Attempts != 1 || !strings.Contains(bad.Error, "5") {
		t.Fatalf("refused recipient: %+v, want failed after 1 attempt", bad)
	}
	if len(*slept) != 0 {
		t.Errorf("waited %v after a permanent failure", *slept)
	}
	if r := resultFor(t, rep, repAddr); r.Status != delivery.StatusSent {
		t.Errorf("the other recipient: %+v", r)
	}
	// The owner hears about it.
	alerts := mp.To(owner)
	if len(alerts) != 1 || !strings.Contains(mp.Message(alerts[0].ID).Text, "nobody@bounce.test") {
		t.Fatalf("owner alerts %+v, want one naming the refused recipient", alerts)
	}
	// A rerun does not retry the refused address, nor re-alert.
	deliver(t, d, db, cfg, job, t.TempDir())
	if len(mp.Messages()) != 2 {
		t.Errorf("rerun sent more: %d messages", len(mp.Messages()))
	}
}

func TestDeliverAfterCrashDoesNotResend(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	// A previous process wrote 'sending' for manager1, started the SMTP
	// transaction and died before recording the outcome.
	if _, err := db.Exec(queries.Get("CreateOutbox")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO outbox VALUES ($1, 'weekly', $2, 'accord.2.crashed@example.com', 'sending', 1, NULL, TIMESTAMP '2026-11-30 06:59:00')`,
		reportstest.FixtureRun, manager1); err != nil {
		t.Fatal(err)
	}
	d, _ := testDeliverer(mp.SmtpAddr)
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if !slices.Equal(rep.Recovered, []string{manager1}) {
		t.Errorf("recovered %q, want [%s]", rep.Recovered, manager1)
	}
	if got := mp.To(manager1); len(got) != 0 {
		t.Fatalf("manager1 was sent %d messages after the crash; want none (at most once)", len(got))
	}
	r := resultFor(t, rep, manager1)
	if r.Status != delivery.StatusUnknown || !r.Previous || r.MessageID != "accord.2.crashed@example.com" {
		t.Errorf("manager1: %+v, want unknown, untouched", r)
	}
	for _, a := range []string{manager2, repAddr} {
		if len(mp.To(a)) != 1 {
			t.Errorf("%s: %d messages, want 1", a, len(mp.To(a)))
		}
	}
	if rep.OK() {
		t.Error("a delivery with an unknown recipient reports OK")
	}
	// The owner is told, with what to do.
	alerts := mp.To(owner)
	if len(alerts) != 1 {
		t.Fatalf("%d owner alerts, want 1", len(alerts))
	}
	text := mp.Message(alerts[0].ID).Text
	if !strings.Contains(text, manager1) || !strings.Contains(text, "unknown") || !strings.Contains(text, "at most once") {
		t.Errorf("owner alert does not explain the unknown delivery:\n%s", text)
	}
	if e := outboxRows(t, db)[manager1]; e.status != delivery.StatusUnknown || e.attempts != 1 {
		t.Errorf("outbox %+v", e)
	}
	// And a third run changes nothing.
	deliver(t, d, db, cfg, job, t.TempDir())
	if got := len(mp.Messages()); got != 3 {
		t.Errorf("after a rerun mailpit holds %d messages, want 3", got)
	}
}

// TestDeliverAmbiguousIsNotRetried: the connection drops after the whole
// message was sent and before the server answered. The server may have it;
// a retry could deliver it twice, so the status is unknown.
func TestDeliverAmbiguousIsNotRetried(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter}}
	first := true
	var mu sync.Mutex
	flaky := delivery.StartFlakySMTP(t, mp.SmtpAddr, func(n int) string {
		mu.Lock()
		defer mu.Unlock()
		if first {
			first = false
			return "drop-data"
		}
		return "" // the owner alert goes through
	})
	d, slept := testDeliverer(flaky.Addr())
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	r := resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusUnknown || r.Attempts != 1 || len(*slept) != 0 {
		t.Fatalf("result %+v, waits %v; want unknown after 1 attempt, no retry", r, *slept)
	}
	if len(mp.To(owner)) != 1 {
		t.Error("owner not alerted of the unknown delivery")
	}
}

func TestFailingGateSendsNothingButAlertsOwner(t *testing.T) {
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	setInputs(t, db, 100, 0) // no ticket row loaded
	cfg, job := deliveryConfig()
	d, _ := testDeliverer(mp.SmtpAddr)
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if !rep.Blocked || rep.OK() || len(rep.Recipients) != 0 || !rep.OwnerAlerted() {
		t.Fatalf("report %+v, want blocked with no recipients and the owner alerted", rep)
	}
	msgs := mp.Messages()
	if len(msgs) != 1 || msgs[0].To[0].Address != owner {
		t.Fatalf("messages %+v, want exactly one, to the owner", msgs)
	}
	text := mp.Message(msgs[0].ID).Text
	if !strings.Contains(msgs[0].Subject, "quality gate") || !strings.Contains(text, "inputs_not_empty") || !strings.Contains(text, "tickets") {
		t.Errorf("alert %q does not give the reason:\n%s", msgs[0].Subject, text)
	}
	ob := outboxRows(t, db)
	if len(ob) != 1 || ob["alert:gates:"+owner].status != delivery.StatusSent {
		t.Errorf("outbox %+v, want only the sent alert", ob)
	}
	// A rerun alerts once only, and knows the owner has been told.
	if rep := deliver(t, d, db, cfg, job, t.TempDir()); !rep.OwnerAlerted() {
		t.Errorf("rerun: report %+v does not say the owner was alerted", rep)
	}
	if got := len(mp.Messages()); got != 1 {
		t.Errorf("rerun: %d messages, want 1", got)
	}

	// A failing reconciliation supplied by the caller blocks too (a fresh run).
	db2 := deliveryDB(t)
	rep = deliver(t, d, db2, cfg, job, t.TempDir(), delivery.GateResult{Name: delivery.GateReconciliation, Passed: false, Reason: "billing 12.00 over the ledger"})
	if !rep.Blocked {
		t.Fatal("failing reconciliation did not block")
	}
	last := mp.Messages()[0]
	if !strings.Contains(mp.Message(last.ID).Text, "billing 12.00 over the ledger") {
		t.Error("alert lacks the reconciliation's reason")
	}
	if len(mp.Messages()) != 2 {
		t.Errorf("%d messages, want 2 alerts and nothing to recipients", len(mp.Messages()))
	}
}

func TestCheckGates(t *testing.T) {
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	ctx := context.Background()
	gs, err := delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(delivery.FailedGates(gs)) != 0 {
		t.Errorf("gates failed on good inputs: %+v", gs)
	}
	// 1 rejected of 1,000 read: 0.1%; a 0.05% limit fails it.
	limit := 0.0005
	job.Gates.MaxRejectRatio = &limit
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, nil)
	if f := delivery.FailedGates(gs); len(f) != 1 || f[0].Name != delivery.GateRejectRatio || !strings.Contains(f[0].Reason, "tickets") {
		t.Errorf("reject ratio gate: %+v", f)
	}
	job.Gates.MaxRejectRatio = nil
	// Required reconciliation: none recorded fails; recorded checks pass
	// when every one ties; a supplied result replaces the table's.
	job.Gates.Reconciliation = true
	// The fixture records a reconciliation that does not tie; start from none.
	if _, err := db.Exec(`DELETE FROM reconciliation_totals WHERE run_id = $1`, reportstest.FixtureRun); err != nil {
		t.Fatal(err)
	}
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, nil)
	if f := delivery.FailedGates(gs); len(f) != 1 || f[0].Name != delivery.GateReconciliation || !strings.Contains(f[0].Reason, "recorded none") {
		t.Errorf("missing reconciliation: %+v", f)
	}
	if _, err := db.Exec(`INSERT INTO reconciliation_totals (run_id, as_of, check_name, total_a, total_b, difference, exceptions, explained, ties) VALUES
		($1, DATE '2026-11-27', 'billing_vs_ledger', 100.00, 90.00, 10.00, 1, 10.00, true),
		($1, DATE '2026-11-27', 'open_vs_ledger', 50.00, 50.00, 0.00, 0, 0.00, true)`, reportstest.FixtureRun); err != nil {
		t.Fatal(err)
	}
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, nil)
	if f := delivery.FailedGates(gs); len(f) != 0 {
		t.Errorf("tying reconciliation: %+v", f)
	}
	if _, err := db.Exec(`UPDATE reconciliation_totals SET ties = false, explained = 9.99 WHERE check_name = 'billing_vs_ledger'`); err != nil {
		t.Fatal(err)
	}
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, nil)
	if f := delivery.FailedGates(gs); len(f) != 1 || !strings.Contains(f[0].Reason, "billing_vs_ledger: difference 10.00, of which 9.99") {
		t.Errorf("untied reconciliation: %+v", f)
	}
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, []delivery.GateResult{{Name: delivery.GateReconciliation, Passed: true}})
	if f := delivery.FailedGates(gs); len(f) != 0 {
		t.Errorf("supplied passing reconciliation: %+v", f)
	}
	// inputs_not_empty can be switched off.
	setInputs(t, db, 0, 0)
	off := false
	job.Gates.InputsNotEmpty = &off
	gs, _ = delivery.CheckGates(ctx, db, cfg, job, reportstest.FixtureRun, []delivery.GateResult{{Name: delivery.GateReconciliation, Passed: true}})
	for _, g := range gs {
		if g.Name == delivery.GateInputsNotEmpty {
			t.Errorf("inputs_not_empty evaluated while off: %+v", g)
		}
	}
}

func TestOverCapEmailSaysWhatWasLeftOut(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter}}
	d, _ := testDeliverer(mp.SmtpAddr)

	// Room for the body, charts and workbook, not for the 1 MB page.
	job.MaxEmailBytes = 400 << 10
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	r := resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusSent || !slices.Equal(r.LeftOut, []string{"weekly.html"}) || r.Size > job.MaxEmailBytes {
		t.Fatalf("result %+v, want sent under the cap without weekly.html", r)
	}
	s := mp.To(repAddr)[0]
	if s.Size > job.MaxEmailBytes {
		t.Errorf("mailpit got %d bytes, over the %d cap", s.Size, job.MaxEmailBytes)
	}
	_, msg := checkMessage(t, mp, s, []string{"weekly.xlsx"})
	// The rep is filtered: the operator's shared place holds the unfiltered
	// reports, so it is not named, and no server path is either.
	for _, body := range []string{msg.Text, msg.HTML} {
		if !strings.Contains(body, "weekly.html") || !strings.Contains(body, "size limit") ||
			!strings.Contains(body, "Ask the report") || strings.Contains(body, "fileserver") ||
			strings.Contains(body, t.TempDir()[:strings.LastIndex(t.TempDir(), string(filepath.Separator))]) {
			t.Errorf("body does not say weekly.html was left out, or names a place a filtered rep must not see:\n%s", body)
		}
	}

	// Room for the text only: no charts, no attachments, still a real body.
	// With reports.base_url the rep is linked to its own, filtered copy.
	db2 := deliveryDB(t)
	job.MaxEmailBytes = 30 << 10
	cfg.Reports.BaseURL = "https://reports.example.com/accord/"
	own := "https://reports.example.com/accord/2026-11-27/mail/" + delivery.RenderFolder("en", reportstest.RepFilter) + "/weekly.html"
	rep = deliver(t, d, db2, cfg, job, t.TempDir())
	r = resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusSent || len(r.Attached) != 0 || len(r.LeftOut) != 2 {
		t.Fatalf("result %+v, want sent with both attachments left out", r)
	}
	all := mp.To(repAddr)
	s = all[0]
	if s.Size > job.MaxEmailBytes {
		t.Errorf("mailpit got %d bytes, over the %d cap", s.Size, job.MaxEmailBytes)
	}
	root, msg := checkMessage(t, mp, s, nil)
	if len(msg.Inline) != 0 || len(msg.Attachments) != 0 {
		t.Errorf("inline %d attachments %d, want none: %s", len(msg.Inline), len(msg.Attachments), root.Shape())
	}
	for _, want := range []string{"As of 2026-11-27", "Customers scored", "weekly.xlsx", "weekly.html", "charts are not shown", own} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, msg.Text)
		}
	}
	if !strings.Contains(msg.HTML, `<a href="`+own+`"`) || strings.Contains(msg.HTML, "accord/2026-11-27/weekly.html") ||
		strings.Contains(msg.HTML, "mail/en-all") {
		t.Errorf("HTML body does not link the rep's own report only:\n%s", msg.HTML)
	}
}

func TestSendPreviewBypassesOutbox(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	d, _ := testDeliverer(mp.SmtpAddr)
	for i := 0; i < 2; i++ { // a preview can be repeated
		r, err := d.SendPreview(context.Background(), db, job, cfg, reportstest.FixtureRun, reportstest.FixtureAsOf, t.TempDir(), repAddr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != delivery.StatusSent || !r.Filtered {
			t.Errorf("preview %+v, want sent with the rep's filter", r)
		}
	}
	msgs := mp.To(repAddr)
	if len(msgs) != 2 || msgs[0].MessageID == msgs[1].MessageID {
		t.Fatalf("previews %+v, want 2 with distinct Message-IDs", msgs)
	}
	if !strings.HasPrefix(msgs[0].Subject, "[Preview] weekly") {
		t.Errorf("preview subject %q", msgs[0].Subject)
	}
	root, msg := checkMessage(t, mp, msgs[0], []string{"weekly.xlsx", "weekly.html"})
	if !strings.Contains(msg.Text, "preview") {
		t.Error("preview body does not say it is a preview")
	}
	_, cells := openXLSXBytes(t, attachment(t, root, "weekly.xlsx"))
	reportstest.AssertNoOutsideData(t, "preview workbook", cells)
	var n int
	if err := db.QueryRow("SELECT count(*) FROM outbox").Scan(&n); err == nil && n != 0 {
		t.Errorf("preview wrote %d outbox rows", n)
	}
	// The real delivery still goes to the rep afterwards.
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if r := resultFor(t, rep, repAddr); r.Status != delivery.StatusSent || r.Previous {
		t.Errorf("delivery after previews: %+v", r)
	}
}

// TestSTARTTLSRequiredOffLoopback: a server that is not on this machine
// must offer STARTTLS; mailpit (no TLS) reached under a remote name is
// refused before any data is sent, and that is not retried.
func TestSTARTTLSRequiredOffLoopback(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter}}
	d, slept := testDeliverer("smtp.example.com:587")
	d.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, network, mp.SmtpAddr) // the name resolves to mailpit
	}
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	r := resultFor(t, rep, repAddr)
	if r.Status != delivery.StatusFailed || !strings.Contains(r.Error, "STARTTLS") || len(*slept) != 0 {
		t.Fatalf("result %+v, waits %v; want failed on STARTTLS without retries", r, *slept)
	}
	if got := len(mp.Messages()); got != 0 {
		t.Errorf("%d messages reached the server in clear text", got)
	}
}

func TestSMTPSettings(t *testing.T) {
	cfg, _ := deliveryConfig()
	env := map[string]string{}
	d := &delivery.Deliverer{Getenv: func(k string) string { return env[k] }}
	s, err := d.SmtpSettings(cfg)
	if err != nil || s.Host != "smtp.example.com" || s.Port != 587 || s.Loopback || s.User != "" {
		t.Errorf("config only: %+v %v", s, err)
	}
	env[delivery.EnvSMTPAddr] = "127.0.0.1:2525"
	env[delivery.EnvSMTPUser], env[delivery.EnvSMTPPassword] = "u", "p"
	s, err = d.SmtpSettings(cfg)
	if err != nil || s.Host != "127.0.0.1" || s.Port != 2525 || !s.Loopback || s.User != "u" || s.Pass != "p" {
		t.Errorf("env override: %+v %v", s, err)
	}
	for _, bad := range []string{"nohost", "h:0", "h:x"} {
		env[delivery.EnvSMTPAddr] = bad
		if _, err := d.SmtpSettings(cfg); err == nil {
			t.Errorf("%s=%q accepted", delivery.EnvSMTPAddr, bad)
		}
	}
	env[delivery.EnvSMTPAddr] = ""
	env[delivery.EnvSMTPUser] = ""
	if _, err := d.SmtpSettings(cfg); err == nil {
		t.Error("a password without a user was accepted")
	}
	for host, want := range map[string]bool{"localhost": true, "127.0.0.2": true, "::1": true, "[::1]": true,
		"mail.localhost": true, "smtp.example.com": false, "10.0.0.1": false, "localhost.example.com": false} {
		if got := delivery.IsLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v", host, got)
		}
	}
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: 10 * time.Minute, 40: 10 * time.Minute} {
		if got := (&delivery.Deliverer{}).Backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	if id := delivery.OutboxMessageID("Accord <accord@example.com>", "weekly", 7, repAddr); !strings.HasPrefix(id, "accord.7.") || !strings.HasSuffix(id, "@example.com") ||
		id != delivery.OutboxMessageID("accord@example.com", "weekly", 7, strings.ToUpper(repAddr)) {
		t.Errorf("message id %q is not stable per (run, job, recipient)", id)
	}
}

// TestDeliverCredentials: ACCORD_SMTP_USER/PASSWORD authenticate.
func TestDeliverCredentials(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter}}
	d, _ := testDeliverer(mp.SmtpAddr)
	env := map[string]string{delivery.EnvSMTPAddr: mp.SmtpAddr, delivery.EnvSMTPUser: "accord", delivery.EnvSMTPPassword: "s3cret"}
	d.Getenv = func(k string) string { return env[k] }
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	if r := resultFor(t, rep, repAddr); r.Status != delivery.StatusSent {
		t.Fatalf("authenticated delivery: %+v", r)
	}
	var msg struct{ Username string }
	id := mp.To(repAddr)[0].ID
	if err := json.Unmarshal(mp.Get("/api/v1/message/"+id), &msg); err != nil || msg.Username != "accord" {
		t.Errorf("mailpit saw user %q (%v), want accord", msg.Username, err)
	}
}

// TestDeliverRenderFailureStaysQueued: a recipient whose report cannot be
// made (here a filter matching nobody) is not sent an empty report; its row
// stays queued with the reason, the others get theirs, the owner is told.
func TestDeliverRenderFailureStaysQueued(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	job.Recipients = []config.Recipient{
		{To: []string{"nobody.owns@example.com"}, Language: "en", Filter: "account_owner = 'nobody@example.com'"},
		{To: []string{repAddr}, Language: "en", Filter: reportstest.RepFilter},
	}
	d, _ := testDeliverer(mp.SmtpAddr)
	rep := deliver(t, d, db, cfg, job, t.TempDir())
	r := resultFor(t, rep, "nobody.owns@example.com")
	if r.Status != delivery.StatusQueued || r.Attempts != 0 || !strings.Contains(r.Error, "matches no customer") {
		t.Fatalf("result %+v, want queued, never attempted, with the reason", r)
	}
	if len(mp.To("nobody.owns@example.com")) != 0 || len(mp.To(repAddr)) != 1 {
		t.Error("wrong messages sent")
	}
	if e := outboxRows(t, db)["nobody.owns@example.com"]; e.status != delivery.StatusQueued || !strings.Contains(e.lastError, "matches no customer") {
		t.Errorf("outbox %+v", e)
	}
	alerts := mp.To(owner)
	if len(alerts) != 1 || !strings.Contains(mp.Message(alerts[0].ID).Text, "matches no customer") {
		t.Error("owner not told why the recipient got nothing")
	}
}

// TestDeliverQueuesEveryRecipientBeforeTheFirstSend checks, at the first
// SMTP dial, that every recipient already has a 'queued' outbox row: a
// kill during the first send then leaves the others queued for the next
// delivery to send, where before it left them no row at all (and the row
// of the first recipient was the only one).
func TestDeliverQueuesEveryRecipientBeforeTheFirstSend(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	d, _ := testDeliverer(mp.SmtpAddr)
	var atFirstDial map[string]outboxEntry
	var once sync.Once // recipients are sent concurrently
	d.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		once.Do(func() { atFirstDial = outboxRows(t, db) })
		var nd net.Dialer
		return nd.DialContext(ctx, network, addr)
	}
	deliver(t, d, db, cfg, job, t.TempDir())
	for _, a := range []string{manager1, manager2, repAddr} {
		e, ok := atFirstDial[a]
		if !ok {
			t.Errorf("%s had no outbox row when the first SMTP transaction started", a)
			continue
		}
		// The first recipient's row is already 'sending' when its dial starts.
		if e.status != delivery.StatusQueued && e.status != delivery.StatusSending {
			t.Errorf("%s: status %q at the first dial, want queued (or sending for the first)", a, e.status)
		}
	}
}

// TestRetryFailedResendsExactlyTheUnsent: after a delivery where one
// recipient failed for good, RequeueFailed and a second Deliver send to
// exactly that recipient; the ones already sent get nothing more.
func TestRetryFailedResendsExactlyTheUnsent(t *testing.T) {
	reportstest.CjkFont(t)
	mp := delivery.StartMailpit(t)
	db := deliveryDB(t)
	cfg, job := deliveryConfig()
	if _, err := db.Exec(queries.Get("CreateOutbox")); err != nil {
		t.Fatal(err)
	}
	// An earlier delivery recorded manager1 failed (a 5xx) and sent nobody else yet.
	if _, err := db.Exec(`INSERT INTO outbox VALUES ($1, 'weekly', $2, 'accord.1.failed@example.com', 'failed', 1, '550 mailbox unavailable', TIMESTAMP '2026-11-30 06:59:00')`,
		reportstest.FixtureRun, manager1); err != nil {
		t.Fatal(err)
	}
	d, _ := testDeliverer(mp.SmtpAddr)
	deliver(t, d, db, cfg, job, t.TempDir())
	if n := len(mp.To(manager1)); n != 0 {
		t.Fatalf("a failed recipient was resent without --retry-failed: %d messages", n)
	}
	again, err := delivery.RequeueFailed(context.Background(), db, testClock, reportstest.FixtureRun)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again, []string{manager1}) {
		t.Errorf("requeued %q, want [%s]", again, manager1)
	}
	deliver(t, d, db, cfg, job, t.TempDir())
	for a, want := range map[string]int{manager1: 1, manager2: 1, repAddr: 1} {
		if got := len(mp.To(a)); got != want {
			t.Errorf("%s: %d messages, want %d", a, got, want)
		}
	}
	if e := outboxRows(t, db)[manager1]; e.status != delivery.StatusSent {
		t.Errorf("manager1 after the retry: %+v, want sent", e)
	}
}

// TestFindPendingDeliveryPicksTheInterruptedRun: the scheduler resumes the
// latest succeeded run of a job, within resume_within, whose outbox still
// has a recipient queued or left sending; a delivery that finished, or one
// older than the limit, is not picked.
func TestFindPendingDeliveryPicksTheInterruptedRun(t *testing.T) {
	db := deliveryDB(t)
	if _, err := db.Exec(queries.Get("CreateOutbox")); err != nil {
		t.Fatal(err)
	}
	finished := time.Date(2026, 11, 30, 6, 50, 0, 0, time.UTC)
	if _, err := db.Exec(`INSERT INTO runs (run_id, job, as_of, started_at, finished_at, config_path, config_hash, status, report_dir) VALUES
		(1, 'weekly', DATE '2026-11-20', $1, $1, 'c', 'h', 'succeeded', '/r/2026-11-20'),
		($2, 'weekly', DATE '2026-11-27', $3, $3, 'c', 'h', 'succeeded', '/r/2026-11-27'),
		(3, 'other', DATE '2026-11-27', $3, $3, 'c', 'h', 'succeeded', '/r/other')`,
		finished.AddDate(0, 0, -7), reportstest.FixtureRun, finished); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO outbox VALUES
		(1, 'weekly', $1, 'm1', 'queued', 0, NULL, TIMESTAMP '2026-11-23 06:59:00'),
		($2, 'weekly', $1, 'm2', 'sending', 1, NULL, TIMESTAMP '2026-11-30 06:59:00'),
		($2, 'weekly', $3, 'm3', 'queued', 0, NULL, TIMESTAMP '2026-11-30 06:59:00'),
		(3, 'other', $1, 'm4', 'sent', 1, NULL, TIMESTAMP '2026-11-30 06:59:00')`, manager1, reportstest.FixtureRun, manager2); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, ok, err := delivery.FindPendingDelivery(ctx, db, "weekly", finished.Add(-24*time.Hour))
	if err != nil || !ok || p.RunID != reportstest.FixtureRun || p.AsOf.Format(time.DateOnly) != "2026-11-27" || p.ReportDir != "/r/2026-11-27" {
		t.Errorf("pending %+v %v %v, want run %d as of 2026-11-27", p, ok, err, reportstest.FixtureRun)
	}
	if _, ok, err := delivery.FindPendingDelivery(ctx, db, "weekly", finished.Add(time.Minute)); ok || err != nil {
		t.Errorf("a delivery older than the limit was picked (%v)", err)
	}
	if _, ok, err := delivery.FindPendingDelivery(ctx, db, "other", finished.Add(-24*time.Hour)); ok || err != nil {
		t.Errorf("a finished delivery was picked (%v)", err)
	}
}
