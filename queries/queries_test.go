package queries

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseSplitsNamedBlocks(t *testing.T) {
	fsys := fstest.MapFS{"a.sql": {Data: []byte("-- file comment\n-- name: One\nSELECT 1;\n\n-- name: Two\nSELECT 2;\nSELECT 3;\n")}}
	got, err := parse(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got["One"] != "SELECT 1;" || got["Two"] != "SELECT 2;\nSELECT 3;" {
		t.Fatalf("got %q", got)
	}
}

func TestParseRejectsDuplicatesAndOrphanSQL(t *testing.T) {
	for name, src := range map[string]string{
		"duplicate": "-- name: A\nSELECT 1;\n-- name: A\nSELECT 2;\n",
		"orphan":    "SELECT 1;\n-- name: A\nSELECT 2;\n",
	} {
		if _, err := parse(fstest.MapFS{"x.sql": {Data: []byte(src)}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEmbeddedStatementsAreNonEmpty(t *testing.T) {
	if len(Names()) == 0 {
		t.Fatal("no embedded statements")
	}
	for _, n := range Names() {
		if strings.TrimSpace(Get(n)) == "" {
			t.Errorf("statement %s is empty", n)
		}
	}
}
