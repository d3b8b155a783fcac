package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// NoticeStore is what notifying needs of the store.
type NoticeStore interface {
	Alerts(ctx context.Context, resolvedSince time.Time, limit int) ([]store.Alert, error)
	AlertNoticeStates(ctx context.Context, alertIDs []int64) ([]store.AlertNoticeState, error)
	ClaimAlertNotice(ctx context.Context, c store.AlertNoticeClaim) (*store.ClaimedAlertNotice, error)
	MarkAlertNoticeSent(ctx context.Context, id int64, payload []byte, now time.Time) error
	MarkAlertNoticeFailed(ctx context.Context, id int64, cause string, payload []byte, now time.Time) error
	MarkAlertNoticeUnknown(ctx context.Context, id int64, cause string, payload []byte, now time.Time) error
	ExpirePendingAlertNotices(ctx context.Context, now time.Time, lease time.Duration) ([]store.ExpiredAlertNotice, error)
	IncidentLetters(ctx context.Context, f store.IncidentFilter, limit int) ([]store.IncidentRow, error)
	UnitManager(ctx context.Context, senderOrg, unit string) (string, error)
	UserEmails(ctx context.Context, role, senderOrg, unit string) ([]string, error)
}

// Destinations: "email:<address>" for each address, "webhook" for the
// webhook.
const (
	destEmail   = "email:"
	DestWebhook = "webhook"
)

// Notifier tells alerts to their destinations exactly once through the
// notice log: per destination and rule, one message per evaluation holding
// every alert that fires, repeats or resolves there (like an Alertmanager
// group).
type Notifier struct {
	Store NoticeStore
	// Mail sends e-mail (*remind.SMTP); nil: e-mail is off.
	Mail remind.Sender
	From string
	// Emails get every alert (POSTVAKT_ALERT_EMAIL); a rule's to: adds more.
	Emails []string
	// Webhook gets every alert (POSTVAKT_ALERT_WEBHOOK_URL); nil: off.
	Webhook *Webhook
	// BaseURL is postvakt's own address, for links in messages; optional.
	BaseURL string
	// Lease is how long a claimed notice may take before a later evaluation
	// declares its outcome unknown; default 10 minutes.
	Lease time.Duration
	// MaxLetters bounds the letters an e-mail lists per alert; default 200.
	MaxLetters int
	Logger     *slog.Logger
	// Outcomes counts each notice's outcome (NoticeOutcomes); nil: none.
	Outcomes *prometheus.CounterVec
}

// NotifyResult counts what notifying did; Planned lists every notice (a
// dry run's: what would be sent).
type NotifyResult struct {
	Sent, Failed, Unknown int
	Planned               []Planned
	// Undelivered names the failed notices by rule, notice id and kind of
	// destination ("stuck alert notice 12 to the webhook"): references
	// only, never an address or a label.
	Undelivered []string
	// Unresolved names, the same way, the notices whose outcome is
	// unknown: this evaluation's, and an earlier one's that stopped while
	// sending (its lease ran out). They are never sent again.
	Unresolved []string
	// Unaddressed names the alerts due to be told on a route that reaches
	// no one, by rule and alert id and the route, with why: "stuck alert 7
	// to unit_manager (no e-mail address)", "stuck alert 7 by e-mail (no
	// SMTP relay)", "stuck alert 7 (no recipient address)" (routes).
	Unaddressed []string
}

// NotSent names, by reference only (rules, notice and alert ids, kinds of
// destination; never an address or a label), what this evaluation did not
// tell or does not know to have told: the failed notices (the next
// evaluation sends them again), the unknown outcomes (never sent again)
// and the alerts whose route reaches no one. A run from cron with any of
// them must not look fine.
func (r NotifyResult) NotSent() []string {
	refs := append([]string(nil), r.Undelivered...)
	for _, ref := range r.Unresolved {
		refs = append(refs, ref+" (outcome unknown)")
	}
	return append(refs, r.Unaddressed...)
}

