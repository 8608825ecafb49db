// Package model is the reference implementation of the customer value
// index's arithmetic, in plain Go with no database: how a raw indicator value
// becomes a number in [0,1] (normalizers), how indicator and group weights are
// derived (entropy weight method, AHP, their combination), how strongly the
// index ranks with value-added profit (Spearman), and how a score change
// splits into input, population and config parts (Decompose).
//
// The pipeline computes the same things in SQL at scale (queries/score.sql).
// This package exists to cross-check that SQL, to explain a single score, and
// to derive weights; every function is pure, deterministic and independent of
// the order of its input rows.
//
// Conventions shared by all functions:
//
//   - A population is the raw values of all customers with data for one
//     indicator. NaN means "no data" and is skipped, as NULL is in SQL.
//   - Normalized values and weights are float64 in [0,1]; contributions in
//     points (0..100) are 100·weight·normalized and are the caller's business.
//   - Direction (lower is better) is applied by the caller, as 1 − v, except
//     for Thresholds, whose grid states the points directly; see Directed.
package model
