package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/accordhq/accord/config"
)

// CheckMapping compiles every source's mapping against its first file's
// headers, without reading the data: each mapped header must exist, each
// derived expression and transform must bind, and a transform must give
// every required column. It returns every problem, each tied to the config
// field a user edits; a run would otherwise stop at the first one with a
// raw DuckDB binder error. An unreadable file is a problem of its source's
// files.
func CheckMapping(ctx context.Context, cfg *config.Config) ([]config.Problem, error) {
	s, err := openScratch(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.close()
	var problems []config.Problem
	if _, err := s.l.loadLookups(ctx); err != nil {
		// Transforms that join a lookup cannot compile without it.
		return append(problems, config.Problem{Field: "lookups", Reason: err.Error()}), nil
	}
	for _, name := range cfg.SourceNames() {
		src := cfg.Sources[name]
		field := "sources." + name
		paths, err := expandFiles(cfg.Resolve(cfg.InputsDir), src.Files)
		if err != nil {
			problems = append(problems, config.Problem{Field: field + ".files", Reason: err.Error()})
			continue
		}
		f, fingerprinted, err := s.l.prepare(name, src, paths[0], 0)
		if err == nil {
			err = fingerprinted()
		}
		var headers []string
		if err == nil {
			_, headers, err = s.l.exportFrom(ctx, src, f)
		}
		if err != nil {
			problems = append(problems, config.Problem{Field: field + ".files", Reason: fmt.Sprintf("%s: %v", paths[0], err)})
			continue
		}
		ps, err := s.compileSource(ctx, name, src, headers)
		if err != nil {
			return nil, fmt.Errorf("check mapping of %s: %w", name, err)
		}
		problems = append(problems, ps...)
	}
	return problems, nil
}

// compileSource binds one source's mapping over an empty table with the
// file's headers (all text, as staged) and the columns Accord adds.
func (s *scratch) compileSource(ctx context.Context, name string, src *config.Source, headers []string) ([]config.Problem, error) {
	table, _ := config.CanonicalTable(name)
	field := "sources." + name
	cols := []string{"__file VARCHAR", "__record BIGINT", "__line BIGINT"}
	for _, h := range headers {
		if !strings.HasPrefix(h, "__") {
			cols = append(cols, quoteIdent(h)+" VARCHAR")
		}
	}
	if err := s.l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE accord_headers (%s)", strings.Join(cols, ", "))); err != nil {
		return nil, err
	}
	var problems []config.Problem
	binds := func(q string) string {
		rows, err := s.conn.QueryContext(ctx, q)
		if err != nil {
			return binderMessage(err)
		}
		rows.Close()
		return ""
	}
	found := strings.Join(visibleHeaders(headers), ", ")
	outputs := headers
	if src.Transform != "" {
		if err := s.l.exec(ctx, "CREATE OR REPLACE TEMP VIEW export AS SELECT * FROM accord_headers"); err != nil {
			return nil, err
		}
		if msg := binds("SELECT * FROM (" + src.Transform + ") LIMIT 0"); msg != "" {
			return append(problems, config.Problem{Field: field + ".transform",
				Reason: fmt.Sprintf("does not compile over the export's headers (%s): %s", found, msg)}), nil
		}
		var err error
		if outputs, err = s.l.describe(ctx, "("+src.Transform+")"); err != nil {
			return nil, err
		}
		for _, c := range table.Columns {
			if c.Required && !src.Maps(c.Name) {
				if _, ok := matchHeader(outputs, c.Name); !ok {
					problems = append(problems, config.Problem{Field: field + ".transform",
						Reason: fmt.Sprintf("gives no column %s, which %s needs; its columns: %s", c.Name, name, strings.Join(visibleHeaders(outputs), ", "))})
				}
			}
		}
	}
	source, where := "accord_headers", "the file"
	if src.Transform != "" {
		source, where = "("+src.Transform+")", "the transform's output"
	}
	for _, c := range table.Columns {
		switch {
		case src.Constants[c.Name] != "":
		case src.Derived[c.Name] != "":
			if msg := binds(fmt.Sprintf("SELECT CAST((%s) AS VARCHAR) FROM %s LIMIT 0", src.Derived[c.Name], source)); msg != "" {
				problems = append(problems, config.Problem{Field: field + ".derived." + c.Name,
					Reason: fmt.Sprintf("does not compile over the columns %s: %s", strings.Join(visibleHeaders(outputs), ", "), msg)})
			}
		case src.Columns[c.Name] != "":
			want := src.Columns[c.Name]
			if _, ok := matchHeader(outputs, want); !ok {
				reason := fmt.Sprintf("header %q is not in %s; headers found: %s", want, where, strings.Join(visibleHeaders(outputs), ", "))
				if sug := closest(want, visibleHeaders(outputs)); sug != "" {
					reason += fmt.Sprintf("; did you mean %q?", sug)
				}
				problems = append(problems, config.Problem{Field: field + ".columns." + c.Name, Reason: reason})
			}
		}
	}
	slices.SortStableFunc(problems, func(a, b config.Problem) int { return strings.Compare(a.Field, b.Field) })
	return problems, nil
}

// binderMessage is DuckDB's error without its SQL excerpt ("LINE 1: …"),
// which quotes Accord's query rather than the user's expression.
func binderMessage(err error) string {
	msg := err.Error()
	var lines []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "LINE ") || strings.Trim(line, "^ ") == "" {
			continue
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return msg
	}
	return strings.Join(lines, " ")
}
