package web

import (
	"html"
	"html/template"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
)

// The evidence log's entries are recorded in English, and stay as recorded:
// the log is evidence, a court reads it as it was written. The timeline says
// an entry in the page's language where the entry is one of postvakt's own
// sentences: those are made by code from a fixed form, so the entry's kind
// and the form give back the parameters (numbers, ids, codes) the sentence
// was made of, and the catalogue says them again (evlog.*). A parameter that
// is free text (a register's or provider's error, a person's note) is
// quoted as recorded. An entry of no known form (a channel's error, a form
// of before or after) shows as recorded, so nothing is ever lost or
// guessed; the page shows the recorded wording beside every translated
// entry, and the JSON keeps only the record (its message).
//
// This reads the recorded sentences rather than storing catalogue keys with
// new events (as print_manual.why does for a manual case's detail): the
// entries are written in a dozen places, several of them SQL statements,
// and the entries already recorded — the ones a compliance officer reads
// today — are translated too, with no migration and no writer changed.

// evForm is one of postvakt's own sentences: the kinds of entry it is
// recorded for, its fixed form, and how it is said in a language (m: the
// form's submatches).
type evForm struct {
	kinds []string
	re    *regexp.Regexp
	say   func(l *i18n.Localizer, m []string) string
}

// code is a stored code's text in l's language (family prefix), or the code.
func code(l *i18n.Localizer, prefix, c string) string {
	if l.Has(prefix + c) {
		return l.T(prefix + c)
	}
	return c
}

