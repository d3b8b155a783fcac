package health_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptrace"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// dropped is a webhook client whose post went out and whose answer never
// came (the connection reset after the request was written): it prepares
// the request, tells its trace the request was written, and fails.
type dropped struct{}

func (dropped) Do(ctx context.Context, req httpclient.Request) (*httpclient.Response, error) {
	r := resty.New().R().SetContext(ctx)
	if req.Prepare != nil {
		if err := req.Prepare(ctx, r); err != nil {
			return nil, err
		}
	}
	if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteRequest != nil {
		tr.WroteRequest(httptrace.WroteRequestInfo{})
	}
	return nil, errors.New("alert-webhook POST <POSTVAKT_ALERT_WEBHOOK_URL>: connection reset by peer")
}

// An alert due to be told whose rule's to: names roles without an e-mail
// address (the unit has no manager, its organisation no compliance user)
// is named once per role, by rule and alert id only; e-mail addresses of
// its to: without an SMTP relay are named as such and not sent (the
// webhook still is); with no destination at all the alert is named as
// reaching no one. Every name is in NotSent, none names a unit or address.
func TestAlertRoutesThatReachNoOneAreNamed(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	ev.Config.Stuck.To = []string{policy.ToUnitManager, policy.ToCompliance}
	res := b.run(ev)
	if len(res.Fired) != 1 {
		t.Fatalf("fired %+v", res.Fired)
	}
	id := res.Fired[0].ID
	want := []string{fmt.Sprintf("stuck alert %d to unit_manager (no e-mail address)", id),
		fmt.Sprintf("stuck alert %d to compliance (no e-mail address)", id)}
	if got := res.Notices.NotSent(); !reflect.DeepEqual(got, want) || res.Notices.Sent != 2 {
		t.Fatalf("not sent %q (sent %d), want %q and the e-mail and webhook sent", got, res.Notices.Sent, want)
	}
	b.sent()

	// Without an SMTP relay, the rule's own address cannot be mailed: the
	// webhook is told (its repeat is due), the e-mail route is named.
	b.now = b.now.Add(5 * time.Hour)
	b.changes()
	ev.Config.Stuck.To = []string{"arkiv@bergen.example"}
	ev.Notifier.Mail, ev.Notifier.Emails = nil, nil
	res = b.run(ev)
	want = []string{fmt.Sprintf("stuck alert %d by e-mail (no SMTP relay)", id)}
	if got := res.Notices.NotSent(); !reflect.DeepEqual(got, want) || res.Notices.Sent != 1 {
		t.Fatalf("without a relay: not sent %q (sent %d), want %q and the webhook sent", got, res.Notices.Sent, want)
	}
	if m, h := b.sent(); m != 0 || h != 1 {
		t.Fatalf("without a relay: %d e-mails, %d webhook messages; want the webhook's only", m, h)
	}

	// No destination at all.
	b.now = b.now.Add(5 * time.Hour)
	b.changes()
	ev.Config.Stuck.To, ev.Notifier.Webhook = nil, nil
	res = b.run(ev)
	want = []string{fmt.Sprintf("stuck alert %d (no recipient address)", id)}
	if got := res.Notices.NotSent(); !reflect.DeepEqual(got, want) {
		t.Fatalf("without any destination: not sent %q, want %q", got, want)
	}
	for _, ref := range res.Notices.NotSent() {
		for _, secret := range []string{"Barnevernstjenesten", "964338531", "arkiv@", alertsTo} {
			if strings.Contains(ref, secret) {
				t.Errorf("%q names %q", ref, secret)
			}
		}
	}
}

