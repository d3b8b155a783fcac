// Package health watches the watchers: rules over what postvakt's store
// knows of every letter and every channel call catch the losses no channel
// reports — a channel gone silent, letters a provider holds without ever
// delivering them (Copenhagen, May 2020), a sending unit whose letters stop
// reaching the channel (Copenhagen, December 2019), a rejection spike, and
// receiving organisations that never open anything (Bergen) — and raise
// alerts the Alertmanager way: identified by rule and labels, sent once,
// repeated after an interval while they hold, resolved (and told so) when
// they clear, recorded in the database so that a restart or a second
// replica never sends one twice.
//
// An evaluation is: gather the facts (store queries over a bounded recent
// period), run the rules (pure functions of the facts and the clock: this
// file has what they share and Evaluate; each family of rules has its own
// file, rules_channel.go, rules_delivery.go, rules_rejection.go,
// rules_opening.go, rules_certificate.go, rules_print.go), inhibit what another alert explains, diff against the
// firing alerts, record, and notify (e-mail, Alertmanager webhook) through
// the notice log.
package health

import (
	"fmt"
	"slices"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Condition is an alert the rules say holds as of the facts' time.
type Condition struct {
	Rule      string
	Labels    store.Labels
	Severity  string
	Summary   string               // readable, without personal data (English: the webhook's)
	Why       []store.AlertReason  // the summary for people in their language (Why)
	Selector  store.IncidentFilter // the letters it is about
	Affected  int                  // how many, from the facts (the evaluation recounts through Selector)
	Inhibited bool                 // another firing alert explains it
	// Systems are the sender systems of the letters a sending unit's
	// condition is about (see Explained); nil when not known.
	Systems []string
}

// Facts is everything the rules read, as of Now.
type Facts struct {
	Now time.Time
	// Due holds per channel the stuck rule's learned delivery time T
	// (After), the channel's last status change and its statuses of a
	// letter scheduled for later (left out by the selectors as by the
	// facts).
	Due     map[string]store.ChannelDue
	Learned map[string]store.DeliveryTime
	// Lookback and Window are the stuck rule's: the unit facts were read
	// over them (unit_delivery_drop judges the same letters).
	Lookback, Window time.Duration
	// SilenceEnded is, per channel, its last channel_silent alert that
	// resolved; for Settle after that its letters are not judged, when the
	// channel reported a change since the alert began (settling).
	SilenceEnded map[string]store.Silence
	Settle       time.Duration
	Channels     []store.ChannelActivity // with the calls of the silent rule's calls window
	Units        []store.UnitFacts
	Systems      []store.SystemFacts // unit_delivery_drop per sender system
	Rejections   []store.RejectionFacts
	Orgs         []store.OrgFacts
	Certificates []Certificate // the channels' client certificates (certificate_expiring)
	// Firing holds the fingerprints of the alerts firing before this
	// evaluation (Evaluator.run sets it). A rule that cannot judge a
	// group now keeps its last verdict: unit_delivery_drop with no other
	// letters of the same time to compare with (at night), and the stuck
	// and unit_delivery_drop rules while their channel settles (which
	// starts no new alert, but resolves none either).
	Firing map[string]bool
	// Dropped is, per channel, how many of channel_silent's letters (sent
	// after the channel's last change) are of sending units or sender
	// systems whose unit_delivery_drop holds (Evaluate sets it): letters a
	// unit or system never handed over are its doing, not the channel's
	// silence, and ChannelSilent leaves them out.
	Dropped map[string]int
	// DroppedPending is Dropped over the lookback: of the letters sent
	// after the channel's last change and not delivered
	// (UnitFacts.PendingAfterChange), those of such units or systems.
	DroppedPending map[string]int
	// Print is the print provider and its open orders
	// (print_provider_silent); nil without a print provider.
	Print *PrintProvider
}

// pending are the states of a letter the channel has not delivered (yet);
// dropped the state of one it never heard of (unit_delivery_drop's letters:
// one it acknowledged and did not deliver is the stuck rule's).
var (
	pending = []model.State{model.StateRegistered, model.StateAccepted}
	dropped = []model.State{model.StateRegistered}
)

// just after: a selector's To is exclusive, the facts' bounds inclusive.
const tick = time.Microsecond

// sentBy is a selector's To for the letters at least age old as of now:
// every rule's facts count a letter exactly age old (sent_at <= now - age,
// as store.MinAgeBound for the lists), and a selector's To is exclusive.
func sentBy(now time.Time, age time.Duration) time.Time { return now.Add(-age + tick) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// summaryOf is a condition's summary: its reasons in English, with plain
// digits (the webhook's and the API's, i18n.English). The summary and the
// mails say the same, and what leaves postvakt says it again from the
// reasons with the unit named by its id (outward), replacing no text.
func summaryOf(why []store.AlertReason) string {
	return Why(i18n.English(), store.Alert{Why: why})
}

// reason is an AlertReason with its arguments as name, value pairs: a
// time.Duration is kept in seconds, anything else as its text.
func reason(key string, args ...any) store.AlertReason {
	r := store.AlertReason{Key: key}
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		switch v := args[i+1].(type) {
		case time.Duration:
			if r.Durations == nil {
				r.Durations = map[string]int64{}
			}
			r.Durations[name] = int64(v / time.Second)
		default:
			if r.Args == nil {
				r.Args = map[string]string{}
			}
			r.Args[name] = fmt.Sprint(v)
		}
	}
	return r
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

// english says d in an English summary as people say it ("6 hours"), not
// as Go writes it ("6h0m0s").
func english(d time.Duration) string { return i18n.English().Duration(d) }

// Evaluate runs every rule over the facts and marks what a sender system's
// drop explains (Explained) and what the inhibit rules mute, in the rules'
// order.
func Evaluate(cfg *policy.Health, f Facts) []Condition {
	var all []Condition
	drops := UnitDrop(cfg.UnitDrop, f)
	f.Dropped, f.DroppedPending = droppedOverdue(drops, f)
	all = append(all, ChannelSilent(cfg.ChannelSilent, f)...)
	all = append(all, Stuck(cfg.Stuck, f)...)
	all = append(all, drops...)
	all = append(all, RejectionSpike(cfg.Rejection, f)...)
	all = append(all, NeverOpening(cfg.NeverOpening, f)...)
	all = append(all, CertificateExpiring(cfg.Certificate, f)...)
	all = append(all, PrintProviderSilent(cfg.PrintSilent, f)...)
	return Inhibit(cfg.Inhibit, Explained(all))
}

// Inhibit marks each condition that a source condition of an inhibit rule,
// with the same Equal labels, explains (Alertmanager's inhibit_rules).
func Inhibit(rules []policy.Inhibit, conds []Condition) []Condition {
	out := slices.Clone(conds)
	for i := range out {
		for _, r := range rules {
			if !slices.Contains(r.Target, out[i].Rule) {
				continue
			}
			for _, src := range conds {
				if src.Rule == r.Source && sameLabels(src.Labels, out[i].Labels, r.Equal) {
					out[i].Inhibited = true
				}
			}
		}
	}
	return out
}

func sameLabels(a, b store.Labels, keys []string) bool {
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// firing reports whether the alert of rule and labels fired before this
// evaluation (Facts.Firing).
func (f Facts) firing(rule string, l store.Labels) bool {
	return f.Firing[store.Fingerprint(rule, l)]
}
