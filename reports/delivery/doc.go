// Package delivery sends the reports: per-recipient report folders (filtered
// where the recipient's filter says), the gates that hold a run back, the
// outbox keyed so a restart never sends twice, the journal and its lock,
// SMTP with retries and classification, and the owner's alert when a
// recipient could not be mailed. It changes when how reports reach people
// changes.
package delivery
