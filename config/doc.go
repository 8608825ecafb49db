// Package config defines Accord's configuration: the sources that map a
// company's exports onto canonical tables, the value model, hot-spot and
// report settings. It loads YAML, applies defaults, and validates the whole
// file at once so an operator sees every problem in one pass.
//
// The canonical table schema lives here too, because it is the contract a
// config maps onto: validation needs it, and the pipeline loads into it.
package config
