// Package email composes a recipient's message: the subject with the
// headline, the HTML part kept under the size mail clients clip at, the
// plain-text part, and the PNG charts drawn with a CJK-capable font. It
// composes only; delivery sends.
package email
