// Package texts holds every fixed text the reports show, in English and
// Chinese: the catalogs en.json and zh-CN.json, embedded and read once at
// start, and the lookups that translate built-in names and stored reasons
// at render time. It changes when a text or a language changes.
package texts
