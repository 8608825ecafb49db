package texts

import "fmt"

// labels is every fixed text a report shows, by key. Column headers use the
// key "col.<column name>". The texts live in texts/en.json and
// texts/zh-CN.json (texts.go loads them); both languages must define every
// key, and TestCatalogs checks that, so a missing translation fails the
// build, not a Monday report.
type Labels map[string]string

func (l Labels) Get(key string) string {
	if s, ok := l[key]; ok {
		return s
	}
	// Unreachable while TestLabelsComplete passes; show the key rather than
	// an empty header.
	return key
}

func (l Labels) Getf(key string, args ...any) string {
	return fmt.Sprintf(l.Get(key), args...)
}

func LabelsFor(language string) (Labels, error) {
	switch language {
	case "", "en":
		return LabelsEN, nil
	case "zh-CN":
		return LabelsZH, nil
	}
	return nil, fmt.Errorf("reports: unsupported language %q (want en or zh-CN)", language)
}

// lookup translates a data value through the label prefix+value, showing
// the value itself when there is no such label (a new quadrant, a custom
// direction): data is never hidden behind a missing translation.
func (l Labels) Lookup(prefix, value string) string {
	if s, ok := l[prefix+value]; ok {
		return s
	}
	return value
}

// storedReasons are the reject reasons the pipeline stores in English
// (pipeline/check.go) that the catalogs translate; any other reason is
// shown as stored.
var StoredReasons = map[string]string{
	"required value is empty":       "reason.required_empty",
	"cannot read as a number":       "reason.not_number",
	"cannot read as a whole number": "reason.not_whole_number",
}

// storedReason shows a stored reject reason in the report's language, or
// as stored when the catalogs do not know it.
func (l Labels) StoredReason(reason string) string {
	if key, ok := StoredReasons[reason]; ok {
		return l.Get(key)
	}
	return reason
}