// Planned is one notice: where, which rule, its subject and alerts.
type Planned struct {
	Destination string
	Rule        string
	Subject     string
	Items       []store.AlertNoticeItem
	Status      string // sent, failed, unknown, or "" (dry run, or nothing left to send)
	Notice      int64  // its id in the notice log; 0 when nothing was claimed
	// groupFiring: an alert of the rule fires and is told (WebhookMessage).
	groupFiring bool
}

// Destinations lists where an alert of a rule goes: the global addresses,
// the rule's own, the addresses of the roles it names (roles: the
// addresses of unit_manager and compliance for this alert), and the
// webhook. Addresses are lower-cased and listed once.
func Destinations(rule *policy.Rule, emails []string, roles map[string][]string, webhook bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(addr string) {
		addr = strings.ToLower(strings.TrimSpace(addr))
		if addr != "" && !seen[addr] {
			seen[addr] = true
			out = append(out, destEmail+addr)
		}
	}
	for _, e := range emails {
		add(e)
	}
	for _, t := range rule.To {
		if rs, ok := roles[t]; ok {
			for _, r := range rs {
				add(r)
			}
		} else if strings.Contains(t, "@") {
			add(t)
		}
	}
	sort.Strings(out)
	if webhook {
		out = append(out, DestWebhook)
	}
	return out
}

type groupKey struct{ dest, rule string }

type planItem struct {
	alert *store.Alert
	d     Decision
}

// Notify tells every alert that needs it (NeedsUpdate) to each of its
// destinations, as of now. res carries the evaluation's alerts (a dry run
// plans from them alone). A destination that fails does not hold back the
// others; the error return is for the store.
func (n *Notifier) Notify(ctx context.Context, cfg *policy.Health, res Result, now time.Time, dry bool) (NotifyResult, error) {
	var out NotifyResult
	alerts := append(append([]store.Alert(nil), res.Firing...), res.Resolved...)
	if !dry {
		expired, err := n.Store.ExpirePendingAlertNotices(ctx, now, n.lease())
		if err != nil {
			return out, err
		}
		for _, x := range expired {
			n.logger().Error("an alert notice claimed by an earlier evaluation has no recorded outcome (crash?): not sent again",
				"notice", x.ID, "rule", x.Rule)
			out.Unresolved = append(out.Unresolved, noticeRef(x.Rule, x.ID, x.Destination))
		}
		// Every firing alert, and those resolved lately whose resolution
		// may still be due (a failed one is sent again).
		if alerts, err = n.Store.Alerts(ctx, now.Add(-30*24*time.Hour), 100000); err != nil {
			return out, err
		}
	}
	ids := make([]int64, 0, len(alerts))
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	states, err := n.Store.AlertNoticeStates(ctx, ids)
	if err != nil {
		return out, err
	}
	type lastKey struct {
		dest string
		id   int64
	}
	last := map[lastKey]*store.AlertNoticeState{}
	for i := range states {
		last[lastKey{states[i].Destination, states[i].AlertID}] = &states[i]
	}
	plan := map[groupKey][]planItem{}
	roles := map[string][]string{} // by role and alert's sender (and unit), looked up once
	lookup := func(role string, a *store.Alert) ([]string, error) {
		k := role + "\x00" + a.Labels["sender"] + "\x00" + a.Labels["unit"]
		if v, ok := roles[k]; ok {
			return v, nil
		}
		var v []string
		switch role {
		case policy.ToUnitManager:
			if a.Labels["unit"] != "" {
				m, err := n.Store.UnitManager(ctx, a.Labels["sender"], a.Labels["unit"])
				if err != nil {
					return nil, err
				}
				v = []string{m}
			}
		case policy.ToCompliance:
			var err error
			if v, err = n.Store.UserEmails(ctx, "compliance", a.Labels["sender"], ""); err != nil {
				return nil, err
			}
		}
		roles[k] = v
		return v, nil
	}
	for i := range alerts {
		a := &alerts[i]
		rule := cfg.Common(a.Rule)
		if rule == nil {
			continue
		}
		named := map[string][]string{}
		for _, t := range rule.To {
			if t == policy.ToUnitManager || t == policy.ToCompliance {
				if named[t], err = lookup(t, a); err != nil {
					return out, err
				}
			}
		}
		dests, unreached := n.routes(rule, a, named, now)
		if !dry {
			for _, u := range unreached {
				out.Unaddressed = append(out.Unaddressed, u.ref)
				n.count(u.dest, OutcomeNoRecipient)
			}
		}
		for _, dest := range dests {
			d := NeedsUpdate(*a, last[lastKey{dest, a.ID}], rule.RepeatInterval, now)
			if d.Send {
				g := groupKey{dest, a.Rule}
				plan[g] = append(plan[g], planItem{a, d})
			}
		}
	}
	keys := make([]groupKey, 0, len(plan))
	for k := range plan {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].rule != keys[j].rule {
			return keys[i].rule < keys[j].rule
		}
		return keys[i].dest < keys[j].dest
	})
	// The rules with an alert firing and told (not muted): a webhook
	// message of such a rule says the group fires, as Alertmanager's does
	// while any alert of the group fires, though it holds only the alerts
	// that changed (a resolution beside another alert still firing).
	groupFiring := map[string]bool{}
	for _, a := range alerts {
		if a.Status == store.AlertFiring && !a.Inhibited {
			groupFiring[a.Rule] = true
		}
	}
	for _, k := range keys {
		if jobs.Draining(ctx) {
			break // a stop: nothing new is claimed; the next evaluation tells the rest
		}
		p, err := n.deliver(ctx, k, plan[k], now, dry, groupFiring[k.rule])
		if err != nil {
			return out, err
		}
		switch p.Status {
		case store.AlertNoticeSent:
			out.Sent++
		case store.AlertNoticeFailed:
			out.Failed++
			out.Undelivered = append(out.Undelivered, p.reference())
		case store.AlertNoticeUnknown:
			out.Unknown++
			out.Unresolved = append(out.Unresolved, p.reference())
		}
		out.Planned = append(out.Planned, p)
	}
	if len(out.Unaddressed) > 0 {
		n.logger().Warn("alerts due to be told on a route that reaches no one: set the addresses (POSTVAKT_ALERT_EMAIL, "+
			"POSTVAKT_ALERT_WEBHOOK_URL, the rule's to:, the unit's manager, compliance users' e-mail) or the SMTP relay",
			"routes", strings.Join(out.Unaddressed, ", "))
	}
	return out, nil
}

