package health_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/health"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// TestCertificateExpiringDecision: certificate_expiring fires for a
// channel whose client certificate ends within `within` (the end itself
// included) or has ended, labelled with the channel alone, naming the
// channel and when it ends, about no letters; a certificate that ends
// later, or a rule switched off, fires nothing.
func TestCertificateExpiringDecision(t *testing.T) {
	day := 24 * time.Hour
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	def := policy.DefaultHealth().Certificate // within 30 days
	off := def
	off.Enabled = false
	wide := def
	wide.Within = 60 * day
	for _, tc := range []struct {
		name string
		cfg  policy.CertificateRule
		left time.Duration
		want string // the reason's key; "" for no alert
		says string // in the summary
	}{
		{"ends in 40 days", def, 40 * day, "", ""},
		{"ends in 30 days and a second", def, 30*day + time.Second, "", ""},
		{"ends in exactly 30 days", def, 30 * day, "mail.alert.why.certificate_ends", "in 30 days"},
		{"ends in 10 days and 5 hours", def, 10*day + 5*time.Hour, "mail.alert.why.certificate_ends", "in 10 days"},
		{"ends in 20 hours", def, 20 * time.Hour, "mail.alert.why.certificate_ends", "in 20 hours"},
		{"ends now", def, 0, "mail.alert.why.certificate_ended", "ended"},
		{"ended yesterday", def, -day, "mail.alert.why.certificate_ended", "ended"},
		{"ends in 40 days, within 60", wide, 40 * day, "mail.alert.why.certificate_ends", "in 40 days"},
		{"ended, the rule off", off, -day, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := now.Add(tc.left)
			cs := health.CertificateExpiring(tc.cfg, health.Facts{Now: now,
				Certificates: []health.Certificate{{Channel: "digitalpost", NotAfter: end}}})
			if tc.want == "" {
				if len(cs) != 0 {
					t.Fatalf("fired %+v, want nothing", cs)
				}
				return
			}
			if len(cs) != 1 {
				t.Fatalf("%d conditions, want one", len(cs))
			}
			c := cs[0]
			date := end.In(time.FixedZone("CET", 3600)).Format("2006-01-02 15:04") // Oslo's (and Copenhagen's) winter time
			if c.Rule != policy.RuleCertificate || !reflect.DeepEqual(c.Labels, store.Labels{"channel": "digitalpost"}) ||
				c.Severity != "warning" || !c.Selector.NoLetters || c.Affected != 0 {
				t.Errorf("condition %+v, want certificate_expiring channel=digitalpost, warning, about no letters", c)
			}
			if len(c.Why) != 1 || c.Why[0].Key != tc.want || c.Why[0].Args["Channel"] != "Digital Post" ||
				!strings.HasPrefix(c.Why[0].Args["End"], date) {
				t.Errorf("why %+v, want %s naming Digital Post and %s", c.Why, tc.want, date)
			}
			if !strings.Contains(c.Summary, "Digital Post") || !strings.Contains(c.Summary, date) || !strings.Contains(c.Summary, tc.says) {
				t.Errorf("summary %q, want Digital Post, %s and %q", c.Summary, date, tc.says)
			}
		})
	}
}

// fakeCertified is a channel presenting a client certificate that ends
// when the test says (digitalpost's TestCertificateRenewedWithoutRestart
// reads the real files).
type fakeCertified struct{ end time.Time }

func (f *fakeCertified) Name() string                      { return "digitalpost" }
func (f *fakeCertified) CertificateEnd() (time.Time, bool) { return f.end, true }

