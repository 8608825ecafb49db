package reports

import "fmt"

// labels is every fixed text a report shows, by key. Column headers use the
// key "col.<column name>". The texts live in texts/en.json and
// texts/zh-CN.json (texts.go loads them); both languages must define every
// key, and TestCatalogs checks that, so a missing translation fails the
// build, not a Monday report.
type labels map[string]string

func (l labels) get(key string) string {
	if s, ok := l[key]; ok {
		return s
	}
	// Unreachable while TestLabelsComplete passes; show the key rather than
	// an empty header.
	return key
}

func (l labels) getf(key string, args ...any) string {
	return fmt.Sprintf(l.get(key), args...)
}

func labelsFor(language string) (labels, error) {
	switch language {
	case "", "en":
		return labelsEN, nil
	case "zh-CN":
		return labelsZH, nil
	}
	return nil, fmt.Errorf("reports: unsupported language %q (want en or zh-CN)", language)
}
