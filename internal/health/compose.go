package health

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // times in messages are Europe/Oslo, whatever the host has

	"postvakt/internal/calendar"
	"postvakt/internal/channel"
	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// AlertNotice is one alert transition as a notice tells it: the alert, and
// for a firing one the first of its letters.
type AlertNotice struct {
	Alert      store.Alert
	Transition string // store.TransitionFiring or store.TransitionResolved
	Seq        int    // its seq-th notification to the destination (2 and up: a repeat)
	Letters    []store.IncidentRow
}

var oslo = calendar.Oslo

func when(t time.Time) string { return t.In(oslo).Format("2006-01-02 15:04 MST") }

// Subject is a notice's e-mail subject: the rule, what fires or resolves,
// and how many letters the firing alerts hold (nothing of letters when
// they are about none: certificate_expiring). A total that holds the
// last count of an alert kept firing without its condition (Kept) says
// as of when: the oldest such count's time ("6 letters as of 2026-11-16
// 09:50 CET"); a total of counts of the last evaluation says no time. It
// is English whatever the body's languages ("[postvakt] FIRING rule:
// ..."), one form for mail filters and on-call tools, as Alertmanager's;
// the body says the same in each of its languages (mail.alert.kept).
func Subject(rule string, ns []AlertNotice) string {
	firing, resolved, letters := 0, 0, 0
	firingLetters := false // a firing alert is about letters
	var asOf *time.Time    // the oldest kept count in letters
	for _, n := range ns {
		if n.Transition == store.TransitionFiring {
			firing++
			letters += n.Alert.Affected
			firingLetters = firingLetters || countsLetters(n.Alert)
			if held, ok := Kept(n.Alert); ok && !n.Alert.Selector.NoLetters && (asOf == nil || held.Before(*asOf)) {
				asOf = &held
			}
		} else {
			resolved++
		}
	}
	l := i18n.For("en", nil)
	lettersText := func() string {
		t := l.T("mail.alert.letters", "Count", letters)
		if asOf != nil {
			t = l.T("mail.alert.letters_as_of", "Letters", t, "At", when(*asOf))
		}
		return t
	}
	switch {
	case firing == 0:
		return l.T("mail.alert.subject_resolved", "Rule", rule, "Alerts", l.T("mail.alert.alerts", "Count", resolved))
	case !firingLetters && resolved == 0:
		return l.T("mail.alert.subject_firing_no_letters", "Rule", rule, "Alerts", l.T("mail.alert.alerts", "Count", firing))
	case !firingLetters:
		return l.T("mail.alert.subject_mixed_no_letters", "Rule", rule, "Alerts", l.T("mail.alert.alerts", "Count", firing),
			"Resolved", i18n.Number(resolved))
	case resolved == 0:
		return l.T("mail.alert.subject_firing", "Rule", rule, "Alerts", l.T("mail.alert.alerts", "Count", firing),
			"Letters", lettersText())
	}
	return l.T("mail.alert.subject_mixed", "Rule", rule, "Alerts", l.T("mail.alert.alerts", "Count", firing),
		"Letters", lettersText(), "Resolved", i18n.Number(resolved))
}

// Languages are the languages of a notice's e-mail: those of the countries
// of its alerts' sending organisations (or, for an alert about a channel,
// the channel's country; for one about a receiving organisation, as
// never_opening_org's, that organisation's: a CVR number is Danish, an
// organisation number Norwegian; for print_provider_silent's, Norway's),
// then English (keys mail.alert.*).
func Languages(ns []AlertNotice) []string {
	var countries []string
	for _, n := range ns {
		if org := n.Alert.Labels["sender"]; org != "" {
			countries = append(countries, model.OrgCountry(org))
		} else if spec, ok := channel.Lookup(n.Alert.Labels["channel"]); ok {
			countries = append(countries, spec.Country)
		} else if org := n.Alert.Labels["org"]; org != "" {
			countries = append(countries, model.OrgCountry(org))
		} else if n.Alert.Rule == policy.RulePrintSilent {
			// The print fallback prints for Norwegian organisations only
			// (a Danish CVR goes to manual handling): Norwegian.
			countries = append(countries, "NO")
		}
	}
	return i18n.MailLanguages(countries...)
}