// TestCertificateExpiringThroughEvaluation: through evaluations on a real
// database as the clock moves: nothing while the certificate ends in more
// than 30 days; from 30 days before, one alert (channel=digitalpost) told
// by e-mail and webhook, naming Digital Post and the day, with no letters
// in the subject or body; not told again within the day, told again the
// next day; resolved (and told so) once a renewed certificate is in
// place, without a restart (the evaluator reads the end at each run),
// keep_firing_for after the certificate was last seen ending.
func TestCertificateExpiringThroughEvaluation(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	b := newBench(t)
	ev := b.certificateOnly()
	cert := &fakeCertified{end: b.now.Add(40 * day)} // 2026-06-24 12:00 UTC, 14:00 in Copenhagen
	ev.Certificates = []channel.Certified{cert}

	if res := b.run(ev); len(res.Firing) != 0 {
		t.Fatalf("40 days ahead: firing %v", active(res))
	}
	if m, h := b.sent(); m+h != 0 {
		t.Fatalf("40 days ahead: %d mails, %d webhook messages", m, h)
	}

	b.now = b.now.Add(11 * day) // 29 days left
	res := b.run(ev)
	if got := active(res); !reflect.DeepEqual(got, []string{"certificate_expiring channel=digitalpost"}) || len(res.Fired) != 1 ||
		res.Fired[0].Affected != 0 {
		t.Fatalf("29 days ahead: firing %v (fired %+v), want certificate_expiring channel=digitalpost about no letters", got, res.Fired)
	}
	ms := b.mp.Messages(t)
	if len(ms) != 1 || ms[0].Subject != "[postvakt] FIRING certificate_expiring: 1 alert" {
		t.Fatalf("mails %v, want one with the subject naming no letters", subjects(ms))
	}
	body := ms[0].Text
	for _, want := range []string{"the client certificate of Digital Post ends 2026-06-24 14:00 CEST (in 29 days)",
		"klientcertifikatet til Digital Post udløber 2026-06-24 14:00 CEST (om 29 dage)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the mail lacks %q:\n%s", want, body)
		}
	}
	for _, not := range []string{"letters affected", "breve berørt", "Letters (reference"} {
		if strings.Contains(body, not) {
			t.Errorf("the mail about no letters says %q:\n%s", not, body)
		}
	}
	if m, h := b.sent(); m != 1 || h != 1 {
		t.Fatalf("fired: %d mails, %d webhook messages, want one each", m, h)
	}

	b.now = b.now.Add(2 * time.Hour)
	if res := b.run(ev); len(res.Fired) != 0 || len(res.Firing) != 1 {
		t.Fatalf("2 hours on: fired %v, firing %v", res.Fired, active(res))
	}
	if m, h := b.sent(); m+h != 0 {
		t.Errorf("2 hours on: told again (%d mails, %d webhook messages), want once a day", m, h)
	}
	b.now = b.now.Add(day)
	b.run(ev)
	if m, h := b.sent(); m != 1 || h != 1 {
		t.Errorf("a day on: %d mails, %d webhook messages, want the repeat", m, h)
	}

	cert.end = b.now.Add(3 * 365 * day) // renewed, the files replaced
	b.now = b.now.Add(5 * time.Minute)
	if res := b.run(ev); len(res.Firing) != 1 || len(res.Resolved) != 0 {
		t.Fatalf("renewed 5 minutes ago: firing %v, resolved %+v; want it kept firing (keep_firing_for)", active(res), res.Resolved)
	}
	if m, h := b.sent(); m+h != 0 {
		t.Errorf("renewed 5 minutes ago: %d mails, %d webhook messages", m, h)
	}
	b.now = b.now.Add(ev.Config.Certificate.KeepFiringFor - 5*time.Minute)
	res = b.run(ev)
	if len(res.Firing) != 0 || len(res.Resolved) != 1 || res.Resolved[0].Rule != policy.RuleCertificate {
		t.Fatalf("renewed: firing %v, resolved %+v; want it resolved", active(res), res.Resolved)
	}
	ms = b.mp.Messages(t)
	if len(ms) != 1 || ms[0].Subject != "[postvakt] RESOLVED certificate_expiring: 1 alert" {
		t.Errorf("renewed: mails %v, want the resolution", subjects(ms))
	}
}
