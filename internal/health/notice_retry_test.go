package health_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"postvakt/internal/channel"
)

// An alert told firing (seq 1 sent) whose repeat could not be delivered
// (the receiver was down at the repeat) and that then resolves is told
// resolved once the receiver is back: NeedsUpdate read the failed repeat as
// the last notice and the resolution was never told, the receiver holding
// the alert firing for ever (review finding).
func TestResolvedToldAfterFailedRepeat(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.certificateOnly()
	ev.Config.Certificate.RepeatInterval = 2 * time.Minute
	ev.Config.Certificate.KeepFiringFor = 0
	cert := &fakeCertified{end: b.now.Add(10 * 24 * time.Hour)}
	ev.Certificates = []channel.Certified{cert}

	if res := b.run(ev); len(res.Fired) != 1 || res.Notices.Sent != 2 {
		t.Fatalf("first evaluation: fired %d, notices %+v", len(res.Fired), res.Notices)
	}
	if m, h := b.sent(); m != 1 || h != 1 {
		t.Fatalf("firing: %d mails, %d webhook messages", m, h)
	}
	// The receiver goes down; the repeat is due and fails.
	b.hook.setFail(true)
	b.now = b.now.Add(3 * time.Minute)
	if res := b.run(ev); res.Notices.Failed != 1 {
		t.Fatalf("repeat with the receiver down: notices %+v", res.Notices)
	}
	b.sent()
	// The certificate is renewed: the alert resolves while the receiver
	// is still down.
	cert.end = b.now.Add(300 * 24 * time.Hour)
	b.now = b.now.Add(time.Minute)
	if res := b.run(ev); len(res.Resolved) != 1 {
		t.Fatalf("renewed: resolved %d", len(res.Resolved))
	}
	b.sent()
	// The receiver is back: it must hear that the alert resolved.
	b.hook.setFail(false)
	for range 3 {
		b.now = b.now.Add(5 * time.Minute)
		b.run(ev)
	}
	var resolved int
	for _, m := range b.hook.take() {
		for _, a := range m.Alerts {
			if a.Status == "resolved" {
				resolved++
			}
		}
	}
	if resolved != 1 {
		t.Fatalf("the webhook receiver, back up, was told the resolution %d times; want once (it still shows the alert firing)", resolved)
	}
}

// A webhook receiver that cannot be connected to — here its TLS
// certificate is not trusted (expired, a self-signed one after a renewal
// gone wrong; likewise "no route to host", a dial timeout) — took nothing:
// the request never went out. Webhook.Send named only "connection refused"
// and "no such host" as not sent, so such a notice was recorded "unknown"
// and never sent again (review finding). It fails, and goes again.
func TestUnconnectableWebhookIsSentAgain(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	bad := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(bad.Close)
	ev.Notifier.Webhook.URL = bad.URL
	res := b.run(ev)
	if len(res.Fired) != 1 {
		t.Fatalf("fired %d", len(res.Fired))
	}
	b.sent()
	if res.Notices.Unknown != 0 || res.Notices.Failed != 1 {
		t.Errorf("a webhook whose TLS handshake failed: notices %+v (unresolved %v); want it failed (nothing was taken), to be sent again",
			res.Notices, res.Notices.Unresolved)
	}
	ev.Notifier.Webhook.URL = b.hook.srv.URL // the receiver fixed
	b.now = b.now.Add(5 * time.Minute)
	b.changes()
	b.run(ev)
	if _, h := b.sent(); h != 1 {
		t.Fatalf("the receiver, fixed, got %d webhook messages; want the firing alert", h)
	}
}

type namedCert struct {
	name string
	end  time.Time
}

func (c *namedCert) Name() string                      { return c.name }
func (c *namedCert) CertificateEnd() (time.Time, bool) { return c.end, true }

// README promises Alertmanager's webhook JSON "so any receiver built for
// Alertmanager takes it as it is". Alertmanager's message for a group
// (groupKey) says "firing" while any of its alerts fires; receivers
// (PagerDuty/Opsgenie bridges, ticket bots) key an incident on groupKey and
// close it on status "resolved". When one of two firing alerts of a rule
// resolved, the receiver got the group's key with status "resolved" while
// the other still fired, and closed the incident (review finding). The
// message says the group fires; its resolved alert says resolved.
func TestWebhookGroupStatusWhileOthersFire(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.certificateOnly()
	ev.Config.Certificate.KeepFiringFor = 0
	dp := &namedCert{"digitalpost", b.now.Add(10 * 24 * time.Hour)}
	sv := &namedCert{"svarut", b.now.Add(10 * 24 * time.Hour)}
	ev.Certificates = []channel.Certified{dp, sv}
	if res := b.run(ev); len(res.Fired) != 2 {
		t.Fatalf("fired %d", len(res.Fired))
	}
	first := b.hook.take()
	if len(first) != 1 || first[0].Status != "firing" {
		t.Fatalf("first: %+v", first)
	}
	b.mp.DeleteAll(t)
	dp.end = b.now.Add(300 * 24 * time.Hour) // one renewed, the other still ending
	b.now = b.now.Add(5 * time.Minute)
	if res := b.run(ev); len(res.Resolved) != 1 || len(res.Firing) != 1 {
		t.Fatalf("resolved %d, firing %d", len(res.Resolved), len(res.Firing))
	}
	for _, m := range b.hook.take() {
		if m.GroupKey == first[0].GroupKey && m.Status == "resolved" {
			t.Errorf("webhook message for group %s says %q (alerts %d) while svarut's alert of the group still fires: an Alertmanager receiver closes the incident",
				m.GroupKey, m.Status, len(m.Alerts))
		}
	}
}
