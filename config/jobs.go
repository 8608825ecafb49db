package config

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Job is a scheduled run of the pipeline and a delivery of its reports.
type Job struct {
	Name string `yaml:"name"`
	// Schedule is a five-field cron spec ("0 7 * * 1": Mondays 07:00).
	Schedule string `yaml:"schedule"`
	// TimeZone is the IANA zone the schedule is read in (default: the
	// config's timezone).
	TimeZone string `yaml:"timezone"`
	// Timeout bounds one run of the job (default 1h).
	Timeout time.Duration `yaml:"timeout"`
	// CatchUp is how late a missed run may still start after downtime
	// (default 24h); only the latest missed run is caught up.
	CatchUp time.Duration `yaml:"catch_up"`
	// ResumeWithin is how old a succeeded run's interrupted delivery may be
	// for the scheduler to resume it when it starts (default 24h): its
	// queued recipients are sent, rows left sending become unknown and are
	// named to the owner. Older ones wait for `accord deliver --run N`.
	ResumeWithin time.Duration `yaml:"resume_within"`
	// DeliverWithin bounds the sending of one delivery, all recipients and
	// their retries together (default 30m). Recipients not sent by then stay
	// queued for `accord deliver --run N`, and the owner is told.
	DeliverWithin time.Duration `yaml:"deliver_within"`
	// Owner is alerted when the job fails, misses a run, or a gate stops it.
	Owner      string      `yaml:"owner"`
	Recipients []Recipient `yaml:"recipients"`
	Gates      Gates       `yaml:"gates"`
	// MaxEmailBytes caps an e-mail's size; attachments that do not fit are
	// left out and the body says so (default 10 MB).
	MaxEmailBytes int64 `yaml:"max_email_bytes"`
}

// Recipient is one or more addresses receiving a job's report.
type Recipient struct {
	// To holds addresses or names of groups.
	To       []string `yaml:"to"`
	Language string   `yaml:"language"` // en or zh-CN (default: reports.language)
	// Filter is a SQL condition over customers (e.g. account_owner =
	// 'li.wei@example.com'): the recipient sees only those customers' rows,
	// in the body and in every attachment.
	Filter string `yaml:"filter"`
}

// Gates are checks a run must pass before anything is sent to recipients.
type Gates struct {
	// InputsNotEmpty requires every configured source to load rows (default true).
	InputsNotEmpty *bool `yaml:"inputs_not_empty"`
	// MaxRejectRatio stops delivery when a source rejects more than this
	// share of its rows (default: the source's reject_threshold).
	MaxRejectRatio *float64 `yaml:"max_reject_ratio"`
	// Reconciliation requires the receivables reconciliation to pass.
	Reconciliation bool `yaml:"reconciliation"`
}

// SMTP is the outgoing mail server. User and password come only from the
// environment (ACCORD_SMTP_USER, ACCORD_SMTP_PASSWORD); ACCORD_SMTP_ADDR
// (host:port) overrides host and port.
type SMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	From string `yaml:"from"`
}

// DefaultJobTimeout bounds a job run when the config does not.
const DefaultJobTimeout = time.Hour

// DefaultDeliverWithin bounds a delivery when the job does not.
const DefaultDeliverWithin = 30 * time.Minute

// DefaultMaxEmailBytes is the default e-mail size cap.
const DefaultMaxEmailBytes = 10 << 20

func (c *Config) applyJobDefaults() {
	for i := range c.Jobs {
		j := &c.Jobs[i]
		if j.TimeZone == "" {
			j.TimeZone = c.TimeZone
		}
		if j.Timeout == 0 {
			j.Timeout = DefaultJobTimeout
		}
		if j.CatchUp == 0 {
			j.CatchUp = 24 * time.Hour
		}
		if j.ResumeWithin == 0 {
			j.ResumeWithin = 24 * time.Hour
		}
		if j.DeliverWithin == 0 {
			j.DeliverWithin = DefaultDeliverWithin
		}
		if j.MaxEmailBytes == 0 {
			j.MaxEmailBytes = DefaultMaxEmailBytes
		}
		for k := range j.Recipients {
			if j.Recipients[k].Language == "" {
				j.Recipients[k].Language = c.Reports.Language
			}
		}
	}
	if c.SMTP.Port == 0 {
		c.SMTP.Port = 587
	}
}

func (c *Config) validateJobs() []Problem {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for g, members := range c.Groups {
		for i, m := range members {
			if _, err := mail.ParseAddress(m); err != nil {
				add(fmt.Sprintf("groups.%s[%d]", g, i), "not an e-mail address: %q", m)
			}
		}
	}
	names := map[string]bool{}
	for i, j := range c.Jobs {
		f := fmt.Sprintf("jobs[%d]", i)
		if j.Name == "" {
			add(f+".name", "empty")
		} else if names[j.Name] {
			add(f+".name", "job %q defined twice", j.Name)
		}
		names[j.Name] = true
		if len(strings.Fields(j.Schedule)) != 5 {
			add(f+".schedule", "want five cron fields (minute hour day-of-month month day-of-week), got %q", j.Schedule)
		}
		if _, err := time.LoadLocation(j.TimeZone); err != nil {
			add(f+".timezone", "unknown IANA time zone %q", j.TimeZone)
		}
		if j.Timeout < 0 || j.CatchUp < 0 || j.ResumeWithin < 0 || j.DeliverWithin < 0 {
			add(f, "timeout, catch_up, resume_within and deliver_within must not be negative")
		}
		if j.Owner != "" {
			if _, err := mail.ParseAddress(j.Owner); err != nil {
				add(f+".owner", "not an e-mail address: %q", j.Owner)
			}
		}
		for k, r := range j.Recipients {
			rf := fmt.Sprintf("%s.recipients[%d]", f, k)
			if len(r.To) == 0 {
				add(rf+".to", "no addresses or groups")
			}
			for n, to := range r.To {
				if _, isGroup := c.Groups[to]; isGroup {
					continue
				}
				if _, err := mail.ParseAddress(to); err != nil {
					add(fmt.Sprintf("%s.to[%d]", rf, n), "neither an e-mail address nor a group: %q", to)
				}
			}
			if r.Language != "en" && r.Language != "zh-CN" {
				add(rf+".language", "must be en or zh-CN, got %q", r.Language)
			}
		}
		if g := j.Gates.MaxRejectRatio; g != nil && (*g < 0 || *g > 1) {
			add(f+".gates.max_reject_ratio", "must be between 0 and 1, got %v", *g)
		}
		if j.MaxEmailBytes < 0 {
			add(f+".max_email_bytes", "must not be negative")
		}
	}
	if len(c.Jobs) > 0 && c.SMTP.Host == "" {
		add("smtp.host", "jobs are configured but no SMTP host is (ACCORD_SMTP_ADDR can override it)")
	}
	if c.SMTP.From != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			add("smtp.from", "not an e-mail address: %q", c.SMTP.From)
		}
	}
	return ps
}

// Addresses expands a recipient's groups into addresses, in order, without repeats.
func (c *Config) Addresses(r Recipient) []string {
	seen := map[string]bool{}
	var out []string
	for _, to := range r.To {
		members, ok := c.Groups[to]
		if !ok {
			members = []string{to}
		}
		for _, m := range members {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}