// Body is a notice's e-mail text, in each of Languages(ns): per alert its
// status, labels, since when, the summary and, for a firing one, its
// letters by reference, sent time and state (for one kept firing without
// its condition, Kept: that its count and summary are as of when it last
// held, and its page's link instead of letters); the footer says where the
// letters are listed, or, when no alert is about letters, that none is.
// It never shows a title (the rows have none), a recipient, or a letter's
// sending unit (see below); an alert's own unit is named by its id
// (outward), never by its name.
func Body(rule string, ns []AlertNotice, baseURL string, now time.Time) string {
	return i18n.NewMail(Languages(ns)).Body(func(l *i18n.Localizer, w func(string)) {
		sev := ""
		if len(ns) > 0 {
			sev = " (" + code(l, "severity.", ns[0].Alert.Severity) + ")"
		}
		w(l.T("mail.alert.heading", "Rule", rule, "Severity", sev, "At", when(now)))
		for _, n := range ns {
			a := outward(l, n.Alert) // the unit by its id, never its name
			w("")
			if n.Transition == store.TransitionResolved {
				resolved := now
				if a.ResolvedAt != nil {
					resolved = *a.ResolvedAt
				}
				w(l.T("mail.alert.resolved", "Labels", a.Labels.String()))
				w("  " + l.T("mail.alert.fired_resolved", "Start", when(a.StartedAt), "End", when(resolved)))
				w("  " + Why(l, a))
				continue
			}
			w(l.T("mail.alert.firing", "Labels", a.Labels.String()))
			repeat := ""
			if n.Seq > 1 {
				repeat = " " + l.T("mail.alert.repeat", "Seq", n.Seq)
			}
			if !countsLetters(a) {
				w("  " + l.T("mail.alert.since_no_letters", "At", when(a.StartedAt), "Repeat", repeat))
			} else {
				w("  " + l.T("mail.alert.since", "At", when(a.StartedAt), "Count", a.Affected, "Repeat", repeat))
			}
			w("  " + Why(l, a))
			if held, ok := Kept(a); ok {
				// Its count and reasons are as of when its condition last
				// held; the letters its selector finds now are not those
				// (its page lists them).
				w("  " + l.T("mail.alert.kept", "At", when(held)))
				if baseURL != "" && a.ID != 0 {
					w("  " + l.T("mail.alert.link", "URL", fmt.Sprintf("%s/alerts/%d", strings.TrimRight(baseURL, "/"), a.ID)))
				}
				continue
			}
			if len(n.Letters) == 0 {
				continue
			}
			// One letter is "Letter (…):", unless more than those listed
			// are affected ("... and 5 more" below).
			w("  " + l.T("mail.alert.letters_heading", "Count", max(a.Affected, len(n.Letters))))
			for _, lt := range n.Letters {
				// No sending unit: next to a receiving organisation (the
				// never-opening rule's) it would say who got letters from,
				// say, the child welfare service. The alert's page has it.
				w(fmt.Sprintf("    %s; %s; %s", channel.Ref(lt.Channel, lt.ChannelID, l.Lang()), when(lt.SentAt),
					code(l, "state.", string(lt.State))))
			}
			if more := a.Affected - len(n.Letters); more > 0 {
				w("    " + l.T("mail.alert.more", "Count", more))
			}
			if baseURL != "" && a.ID != 0 {
				w("  " + l.T("mail.alert.link", "URL", fmt.Sprintf("%s/alerts/%d", strings.TrimRight(baseURL, "/"), a.ID)))
			}
		}
		w("")
		if aboutLetters(ns) {
			w(l.T("mail.alert.footer"))
		} else {
			w(l.T("mail.alert.footer_no_letters"))
		}
	})
}

// countsLetters reports whether a's count of letters says something: not
// for an alert about no letters (certificate_expiring), nor for one that
// counts none (channel_silent raised because the channel's calls fail:
// postvakt could not ask about its letters), whose "0 letters" would read
// as "nothing was sent"; its reasons say what failed.
func countsLetters(a store.Alert) bool { return !a.Selector.NoLetters && a.Affected > 0 }

// aboutLetters reports whether any of ns is about letters: its footer then
// says where the letters are listed; a mail only about alerts of no letters
// (certificate_expiring) says so instead.
func aboutLetters(ns []AlertNotice) bool {
	for _, n := range ns {
		if !n.Alert.Selector.NoLetters {
			return true
		}
	}
	return false
}

