package queries

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.sql
var files embed.FS

var statements = mustParse()

// Get returns the named statement; it panics on an unknown name, since names
// are compile-time constants of the caller and a typo is a programming error.
func Get(name string) string {
	s, ok := statements[name]
	if !ok {
		panic("queries: no statement named " + name)
	}
	return s
}

// Names lists every statement name, sorted.
func Names() []string {
	out := make([]string, 0, len(statements))
	for n := range statements {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func mustParse() map[string]string {
	out, err := parse(files)
	if err != nil {
		panic(err)
	}
	return out
}

func parse(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	paths, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("queries: list: %w", err)
	}
	for _, p := range paths {
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("queries: read %s: %w", p, err)
		}
		name := ""
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("queries: %s: statement %q defined twice", p, name)
			}
			out[name] = strings.TrimSpace(body.String())
			body.Reset()
			return nil
		}
		for i, line := range strings.Split(string(raw), "\n") {
			if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(n)
				continue
			}
			if name == "" && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "--") {
				return nil, fmt.Errorf("queries: %s:%d: SQL before the first -- name: line", p, i+1)
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
