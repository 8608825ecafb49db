package reports

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLabelsComplete checks both languages define the same keys, and that
// every key the code asks for exists: literal keys found in the source, and
// the column headers built from the table definitions.
func TestLabelsComplete(t *testing.T) {
	en := slices.Sorted(maps.Keys(labelsEN))
	zh := slices.Sorted(maps.Keys(labelsZH))
	if !slices.Equal(en, zh) {
		for _, k := range en {
			if _, ok := labelsZH[k]; !ok {
				t.Errorf("zh-CN lacks %q", k)
			}
		}
		for _, k := range zh {
			if _, ok := labelsEN[k]; !ok {
				t.Errorf("en lacks %q", k)
			}
		}
	}

	used := map[string]bool{}
	for _, table := range resultTables {
		for _, c := range table.columns {
			used["col."+c.name] = true
		}
	}
	files, _ := filepath.Glob("*.go")
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
		if _, ok := labelsEN[k]; !ok {
			t.Errorf("label %q is used but not defined", k)
		}
	}
}
