// Package brief says what changed since the previous run: the "This week"
// sentences (ranked by size of change, in the report's language), every
// KPI card with its change and tone, and the texts page and workbook share
// (title, top hot-spot, model summary, evidence and reconciliation lines).
// It changes when what a manager is told changes.
package brief
