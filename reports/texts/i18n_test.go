package texts_test

import (
	"io/fs"

	"github.com/accordhq/accord/reports/internal/reportstest"
	"github.com/accordhq/accord/reports/snapshot"
	"github.com/accordhq/accord/reports/texts"

	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestLabelsComplete checks both languages define the same keys, and that
// every key the code asks for exists: literal keys found in the source, and
// the column headers built from the table definitions.
func TestLabelsComplete(t *testing.T) {
	en := slices.Sorted(maps.Keys(texts.LabelsEN))
	zh := slices.Sorted(maps.Keys(texts.LabelsZH))
	if !slices.Equal(en, zh) {
		for _, k := range en {
			if _, ok := texts.LabelsZH[k]; !ok {
				t.Errorf("zh-CN lacks %q", k)
			}
		}
		for _, k := range zh {
			if _, ok := texts.LabelsEN[k]; !ok {
				t.Errorf("en lacks %q", k)
			}
		}
	}

	used := map[string]bool{}
	for _, table := range snapshot.DataFileTables() {
		for _, c := range table.Columns {
			used["col."+c.Name] = true
		}
	}
	// Every Go file of the reports packages.
	var files []string
	if err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Keys passed to l.get, l.getf and the Summary sheet's label helper.
	call := regexp.MustCompile(`(?:\.getf?|\blabel)\("([a-z0-9_.]+)"`)
	weekKey := regexp.MustCompile(`"(week\.[a-z0-9_]+)"`)
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// The briefing's sentences take their keys through say and item.
		for _, m := range weekKey.FindAllSubmatch(src, -1) {
			used[string(m[1])] = true
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			if k := string(m[1]); !strings.HasSuffix(k, ".") { // "col."+name: checked above
				used[k] = true
			}
		}
	}
	if len(used) < 40 {
		t.Fatalf("found only %d label keys in use; the scan is broken", len(used))
	}
	for k := range used {
		if _, ok := texts.LabelsEN[k]; !ok {
			t.Errorf("label %q is used but not defined", k)
		}
	}
}

// untranslatedOK are the keys whose zh-CN text may equal the English one or
// hold no Chinese character: pure formats of data values and symbols.
var untranslatedOK = map[string]bool{
	"evidence.segment_value": true, // "%s %s": segment name and value
	"mail.pareto_bar_note":   true, // "%d · %s%%": failures and cumulative share
	"week.group":             true, // "%s · %s · %s": product, component, region
	"week.move":              true, // "%s %s→%s": customer and tiers
}

var (
	printfVerb  = regexp.MustCompile(`%(?:\[(\d+)\])?[-+#0]*(?:\d+)?(?:\.\d+)?([a-zA-Z%])`)
	placeholder = regexp.MustCompile(`\{[a-z_]+\}`)
	// Han, CJK punctuation (、。「」) and full-width forms (，；（）).
	cjk = regexp.MustCompile(`[\p{Han}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]`)
)

// verbsOf lists a format's arguments as "argument:verb", sorted by
// argument, following fmt's rule that a verb without an index takes the
// argument after the previous one: "%[2]s %[1]d" and "%d %s" agree.
func verbsOf(s string) []string {
	var out []string
	next := 1
	for _, m := range printfVerb.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		arg := next
		if m[1] != "" {
			arg, _ = strconv.Atoi(m[1])
		}
		next = arg + 1
		out = append(out, fmt.Sprintf("%d:%s", arg, m[2]))
	}
	slices.Sort(out)
	return out
}

// TestCatalogs checks the text catalogs themselves: both languages have
// the same keys and no empty text; each key's printf verbs (by argument)
// and {placeholders} agree between en and zh-CN; a zh-CN text holds
// Chinese and differs from the English one unless allowed above; and
// The catalogs *.json are in the form the README asks for (sorted keys, two-space
// indent, real characters rather than \u escapes).
func TestCatalogs(t *testing.T) {
	for k, en := range texts.LabelsEN {
		zh, ok := texts.LabelsZH[k]
		if !ok {
			t.Errorf("zh-CN lacks %q", k)
			continue
		}
		if strings.TrimSpace(en) == "" || strings.TrimSpace(zh) == "" {
			t.Errorf("%q has an empty text", k)
		}
		if a, b := verbsOf(en), verbsOf(zh); !slices.Equal(a, b) {
			t.Errorf("%q: en verbs %v, zh-CN verbs %v", k, a, b)
		}
		a, b := placeholder.FindAllString(en, -1), placeholder.FindAllString(zh, -1)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%q: en placeholders %v, zh-CN placeholders %v", k, a, b)
		}
		if !untranslatedOK[k] && (zh == en || !cjk.MatchString(zh)) {
			t.Errorf("%q looks untranslated in zh-CN: %q", k, zh)
		}
	}
	for k := range texts.LabelsZH {
		if _, ok := texts.LabelsEN[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range untranslatedOK {
		if _, ok := texts.LabelsEN[k]; !ok {
			t.Errorf("untranslatedOK names %q, which no catalog has", k)
		}
	}
	for _, name := range []string{"en.json", "zh-CN.json"} {
		data, err := texts.TextFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		l, err := texts.ParseCatalog(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]string(l)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Errorf("%s is not in canonical form (sorted keys, two-space indent, no escapes); re-encode it", name)
		}
	}
}