// count is a number of the form for a plural.
func count(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// printState is a print order's state (store.PrintState*) in l's
// language, as the exports say it, or the state as recorded.
func printState(l *i18n.Localizer, state string) string { return code(l, "export.print_state.", state) }

// businessDays is "3 business days" in l's language.
func businessDays(l *i18n.Localizer, n string) string {
	return l.T("evlog.business_days", "Count", count(n))
}

// confirmedAt is when a reminder of unknown outcome was confirmed as sent,
// recorded in UTC ("2026-11-30 08:15 UTC", store's markSentSQL), on the
// pages' clock with its offset, as the timeline's other times: "2026-11-30
// 09:15 +01:00". One of another form is said as recorded.
func confirmedAt(s string) string {
	t, err := time.ParseInLocation("2006-01-02 15:04 UTC", s, time.UTC)
	if err != nil {
		return s
	}
	return t.In(zone).Format("2006-01-02 15:04 -07:00")
}

// fixed is a form with no parameters, said by key.
func fixed(key string) func(l *i18n.Localizer, m []string) string {
	return func(l *i18n.Localizer, _ []string) string { return l.T(key) }
}

// evForms are the sentences postvakt records, with the writers that make
// them (TestTimelineInPageLanguage reads a sample of each,
// TestTimelineWritersInPageLanguage what the writers record).
var evForms = []evForm{
	// store.markSentSQL and recordRemindersSQL.
	{[]string{store.EventReminder}, regexp.MustCompile(`^reminder (\d+) sent by e-mail to organisation (\S+) \(notification (\d+), (\d+) address\(es\)\)(?:; its outcome unknown, confirmed as sent on (.+))?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("evlog.reminder", "N", m[1], "Org", m[2], "ID", m[3], "Count", count(m[4]))
			if m[5] != "" {
				s += l.T("evlog.reminder_confirmed", "At", confirmedAt(m[5]))
			}
			return s
		}},
	{[]string{store.EventReminder}, regexp.MustCompile(`^reminder (\d+) sent through Altinn Notifications to organisation (\S+) \(notification (\d+), ordered by organisation number\)(?:; its outcome unknown, confirmed as sent on (.+))?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("evlog.reminder_notifications", "N", m[1], "Org", m[2], "ID", m[3])
			if m[4] != "" {
				s += l.T("evlog.reminder_confirmed", "At", confirmedAt(m[4]))
			}
			return s
		}},
	{[]string{store.EventNotice}, regexp.MustCompile(`^(\S+) notice sent by e-mail \(notification (\d+), (\d+) address\(es\)\)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.notice", "Kind", code(l, "evlog.notice_kind.", m[1]), "ID", m[2], "Count", count(m[3]))
		}},
	// escalate.Decide's reasons, the plain ones (a send window or an
	// unknown letter's reason shows as recorded).
	{[]string{store.EventDecision}, regexp.MustCompile(`^(?:reminder (\d+)|print) due: (\d+) business days? unopened(?:, (\d+) business days? since reminder (\d+))? \(policy (.+?)\)(; needs a compliance officer's approval)?$`),
		func(l *i18n.Localizer, m []string) string {
			var s string
			switch {
			case m[1] == "":
				s = l.T("evlog.decision_print", "Days", businessDays(l, m[2]), "Policy", m[5])
			case m[3] != "":
				s = l.T("evlog.decision_reminder_since", "N", m[1], "Days", businessDays(l, m[2]),
					"Since", businessDays(l, m[3]), "Last", m[4], "Policy", m[5])
			default:
				s = l.T("evlog.decision_reminder", "N", m[1], "Days", businessDays(l, m[2]), "Policy", m[5])
			}
			if m[6] != "" {
				s += l.T("evlog.needs_approval")
			}
			return s
		}},
	// escalate.Decide's reason for a letter the channel could not deliver.
	{[]string{store.EventDecision}, regexp.MustCompile(`^print due: the channel could not deliver the shipment \(policy (.+?)\)(; needs a compliance officer's approval)?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("evlog.decision_failed", "Policy", m[1])
			if m[2] != "" {
				s += l.T("evlog.needs_approval")
			}
			return s
		}},
	// escalate's catch-up print (a catch-up reminder's reason, which may
	// carry a send window, shows as recorded).
	{[]string{store.EventDecision}, regexp.MustCompile(`^catch-up print due: (\d+) business days? after (the catch-up reminder|the escalation first met it \(no reminder could go out\)) \(policy (.+?)\)(; needs a compliance officer's approval)?$`),
		func(l *i18n.Localizer, m []string) string {
			after := "evlog.catch_up_after_reminder"
			if m[2] != "the catch-up reminder" {
				after = "evlog.catch_up_after_first_met"
			}
			s := l.T("evlog.decision_catch_up_print", "Days", businessDays(l, m[1]), "After", l.T(after), "Policy", m[3])
			if m[4] != "" {
				s += l.T("evlog.needs_approval")
			}
			return s
		}},
	// store.applyFeed: Digital Post's log.
	{[]string{store.EventChannel, store.EventState}, regexp.MustCompile(`^log entry (\S+)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.log_entry", "ID", m[1]) }},
	{[]string{store.EventChannel}, regexp.MustCompile(`^the channel printed and posted the letter itself$`), fixed("evlog.channel_print")},
	{[]string{store.EventChannel}, regexp.MustCompile(`^the letter was recalled$`), fixed("evlog.recalled")},
	{[]string{store.EventChannel}, regexp.MustCompile(`^the channel delivered the letter into the recipient's own system$`), fixed("evlog.recipient_system")},
	{[]string{store.EventUnknown}, regexp.MustCompile(`^the channel has never heard of this shipment$`), fixed("evlog.unknown")},
	{[]string{store.EventKnownAgain}, regexp.MustCompile(`^the channel knows this shipment again$`), fixed("evlog.known_again")},
	{[]string{store.EventKnownAgain}, regexp.MustCompile(`^the channel's log knows this shipment again$`), fixed("evlog.known_again_log")},
	// store's print orders.
	{[]string{store.EventPrintDecided}, regexp.MustCompile(`^print order decided after the release of batch (\d+), its address looked up again \(policy (.+)\)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.print_decided_released", "Batch", m[1], "Policy", m[2])
		}},
	{[]string{store.EventPrintDecided}, regexp.MustCompile(`^print order decided \(policy (.+)\)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.print_decided", "Policy", m[1]) }},
	{[]string{store.EventPrintHeld}, regexp.MustCompile(`^print order held for approval in batch (\d+) \(policy (.+)\)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.print_held", "Batch", m[1], "Policy", m[2])
		}},
	{[]string{store.EventPrintReleased, store.EventPrintRejected}, regexp.MustCompile(`^print batch (\d+) (released|rejected) by (.+)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.print_batch_"+m[2], "Batch", m[1], "By", m[3])
		}},
	{[]string{store.EventPrintOrdered}, regexp.MustCompile(`^print order (\S+)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.print_order", "Order", m[1]) }},
	{[]string{store.EventPrintStatus}, regexp.MustCompile(`(?s)^print order (\S+): (\S+) → (\S+?)(?:: (.*))?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("evlog.print_status", "Order", m[1], "From", printState(l, m[2]), "To", printState(l, m[3]))
			if m[4] != "" {
				s += ": " + m[4]
			}
			return s
		}},
	{[]string{store.EventPrintSkipped}, regexp.MustCompile(`^no print: the shipment is (\S+) \(stage (\S+)\)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.no_print", "State", code(l, "state.", m[1]), "Stage", code(l, "stage.", m[2]))
		}},
	{[]string{store.EventPrintError}, regexp.MustCompile(`(?s)^address lookup failed, retried later: (.*)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.lookup_failed", "Detail", m[1]) }},
	{[]string{store.EventPrintError}, regexp.MustCompile(`(?s)^print order not placed, retried later: (.*)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.order_not_placed", "Detail", m[1]) }},
	{[]string{store.EventPrintError}, regexp.MustCompile(`(?s)^print order status unknown, asked again later: (.*)$`),
		func(l *i18n.Localizer, m []string) string { return l.T("evlog.order_status_unknown", "Detail", m[1]) }},
	// store.PrintPoll.CancelWhy: opened, or printed or closed by the channel.
	{[]string{store.EventPrintCancelled}, regexp.MustCompile(`^` + cancelWhyRE + `: order (\S+) cancelled$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.cancelled", "Why", l.T("evlog.cancel_why."+cancelWhy[m[1]]), "Order", m[2])
		}},
	{[]string{store.EventPrintCancelRefused}, regexp.MustCompile(`^` + cancelWhyRE + `: too late to cancel order (\S+) \((.*)\)$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.cancel_refused", "Why", l.T("evlog.cancel_why."+cancelWhy[m[1]]), "Order", m[2], "State", printState(l, m[3]))
		}},
	// store.resolveManualByChannel: a case the channel's word made needless.
	{[]string{store.EventManualResolved}, regexp.MustCompile(`^manual handling resolved: \S+: ` + manualByChannelRE + `$`),
		func(l *i18n.Localizer, m []string) string {
			return l.T("evlog.manual_channel." + manualByChannel[m[1]])
		}},
	// store.toManual: the detail of a case put into manual handling, said
	// as the manual-handling list says a case recorded before its phrases
	// were kept (printing.Detail: its fixed sentences in the page's
	// language, one made of a register's data as recorded). The evidence
	// page says a case with its phrases from them (evidenceData.EventText).
	{[]string{store.EventPrintManual}, regexp.MustCompile(`(?s)^(.+)$`),
		func(l *i18n.Localizer, m []string) string { return printing.Detail(l, nil, m[1]) }},
	// store.ResolveManual.
	{[]string{store.EventManualResolved}, regexp.MustCompile(`(?s)^manual handling resolved: (\S+?)(?:: (.*))?$`),
		func(l *i18n.Localizer, m []string) string {
			s := l.T("evlog.manual_resolved", "Resolution", code(l, "resolution.", m[1]))
			if m[2] != "" {
				s += ": " + m[2]
			}
			return s
		}},
	// store.RecordFollowUp and the incident's follow-ups.
	{[]string{store.EventFollowUp}, regexp.MustCompile(`^follow-up(?:: (\S+)(?: \((\S+)\))?| opened: (\S+))((?:; escalation (?:closed|reopened) \(stage \S+\))?)$`),
		func(l *i18n.Localizer, m []string) string {
			var s string
			switch {
			case m[3] != "":
				s = l.T("evlog.followup_opened", "Reason", code(l, "followup.reason.", m[3]))
			case m[2] != "":
				s = l.T("evlog.followup_reason", "Decision", code(l, "decision.", m[1]), "Reason", code(l, "followup.reason.", m[2]))
			default:
				s = l.T("evlog.followup", "Decision", code(l, "decision.", m[1]))
			}
			if c := escalationChange.FindStringSubmatch(m[4]); c != nil {
				s += l.T("evlog.escalation_"+c[1], "Stage", code(l, "stage.", c[2]))
			}
			return s
		}},
}

// escalationChange is what a follow-up did to the letter's escalation.
var escalationChange = regexp.MustCompile(`^; escalation (closed|reopened) \(stage (\S+)\)$`)

// eventText is an entry of the evidence log as the timeline says it in l's
// language: one of postvakt's own sentences said again from its parts, or
// the entry as recorded. An English page shows the record itself.
func eventText(l *i18n.Localizer, ev store.Event) string {
	if l.Lang() == "en" || ev.Message == "" {
		return ev.Message
	}
	for _, f := range evForms {
		if !slices.Contains(f.kinds, ev.Kind) {
			continue
		}
		if m := f.re.FindStringSubmatch(ev.Message); m != nil {
			return f.say(l, m)
		}
	}
	return ev.Message
}

// sourceName is who or what an evidence event's source is, in l's
// language, for people (a court clerk reads the report): a channel by the
// name the channel registry gives it (model.ChannelDisplay: "KS SvarUt"),
// postvakt's own sources (a postvakt user, the escalation, the print
// provider, ...) from the catalogue (evsource.*), an unknown code as
// itself. Machine-readable exports keep the code.
func sourceName(l *i18n.Localizer, source string) string {
	if slices.Contains(model.Channels(), source) {
		return model.ChannelDisplay(source)
	}
	return code(l, "evsource.", source)
}

// SourceName is an evidence event's source in the page's language
// (sourceName).
func (v view) SourceName(source string) string { return sourceName(v.L, source) }

// eventStatus is an evidence event's status column in l's language: a
// channel's own status as the channel wrote it (MEMO_AVAILABLE_TO_RECIPIENT,
// a code the channel's guidance names), postvakt's reason for putting a
// letter into manual handling (print_manual: the reason's text, reason.*,
// with the code the log keeps beside it), a print order's state (the
// exports' words, export.print_state.*, with the code beside). A Digital Post log event the
// public guidance names in Danish (dpLabels: "Tilgængelig for
// modtageren") is said by that name with its tag beside, in every
// language: the name is the one Ankestyrelsen and the guidance use, and
// the tag is what the log keeps.
func eventStatus(l *i18n.Localizer, ev store.Event) string {
	if ev.Kind == store.EventPrintManual && ev.RawStatus != "" && l.Has("reason."+ev.RawStatus) {
		return l.T("reason."+ev.RawStatus) + " (" + ev.RawStatus + ")"
	}
	if ev.Source == store.SourcePrint && slices.Contains(printStateKinds, ev.Kind) && ev.RawStatus != "" && l.Has("export.print_state."+ev.RawStatus) {
		return printState(l, ev.RawStatus) + " (" + ev.RawStatus + ")"
	}
	if ev.Kind == store.EventChannel && ev.Source == model.ChannelDigitalPost {
		if name, ok := dpLabels[ev.RawStatus]; ok {
			return name + " (" + ev.RawStatus + ")"
		}
	}
	return ev.RawStatus
}

// printStateKinds are the print events whose status is the print order's
// state (store.PrintState*), postvakt's code, not the provider's word.
var printStateKinds = []string{store.EventPrintOrdered, store.EventPrintStatus, store.EventPrintCancelled, store.EventPrintCancelRefused}

// EventStatus is an evidence event's status column in the page's language
// (eventStatus), a Digital Post log event's Danish name marked as Danish
// (Danish).
func (v view) EventStatus(ev store.Event) template.HTML {
	if ev.Kind == store.EventChannel && ev.Source == model.ChannelDigitalPost {
		if name, ok := dpLabels[ev.RawStatus]; ok {
			return v.Danish(name) + template.HTML(" ("+html.EscapeString(ev.RawStatus)+")")
		}
	}
	return template.HTML(html.EscapeString(eventStatus(v.L, ev)))
}

// cancelWhy maps store.PrintPoll.CancelWhy's sentences to their catalogue
// keys (evlog.cancel_why.*); cancelWhyRE matches any of them.
var cancelWhy = map[string]string{
	"opened after the print order":                                    "opened",
	"printed and posted by the channel itself after the print order":  "channel_print",
	"closed on the channel after the print order":                     "closed",
	"delivered into the recipient's own system after the print order": "recipient_system",
}

var cancelWhyRE = alternatives(cancelWhy)

// manualByChannel maps store.resolveManualByChannel's notes to their
// catalogue keys (evlog.manual_channel.*).
var manualByChannel = map[string]string{
	"the recipient opened the letter":                                  "opened",
	"the channel printed and posted the letter itself":                 "channel_print",
	"the letter was closed on the channel":                             "closed",
	"the channel delivered the letter into the recipient's own system": "recipient_system",
}

var manualByChannelRE = alternatives(manualByChannel)

// alternatives is a regular expression group matching any key of m.
func alternatives(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, regexp.QuoteMeta(k))
	}
	sort.Strings(keys)
	return "(" + strings.Join(keys, "|") + ")"
}
