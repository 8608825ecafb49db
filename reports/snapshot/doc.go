// Package snapshot is the one read of a run's result tables that every
// report renders from: the table definitions (columns, kinds, order), the
// report data loaded in one transaction (tiers, scores, hot-spots, queue,
// receivables, rejects, sources, the previous run), the recipient's filter
// and its scope, and the Options and Output of a report. It changes when a
// result table or what a report reads from it changes.
package snapshot