// routes are the destinations of alert a under its rule (named: the
// addresses of the roles its to: names), and, when a is due to be told
// (it fires, unmuted), the routes that reach no one, by reference only:
// a role of the rule's to: without an e-mail address (unit_manager of an
// alert about a unit, compliance), e-mail addresses without an SMTP relay
// (they are left out of the destinations), and, when nothing else says
// why, an alert without any destination.
func (n *Notifier) routes(rule *policy.Rule, a *store.Alert, named map[string][]string, now time.Time) (dests []string, unreached []unreachedRoute) {
	mailless := false
	for _, d := range Destinations(rule, n.emails(), named, n.Webhook != nil) {
		if n.Mail == nil && strings.HasPrefix(d, destEmail) {
			mailless = true
			continue
		}
		dests = append(dests, d)
	}
	if !NeedsUpdate(*a, nil, rule.RepeatInterval, now).Send {
		return dests, nil
	}
	ref := fmt.Sprintf("%s alert %d", a.Rule, a.ID)
	for _, t := range rule.To {
		if (t == policy.ToUnitManager && a.Labels["unit"] != "" || t == policy.ToCompliance) && !anyAddress(named[t]) {
			unreached = append(unreached, unreachedRoute{ref + " to " + t + " (no e-mail address)", MetricDestEmail})
		}
	}
	if mailless {
		unreached = append(unreached, unreachedRoute{ref + " by e-mail (no SMTP relay)", MetricDestEmail})
	}
	if len(dests) == 0 && len(unreached) == 0 {
		unreached = append(unreached, unreachedRoute{ref + " (no recipient address)", MetricDestNone})
	}
	return dests, unreached
}

// unreachedRoute is a route of an alert due to be told that reaches no
// one: ref names it by reference only (NotifyResult.Unaddressed), dest is
// the kind of destination it lacks, the destination label of
// postvakt_health_notices_total{outcome="no_recipient"}: MetricDestEmail
// (a role without an e-mail address, addresses without an SMTP relay) or
// MetricDestNone (no destination at all).
type unreachedRoute struct{ ref, dest string }

