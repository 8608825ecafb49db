package texts

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The text catalogs: every fixed text a report shows, one file per language
// (en.json, zh-CN.json), each one flat JSON object key → text,
// keys sorted. They are embedded in the binary and read once when the
// package is initialised, before any init function runs, so an init may
// still add keys to labelsEN and labelsZH. A malformed file panics at start
// with its name and the reason; TestCatalogs checks that both files define
// the same keys, that the printf verbs and {placeholders} agree, and that
// the zh-CN text is translated.
//
//go:embed *.json
var TextFiles embed.FS

var (
	LabelsEN = MustLoadCatalog("en.json")
	LabelsZH = MustLoadCatalog("zh-CN.json")
)

func MustLoadCatalog(name string) Labels {
	data, err := TextFiles.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("reports: text catalog %s: %v", name, err))
	}
	l, err := ParseCatalog(data)
	if err != nil {
		panic(fmt.Sprintf("reports: text catalog %s: %v", name, err))
	}
	return l
}

// parseCatalog reads one flat JSON object of strings. Unlike json.Unmarshal
// it refuses a key given twice (a merge gone wrong would otherwise keep the
// last one silently), a value that is not a string, an empty key or value,
// and anything after the object.
func ParseCatalog(data []byte) (Labels, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("want one JSON object of key → text, found %v", tok)
	}
	l := Labels{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("after %d keys: %w", len(l), err)
		}
		key := tok.(string) // json.Decoder only yields strings as object keys
		if key == "" {
			return nil, fmt.Errorf("empty key after %d keys", len(l))
		}
		if _, dup := l[key]; dup {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		val, ok := tok.(string)
		if !ok {
			if d, isDelim := tok.(json.Delim); isDelim {
				return nil, fmt.Errorf("key %q: want a string, found %v (nested values are not allowed)", key, d)
			}
			return nil, fmt.Errorf("key %q: want a string, found %v", key, tok)
		}
		if val == "" {
			return nil, fmt.Errorf("key %q has an empty text", key)
		}
		l[key] = val
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("after %d keys: %w", len(l), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("more data after the object")
	}
	return l, nil
}