// Why is why an alert fires in l's language: its reasons (keys
// mail.alert.why.*), or its English summary for an alert fired before
// they were kept.
func Why(l *i18n.Localizer, a store.Alert) string {
	if len(a.Why) == 0 {
		return a.Summary
	}
	parts := make([]string, 0, len(a.Why))
	for _, r := range a.Why {
		if !l.Has(r.Key) {
			return a.Summary
		}
		var args []any
		for k, v := range r.Args {
			var a any = v
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && countArgs[k] {
				a = i18n.Number(n) // kept as text: "1307" is written "1 307" in nb
			}
			args = append(args, k, a)
		}
		for k, secs := range r.Durations {
			args = append(args, k, l.Duration(time.Duration(secs)*time.Second))
		}
		parts = append(parts, l.T(r.Key, args...))
	}
	return strings.Join(parts, "; ")
}

// countArgs are the arguments of the reasons (mail.alert.why.*) that are
// counts, which a text writes grouped (i18n.FormatInt); the others (an
// organisation number, a unit) are written as kept.
var countArgs = map[string]bool{"Count": true, "Errors": true, "Calls": true, "Bad": true, "Letters": true, "Reached": true, "Last": true, "Open": true}

// code is a code's text in l's language (a state, a severity), or the code
// itself where the catalogue has none.
func code(l *i18n.Localizer, prefix, c string) string {
	if l.Has(prefix + c) {
		return l.T(prefix + c)
	}
	return c
}

// amAlert is one alert in Alertmanager's webhook message.
type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// amMessage is Alertmanager's webhook message, version 4.
type amMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
}

// WebhookMessage is a notice as Alertmanager's webhook JSON (version 4):
// any receiver built for Alertmanager takes it as it is. Each alert has
// the labels alertname (the rule), severity and the alert's own as they
// leave postvakt (OutwardLabels: a unit by its id, unit_id; the
// fingerprint is of those labels), and the
// annotations summary, affected and affected_as_of (when affected was
// counted, RFC 3339 UTC: AffectedAsOf). The message's status is firing
// when one of its alerts fires, or groupFiring (another alert of the rule,
// its group, fires and is told): a receiver that closes an incident by the
// group key on "resolved" closes it only when the group's last alert
// resolves, as with Alertmanager.
func WebhookMessage(rule string, ns []AlertNotice, baseURL string, now time.Time, groupFiring bool) ([]byte, error) {
	base := strings.TrimRight(baseURL, "/")
	status := "resolved"
	if groupFiring {
		status = "firing" // another alert of the group still fires
	}
	m := amMessage{Version: "4", GroupKey: fmt.Sprintf("{}:{alertname=%q}", rule), Status: status, Receiver: "postvakt",
		GroupLabels: map[string]string{"alertname": rule}, CommonAnnotations: map[string]string{}, ExternalURL: base}
	en := i18n.For("en", nil)
	for i, n := range ns {
		a := outward(en, n.Alert) // the unit by its id, never its name
		labels := map[string]string{"alertname": rule, "severity": a.Severity}
		for k, v := range a.Labels {
			labels[k] = v
		}
		x := amAlert{Status: n.Transition, Labels: labels, StartsAt: a.StartedAt.UTC(),
			Annotations: map[string]string{"summary": a.Summary, "affected": strconv.Itoa(a.Affected)},
			Fingerprint: outwardFingerprint(n.Alert)}
		if at, ok := AffectedAsOf(a); ok {
			// When affected (and the summary) were counted: before this
			// message's time for an alert kept firing without its condition.
			x.Annotations["affected_as_of"] = at.UTC().Format(time.RFC3339)
		}
		if n.Transition == store.TransitionFiring {
			m.Status = "firing"
		} else {
			x.EndsAt = now.UTC()
			if a.ResolvedAt != nil {
				x.EndsAt = a.ResolvedAt.UTC()
			}
		}
		if base != "" && a.ID != 0 {
			x.GeneratorURL = fmt.Sprintf("%s/alerts/%d", base, a.ID)
		}
		if i == 0 {
			m.CommonLabels = map[string]string{}
			for k, v := range labels {
				m.CommonLabels[k] = v
			}
		} else {
			for k, v := range m.CommonLabels {
				if labels[k] != v {
					delete(m.CommonLabels, k)
				}
			}
		}
		m.Alerts = append(m.Alerts, x)
	}
	if m.CommonLabels == nil {
		m.CommonLabels = map[string]string{}
	}
	sort.SliceStable(m.Alerts, func(i, j int) bool { return m.Alerts[i].Fingerprint < m.Alerts[j].Fingerprint })
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode webhook message: %w", err)
	}
	return b, nil
}