// anyAddress reports whether addrs holds an address that is not blank.
func anyAddress(addrs []string) bool {
	for _, a := range addrs {
		if strings.TrimSpace(a) != "" {
			return true
		}
	}
	return false
}

// reference names a notice by its rule, id and kind of destination, not
// by its address.
func (p Planned) reference() string {
	return noticeRef(p.Rule, p.Notice, p.Destination)
}

// noticeRef names a notice of rule by its id and the kind of its
// destination ("stuck alert notice 12 by e-mail"), not by its address.
func noticeRef(rule string, id int64, dest string) string {
	to := "by e-mail"
	if dest == DestWebhook {
		to = "to the webhook"
	}
	return fmt.Sprintf("%s alert notice %d %s", rule, id, to)
}

func (n *Notifier) emails() []string {
	if n.Mail == nil {
		return nil
	}
	return n.Emails
}

// deliver claims, composes, sends and records one notice.
func (n *Notifier) deliver(ctx context.Context, k groupKey, items []planItem, now time.Time, dry, groupFiring bool) (Planned, error) {
	p := Planned{Destination: k.dest, Rule: k.rule, groupFiring: groupFiring}
	for _, it := range items {
		p.Items = append(p.Items, store.AlertNoticeItem{AlertID: it.alert.ID, Seq: it.d.Seq, Transition: it.d.Transition})
	}
	if !dry {
		c, err := n.Store.ClaimAlertNotice(ctx, store.AlertNoticeClaim{Destination: k.dest, Rule: k.rule, Items: p.Items, Now: now})
		if err != nil {
			return p, err
		}
		if c == nil {
			return p, nil // told already (or in flight)
		}
		kept := map[int64]bool{}
		for _, it := range c.Items {
			kept[it.AlertID] = true
		}
		var left []planItem
		for _, it := range items {
			if kept[it.alert.ID] {
				left = append(left, it)
			}
		}
		p.Items = c.Items
		p.Notice = c.ID
		return n.send(ctx, p, left, c.ID, c.Key, now)
	}
	ns, err := n.compose(ctx, items)
	if err != nil {
		return p, err
	}
	p.Subject = Subject(k.rule, ns)
	return p, nil
}

func (n *Notifier) compose(ctx context.Context, items []planItem) ([]AlertNotice, error) {
	limit := n.MaxLetters
	if limit <= 0 {
		limit = 200
	}
	ns := make([]AlertNotice, 0, len(items))
	for _, it := range items {
		an := AlertNotice{Alert: *it.alert, Transition: it.d.Transition, Seq: it.d.Seq}
		if _, kept := Kept(an.Alert); it.d.Transition == store.TransitionFiring && !kept { // a kept alert's mail lists none (Body)
			ls, err := n.Store.IncidentLetters(ctx, it.alert.Selector, limit)
			if err != nil {
				return nil, err
			}
			an.Letters = ls
		}
		ns = append(ns, an)
	}
	return ns, nil
}

