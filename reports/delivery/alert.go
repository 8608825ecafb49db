package delivery

import (
	"context"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/accordhq/accord/config"
)

// AlertOwner mails the job's owner a plain-text alert about the schedule
// itself (a missed, skipped or failed run). It does not go through the
// outbox: the scheduler raises each alert once, keyed by the job and
// scheduled time it records. Temporary failures are retried like deliveries.
func (d *Deliverer) AlertOwner(ctx context.Context, cfg *config.Config, job config.Job, subject, body string) error {
	if strings.TrimSpace(job.Owner) == "" {
		return fmt.Errorf("reports: alert for job %s: %w", job.Name, errNoOwner)
	}
	s, err := d.SmtpSettings(cfg)
	if err != nil {
		return err
	}
	var lastErr error
	for attempt := 0; attempt < d.maxAttempts(); attempt++ {
		if attempt > 0 {
			if err := d.sleep(ctx, d.Backoff(attempt)); err != nil {
				return err
			}
		}
		m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
		if err := m.From(s.from); err != nil {
			return fmt.Errorf("reports: alert from %q: %w", s.from, err)
		}
		if err := m.To(job.Owner); err != nil {
			return fmt.Errorf("reports: alert to %q: %w", job.Owner, err)
		}
		m.Subject(subject)
		m.SetDateWithValue(d.now())
		m.SetGenHeader(gomail.HeaderUserAgent, "Accord")
		m.SetGenHeader("Auto-Submitted", "auto-generated")
		m.SetBodyString(gomail.TypeTextPlain, body)
		lastErr = d.send(ctx, s, m)
		outcome := classify(m, lastErr)
		if outcome == outcomeSent {
			return nil
		}
		if outcome != outcomeTemporary {
			break // permanent, or sent with the answer lost: do not risk a duplicate
		}
	}
	return fmt.Errorf("reports: alert to %s: %w", job.Owner, lastErr)
}