// A notice whose outcome is unknown (the webhook's connection reset after
// the post went out) is named in NotSent, this evaluation; so is one an
// earlier evaluation claimed and never recorded, when a later one finds
// its lease run out. Neither is sent again.
func TestUnknownAlertNoticesAreNamed(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	ev.Notifier.Mail, ev.Notifier.Emails = nil, nil
	ev.Notifier.Webhook = &health.Webhook{HTTP: dropped{}, URL: "http://hook.invalid"}
	res := b.run(ev)
	if res.Notices.Unknown != 1 || len(res.Notices.Planned) != 1 {
		t.Fatalf("notices %+v, want one unknown", res.Notices)
	}
	want := fmt.Sprintf("stuck alert notice %d to the webhook (outcome unknown)", res.Notices.Planned[0].Notice)
	if got := res.Notices.NotSent(); !reflect.DeepEqual(got, []string{want}) {
		t.Fatalf("not sent %q, want %q", got, want)
	}

	// A crashed evaluation's claim (by e-mail), found expired later.
	c, err := b.st.ClaimAlertNotice(context.Background(), store.AlertNoticeClaim{Destination: "email:" + alertsTo, Rule: "stuck",
		Items: []store.AlertNoticeItem{{AlertID: res.Fired[0].ID, Seq: 1, Transition: store.TransitionFiring}}, Now: b.now})
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	b.now = b.now.Add(15 * time.Minute)
	b.changes()
	res = b.run(ev)
	want = fmt.Sprintf("stuck alert notice %d by e-mail (outcome unknown)", c.ID)
	if got := res.Notices.NotSent(); !slices.Contains(got, want) || res.Notices.Sent+res.Notices.Failed != 0 {
		t.Fatalf("after the lease: not sent %q, %+v; want %q and nothing sent", got, res.Notices, want)
	}
	if strings.Contains(strings.Join(res.Notices.NotSent(), ","), alertsTo) {
		t.Errorf("an address in %q", res.Notices.NotSent())
	}
}

// README, Metrics: an alert due to be told on a route that reaches no one
// (a role without an e-mail address, addresses without an SMTP relay, no
// destination at all) counts in postvakt_health_notices_total with
// outcome no_recipient at every evaluation, by the kind of destination it
// lacks (email, none), never an address or a name: before, it showed only
// as a warning in the log, and no Prometheus rule could fire on it.
func TestUnaddressedAlertRoutesCounted(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	reg := prometheus.NewPedanticRegistry()
	ev.Notifier.Outcomes = health.NoticeOutcomes(reg)
	ev.Config.Stuck.To = []string{policy.ToUnitManager, policy.ToCompliance}
	counted := func(step string, email, none float64) {
		t.Helper()
		got := noticeCounts(t, reg)
		if got["email no_recipient"] != email || got["none no_recipient"] != none {
			t.Errorf("%s: %v, want email no_recipient %v, none no_recipient %v", step, got, email, none)
		}
		for k := range got {
			for _, secret := range []string{"Barnevernstjenesten", "964338531", "unit_manager", "compliance", "stuck"} {
				if strings.Contains(k, secret) {
					t.Errorf("%s: a label names %q: %s", step, secret, k)
				}
			}
		}
	}
	counted("before", 0, 0)
	b.run(ev)
	b.sent()
	counted("the unit without a manager, the organisation without a compliance user", 2, 0)

	// Each evaluation counts again while the route reaches no one (a
	// Prometheus rule's increase() sees it as long as it lasts).
	b.now = b.now.Add(5 * time.Hour)
	b.changes()
	ev.Config.Stuck.To = []string{"arkiv@bergen.example"}
	ev.Notifier.Mail, ev.Notifier.Emails = nil, nil
	b.run(ev)
	b.sent()
	counted("without an SMTP relay", 3, 0)

	b.now = b.now.Add(5 * time.Hour)
	b.changes()
	ev.Config.Stuck.To, ev.Notifier.Webhook = nil, nil
	b.run(ev)
	counted("without any destination", 3, 1)

	// A dry run counts nothing.
	b.now = b.now.Add(5 * time.Hour)
	b.changes()
	if _, err := ev.Run(context.Background(), b.now, true); err != nil {
		t.Fatal(err)
	}
	counted("a dry run", 3, 1)
}