// send is the send and record stages of one claimed notice. The record
// stage runs even when ctx was cancelled during the send.
func (n *Notifier) send(ctx context.Context, p Planned, items []planItem, id int64, key string, now time.Time) (Planned, error) {
	ns, err := n.compose(ctx, items)
	var payload []byte
	var sendErr error
	if err == nil {
		p.Subject = Subject(p.Rule, ns)
		if p.Destination == DestWebhook {
			payload, err = WebhookMessage(p.Rule, ns, n.BaseURL, now, p.groupFiring)
			if err == nil {
				// Begun, as an e-mail: not cut by a stop (a cut post the
				// receiver took is unknown, never sent again); the
				// client's own timeout bounds it.
				sendErr = n.Webhook.Send(context.WithoutCancel(ctx), payload)
			}
		} else {
			to := strings.TrimPrefix(p.Destination, destEmail)
			payload, _ = json.Marshal(map[string]any{"to": to, "subject": p.Subject, "alerts": len(ns)})
			m := &remind.Message{From: n.From, To: []string{to}, Subject: p.Subject, MessageID: remind.MessageIDOf("alert", key, n.From),
				Date: now, Body: Body(p.Rule, ns, n.BaseURL, now), Langs: Languages(ns)}
			sendErr = n.Mail.Send(context.WithoutCancel(ctx), m) // begun: bounded by the SMTP timeout, not cut by a stop
		}
	}
	if err != nil { // nothing was sent: the next evaluation tries again
		sendErr = err
	}
	rctx := context.WithoutCancel(ctx)
	log := n.logger().With("notice", id, "rule", p.Rule, "destination", p.Destination, "alerts", len(p.Items))
	switch {
	case sendErr == nil:
		p.Status = store.AlertNoticeSent
		log.Info("alert notice sent", "subject", p.Subject)
		err = n.Store.MarkAlertNoticeSent(rctx, id, payload, now)
	case errors.Is(sendErr, remind.ErrOutcomeUnknown) || errors.Is(sendErr, errOutcomeUnknown):
		p.Status = store.AlertNoticeUnknown
		log.Error("alert notice outcome unknown; it is not sent again", "error", sendErr)
		err = n.Store.MarkAlertNoticeUnknown(rctx, id, sendErr.Error(), payload, now)
	default:
		p.Status = store.AlertNoticeFailed
		log.Warn("alert notice not delivered; the next evaluation tries again", "error", sendErr)
		err = n.Store.MarkAlertNoticeFailed(rctx, id, sendErr.Error(), payload, now)
	}
	dest := DestWebhook
	if p.Destination != DestWebhook {
		dest = MetricDestEmail
	}
	n.count(dest, p.Status)
	return p, err
}

// count counts one notice's outcome, or one route that reaches no one,
// in Outcomes (when set).
func (n *Notifier) count(dest, outcome string) {
	if n.Outcomes != nil {
		n.Outcomes.WithLabelValues(dest, outcome).Inc()
	}
}

func (n *Notifier) lease() time.Duration {
	if n.Lease <= 0 {
		return 10 * time.Minute
	}
	return n.Lease
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger == nil {
		return slog.Default()
	}
	return n.Logger
}

// Doer sends one logical HTTP call (*httpclient.Client).
type Doer interface {
	Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error)
}

// Webhook posts Alertmanager webhook messages to one URL. Its client
// should not retry by itself (a retried POST the receiver took would be a
// second alert): a failed post is sent again by the next evaluation.
type Webhook struct {
	HTTP Doer
	URL  string
}

// errOutcomeUnknown marks a post after which it cannot be known whether
// the receiver took it (the connection broke or timed out after the
// request went out).
var errOutcomeUnknown = errors.New("webhook outcome unknown")

// Send posts one message. A refusal (a non-2xx answer), an open breaker or
// a request that was never written whole (no connection, a certificate
// not trusted, a connect that timed out: the trace saw no request written)
// is an ordinary error: nothing was taken, and the next evaluation sends
// it again. Anything else, after the request went out, wraps
// errOutcomeUnknown.
func (w *Webhook) Send(ctx context.Context, body []byte) error {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		if i.Err == nil {
			wrote.Store(true)
		}
	}}
	_, err := w.HTTP.Do(ctx, httpclient.Request{Op: "alert_webhook", Method: http.MethodPost, Path: w.URL, Label: "<POSTVAKT_ALERT_WEBHOOK_URL>",
		Prepare: func(_ context.Context, r *resty.Request) error {
			r.SetHeader("Content-Type", "application/json").SetBody(body)
			r.SetContext(httptrace.WithClientTrace(r.Context(), trace))
			return nil
		}})
	if err == nil {
		return nil
	}
	var se *httpclient.StatusError
	var coe *httpclient.CircuitOpenError
	if errors.As(err, &se) || errors.As(err, &coe) || errors.Is(err, httpclient.ErrNotSent) || !wrote.Load() {
		return fmt.Errorf("post alerts to the webhook: %w", err)
	}
	return fmt.Errorf("post alerts to the webhook: %w: %w", errOutcomeUnknown, err)
}