// TestVerbsOf checks the verb comparison itself can tell formats apart.
func TestVerbsOf(t *testing.T) {
	if !slices.Equal(verbsOf("%[2]s from %[1]d"), verbsOf("%d %s")) {
		t.Error("reordered indexes should agree")
	}
	for _, pair := range [][2]string{{"%d", "%s"}, {"%s %s", "%s"}, {"%[2]s", "%s"}, {"95%% %d", "95%%"}} {
		if slices.Equal(verbsOf(pair[0]), verbsOf(pair[1])) {
			t.Errorf("%q and %q should differ", pair[0], pair[1])
		}
	}
	if got := verbsOf("95 % limits, 100%"); len(got) != 0 {
		t.Errorf("plain percent signs read as verbs: %v", got)
	}
}

// TestParseCatalog checks a malformed catalog is refused with its reason,
// and that loading one panics naming the file.
func TestParseCatalog(t *testing.T) {
	if l, err := texts.ParseCatalog([]byte(`{"a.b": "x", "c": "日本"}`)); err != nil || l["c"] != "日本" || len(l) != 2 {
		t.Fatalf("a good catalog: %v %v", l, err)
	}
	for in, want := range map[string]string{
		``:                     "not JSON",
		`[]`:                   "want one JSON object",
		`{"a": "x", "a": "y"}`: `key "a" is given twice`,
		`{"a": 1}`:             `key "a": want a string`,
		`{"a": {"b": "c"}}`:    "nested values are not allowed",
		`{"a": ""}`:            `key "a" has an empty text`,
		`{"": "x"}`:            "empty key",
		`{"a": "x"} {}`:        "more data after the object",
		`{"a": "x", "b": "y"`:  "after 2 keys",
		`{"a": "x" "b": "y"}`:  "",
	} {
		_, err := texts.ParseCatalog([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseCatalog(%q) = %v, want an error with %q", in, err, want)
		}
	}
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "missing.json") {
			t.Errorf("loading a missing catalog: recovered %v, want a panic naming the file", r)
		}
	}()
	texts.MustLoadCatalog("missing.json")
}

// TestPageChineseBuiltinNames renders the zh-CN fixture and checks that the
// built-in names the result tables store as codes (the default segment,
// the default model's groups and indicators, normalization and weight
// methods, ticket categories, reconciliation checks) show translated, not
// as the English code, in the page's cells and sentences.
func TestPageChineseBuiltinNames(t *testing.T) {
	db := reportstest.OpenFixtureDB(t)
	opt := reportstest.TestOptions
	opt.Language = "zh-CN"
	page, err := os.ReadFile(reportstest.WriteFixture(t, db, opt).HTML)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"default", "economic", "loyalty", "maintenance_fees", "proactive_communication",
		"percentile", "zscore", "thresholds", "config", "entropy", "fault", "complaint", "billing_vs_ledger"} {
		cell := regexp.MustCompile(`>\s*` + regexp.QuoteMeta(code) + `\s*<`)
		if cell.Match(page) {
			t.Errorf("the zh-CN page shows the built-in code %q untranslated", code)
		}
	}
	for _, want := range []string{"默认", "经济价值", "维保费用", "百分位", "熵权法", "配置权重", "故障", "投诉", "开票与台账", "敏感性：经济价值 权重变动"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the zh-CN page lacks %q", want)
		}
	}
}

// TestStoredReasons checks each reject reason the catalogs translate is
// one pipeline/check.go really stores, and that both languages have it.
func TestStoredReasons(t *testing.T) {
	src, err := os.ReadFile("../../pipeline/check.go")
	if err != nil {
		t.Fatal(err)
	}
	for reason, key := range texts.StoredReasons {
		// check.go writes "cannot read as " + describeType's "a number".
		if !bytes.Contains(src, []byte(reason)) && !bytes.Contains(src, []byte(strings.TrimPrefix(reason, "cannot read as "))) {
			t.Errorf("pipeline/check.go no longer stores %q", reason)
		}
		if texts.LabelsEN.StoredReason(reason) != reason {
			t.Errorf("en shows %q as %q", reason, texts.LabelsEN.StoredReason(reason))
		}
		if zh := texts.LabelsZH.StoredReason(reason); zh == reason || !cjk.MatchString(zh) {
			t.Errorf("zh-CN shows %q as %q (key %s)", reason, zh, key)
		}
	}
	if got := texts.LabelsZH.StoredReason("some reason nobody knows"); got != "some reason nobody knows" {
		t.Errorf("an unknown reason shows as %q, want it as stored", got)
	}
}
