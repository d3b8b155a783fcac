package health

import (
	"fmt"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Certificate is a channel's client certificate as its files hold it at
// the evaluation (channel.Certified): when it ends.
type Certificate struct {
	Channel  string
	NotAfter time.Time
}

// CertificateExpiring is the certificate_expiring rule: a channel's client
// certificate (Digital Post's OCES3) ends within Within, or has ended (the
// channel then refuses every call). It names the channel and when the
// certificate ends, nothing of its files; it is about no letters. A
// renewed certificate put in the files' place ends later: the alert
// resolves at the next evaluation.
func CertificateExpiring(cfg policy.CertificateRule, f Facts) []Condition {
	if !cfg.Enabled {
		return nil
	}
	var out []Condition
	for _, c := range f.Certificates {
		left := c.NotAfter.Sub(f.Now)
		if left > cfg.Within {
			continue
		}
		name := channel.Display(c.Channel)
		var summary string
		var why store.AlertReason
		if left <= 0 {
			summary = fmt.Sprintf("the client certificate of %s ended %s: the channel refuses every call until a renewed one is in place", name, when(c.NotAfter))
			why = reason("mail.alert.why.certificate_ended", "Channel", name, "End", when(c.NotAfter))
		} else {
			if left >= 48*time.Hour {
				left = left.Truncate(24 * time.Hour) // "in 19 days", not "in 461 hours"
			}
			summary = fmt.Sprintf("the client certificate of %s ends %s (in %s): renew it and put it in place of its files before then",
				name, when(c.NotAfter), english(left))
			why = reason("mail.alert.why.certificate_ends", "Channel", name, "End", when(c.NotAfter), "Left", left)
		}
		out = append(out, Condition{Rule: policy.RuleCertificate, Labels: store.Labels{"channel": c.Channel},
			Severity: cfg.Severity, Summary: summary, Why: []store.AlertReason{why},
			Selector: store.IncidentFilter{Channel: c.Channel, NoLetters: true}})
	}
	return out
}
