package health_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// bench is a database with a stuck unit (twelve letters accepted two days
// ago on a channel that changes other letters all the time), a real SMTP
// server and a webhook receiver, without the simulator: for the notice
// log's failure and crash cases.
type bench struct {
	t    *testing.T
	st   *store.Store
	mp   *mailpittest.Server
	hook *receiver
	now  time.Time
	ids  []string
}

func newBench(t *testing.T, mailpitArgs ...string) *bench {
	t.Helper()
	st := storetest.Open(t)
	b := &bench{t: t, st: st, mp: mailpittest.Start(t, mailpitArgs...), hook: newReceiver(t),
		now: time.Date(2026, 5, 15, 12, 0, 0, 0, time.UTC)}
	var items []model.NewShipment
	for i := range 12 {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: fmt.Sprintf("%s-%02d", t.Name(), i),
			SenderOrg: "964338531", SenderUnit: "Barnevernstjenesten", RecipientKind: model.RecipientOrg, RecipientID: "974760673",
			Title: "HEMMELIG", Confidential: true, Class: "barnevern", SentAt: b.now.Add(-48 * time.Hour)})
	}
	got, _, err := st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		b.ids = append(b.ids, g.ID)
	}
	storetest.Set(t, st, nil, storetest.State(model.StateAccepted))
	b.changes()
	return b
}

// changes records that the channel changed something just now.
func (b *bench) changes() {
	b.t.Helper()
	if err := b.st.RecordChannelCalls(context.Background(), store.ChannelCalls{Channel: "svarut", At: b.now, Calls: 1,
		Changes: 1, LastChange: b.now}); err != nil {
		b.t.Fatal(err)
	}
}

// evaluator is one replica's evaluator over the bench's database.
// certificateOnly is an evaluator with the certificate rule alone on (the
// bench's letters are another rule's), logging nowhere.
func (b *bench) certificateOnly() *health.Evaluator {
	b.t.Helper()
	ev := b.evaluator(io.Discard)
	for _, r := range policy.HealthRules {
		ev.Config.Common(r).Enabled = r == policy.RuleCertificate
	}
	return ev
}

func (b *bench) evaluator(log io.Writer) *health.Evaluator {
	b.t.Helper()
	mail, err := remind.NewSMTP(remind.SMTPConfig{Addr: b.mp.SMTPAddr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		b.t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: "alert-webhook", MaxRetries: -1, BreakerThreshold: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.t.Fatal(err)
	}
	l := slog.New(slog.NewTextHandler(log, nil))
	return &health.Evaluator{Store: b.st, Config: policy.DefaultHealth(), Channels: []string{"svarut"}, Logger: l,
		Notifier: &health.Notifier{Store: b.st, Mail: mail, From: from, Emails: []string{alertsTo},
			Webhook: &health.Webhook{HTTP: hc, URL: b.hook.srv.URL}, Logger: l}}
}

func (b *bench) run(ev *health.Evaluator) health.Result {
	b.t.Helper()
	res, err := ev.Run(context.Background(), b.now, false)
	if err != nil {
		b.t.Fatal(err)
	}
	return res
}

func (b *bench) sent() (mails, hooks int) {
	b.t.Helper()
	ms := b.mp.Messages(b.t)
	b.mp.DeleteAll(b.t)
	for _, m := range ms {
		if strings.Contains(m.Raw, "HEMMELIG") {
			b.t.Fatal("a title in an alert e-mail")
		}
	}
	return len(ms), len(b.hook.take())
}

// A webhook that refuses a notice gets it again at the next evaluation,
// and then never again; the e-mail, delivered the first time, is not
// repeated meanwhile.
func TestRefusedNoticeIsSentAgain(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	b.hook.setFail(true)
	res := b.run(ev)
	if got := active(res); !reflect.DeepEqual(got, []string{"stuck channel=svarut sender=964338531 unit=Barnevernstjenesten"}) {
		t.Fatalf("firing %v", got)
	}
	if res.Notices.Sent != 1 || res.Notices.Failed != 1 {
		t.Fatalf("notices %+v", res.Notices)
	}
	if m, h := b.sent(); m != 1 || h != 0 {
		t.Fatalf("%d e-mails, %d webhook messages", m, h)
	}
	b.hook.setFail(false)
	b.now = b.now.Add(5 * time.Minute)
	b.changes()
	res = b.run(ev)
	if m, h := b.sent(); m != 0 || h != 1 || res.Notices.Sent != 1 {
		t.Fatalf("second evaluation: %d e-mails, %d webhook messages, %+v", m, h, res.Notices)
	}
	b.now = b.now.Add(5 * time.Minute)
	b.changes()
	b.run(ev)
	if m, h := b.sent(); m+h != 0 {
		t.Fatalf("third evaluation sent %d e-mails, %d webhook messages", m, h)
	}
	if got := notices(t, b.st); !reflect.DeepEqual(got, map[string]int{"sent": 2}) {
		t.Fatalf("notice log %v: the failed notice should have been sent again under the same row", got)
	}
}

// An SMTP server that refuses (451) leaves the notice failed; the next
// evaluation sends it.
func TestRefusedMailIsSentAgain(t *testing.T) {
	t.Parallel()
	b := newBench(t, "--enable-chaos")
	ev := b.evaluator(io.Discard)
	b.mp.SetChaos(t, 451)
	if res := b.run(ev); res.Notices.Failed != 1 || res.Notices.Sent != 1 {
		t.Fatalf("notices %+v", res.Notices)
	}
	if m, h := b.sent(); m != 0 || h != 1 {
		t.Fatalf("%d e-mails, %d webhook messages", m, h)
	}
	b.mp.SetChaos(t, 0)
	b.now = b.now.Add(5 * time.Minute)
	b.changes()
	if res := b.run(ev); res.Notices.Sent != 1 {
		t.Fatalf("notices %+v", res.Notices)
	}
	if m, h := b.sent(); m != 1 || h != 0 {
		t.Fatalf("%d e-mails, %d webhook messages", m, h)
	}
}

// Two replicas evaluating at once, then a restarted one: each alert goes
// out once.
func TestReplicasAndRestartSendOnce(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	var wg sync.WaitGroup
	var busy, ran int
	var mu sync.Mutex
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.evaluator(io.Discard).Run(context.Background(), b.now, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, health.ErrBusy):
				busy++
			case err == nil:
				ran++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// The loser may have found the lock free once the winner was done:
	// then it evaluated too, and must have sent nothing more.
	if ran < 1 || ran+busy != 2 {
		t.Fatalf("ran %d, busy %d", ran, busy)
	}
	if m, h := b.sent(); m != 1 || h != 1 {
		t.Fatalf("two replicas: %d e-mails, %d webhook messages", m, h)
	}
	b.now = b.now.Add(time.Minute)
	b.changes()
	if res := b.run(b.evaluator(io.Discard)); len(res.Fired) != 0 || res.Notices.Sent != 0 {
		t.Fatalf("after a restart: %+v", res)
	}
	if m, h := b.sent(); m+h != 0 {
		t.Fatalf("after a restart: %d e-mails, %d webhook messages", m, h)
	}
}

// A notice claimed by an evaluation that crashed before recording the
// outcome becomes unknown after the lease and is never sent again; the
// alert is repeated after its interval as usual.
func TestCrashAfterClaimIsNeverResent(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	var logs logtest.Buffer
	ev := b.evaluator(&logs)
	ev.Notifier.Webhook = nil // e-mail only, to keep the claim simple
	// An evaluation that fires the alert but is not allowed to notify.
	notifier := ev.Notifier
	ev.Notifier = nil
	res := b.run(ev)
	if len(res.Fired) != 1 {
		t.Fatalf("fired %+v", res.Fired)
	}
	// The crashed evaluation: it claimed the notice, then died.
	c, err := b.st.ClaimAlertNotice(context.Background(), store.AlertNoticeClaim{Destination: "email:" + alertsTo, Rule: "stuck",
		Items: []store.AlertNoticeItem{{AlertID: res.Fired[0].ID, Seq: 1, Transition: store.TransitionFiring}}, Now: b.now})
	if err != nil || c == nil {
		t.Fatalf("claim: %v %v", c, err)
	}
	ev.Notifier = notifier
	for _, step := range []time.Duration{time.Minute, 15 * time.Minute, time.Hour} {
		b.now = b.now.Add(step)
		b.changes()
		b.run(ev)
		if m, _ := b.sent(); m != 0 {
			t.Fatalf("+%s: the crashed evaluation's notice was sent again", step)
		}
	}
	if got := notices(t, b.st); got["unknown"] != 1 || got["pending"] != 0 {
		t.Fatalf("notice log %v", got)
	}
	if !strings.Contains(logs.String(), "no recorded outcome") {
		t.Error("the unknown notice was not logged")
	}
	b.now = b.now.Add(3 * time.Hour) // past the repeat interval since the claim
	b.changes()
	res = b.run(ev)
	if m, _ := b.sent(); m != 1 || res.Notices.Sent != 1 {
		t.Fatalf("the repeat after the interval: %d e-mails, %+v", m, res.Notices)
	}
}

// A rule's to: adds addresses, the manager of the alert's unit, and the
// compliance officers of its sender organisation (not another
// organisation's); each gets its own message, once.
func TestRuleRecipients(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ctx := context.Background()
	storetest.SetUnitManager(t, b.st, "Barnevernstjenesten", "leder@bv.example")
	for _, u := range []store.User{
		{Name: "kari", Role: "compliance", SenderOrg: "964338531", Email: "kari@bergen.example"},
		{Name: "per", Role: "compliance", Email: "per@tilsyn.example"},                    // every organisation
		{Name: "eva", Role: "compliance", SenderOrg: "974760673", Email: "eva@x.example"}, // another one
		{Name: "ola", Role: "unit", SenderOrg: "964338531", Unit: "Barnevernstjenesten", Email: "ola@bv.example"},
	} {
		u.PasswordHash = "x"
		if _, err := b.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	ev := b.evaluator(io.Discard)
	ev.Config.Stuck.To = []string{policy.ToUnitManager, policy.ToCompliance, "arkiv@bergen.example"}
	b.run(ev)
	var to []string
	for _, m := range b.mp.Messages(t) {
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		if !strings.HasPrefix(m.Subject, "[postvakt] FIRING stuck: 1 alert, 12 letters") {
			t.Errorf("subject %q", m.Subject)
		}
	}
	sort.Strings(to)
	want := []string{"arkiv@bergen.example", alertsTo, "kari@bergen.example", "leder@bv.example", "per@tilsyn.example"}
	sort.Strings(want)
	if !reflect.DeepEqual(to, want) {
		t.Fatalf("alert e-mailed to %v, want %v", to, want)
	}
}

// README, Metrics: postvakt_health_notices_total counts each alert
// notice's outcome by destination kind, never the address: a webhook that
// refuses the alerts showed only in the log (the job ran "ok", the alert
// fired on /alerts and in postvakt_health_alert_firing as if told).
func TestNoticeOutcomesCounted(t *testing.T) {
	t.Parallel()
	b := newBench(t)
	ev := b.evaluator(io.Discard)
	reg := prometheus.NewPedanticRegistry()
	ev.Notifier.Outcomes = health.NoticeOutcomes(reg)
	count := func() map[string]float64 { return noticeCounts(t, reg) }
	want := map[string]float64{"email sent": 0, "email failed": 0, "email unknown": 0, "webhook sent": 0, "webhook failed": 0, "webhook unknown": 0,
		"email no_recipient": 0, "none no_recipient": 0}
	if got := count(); !reflect.DeepEqual(got, want) {
		t.Fatalf("before any notice: %v, want every pair at 0", got)
	}
	b.hook.setFail(true)
	b.run(ev)
	b.sent()
	want["email sent"], want["webhook failed"] = 1, 1
	if got := count(); !reflect.DeepEqual(got, want) {
		t.Fatalf("webhook refusing: %v, want %v", got, want)
	}
	b.hook.setFail(false)
	b.now = b.now.Add(5 * time.Minute)
	b.changes()
	b.run(ev)
	want["webhook sent"] = 1
	if got := count(); !reflect.DeepEqual(got, want) {
		t.Fatalf("webhook taking it again: %v, want %v", got, want)
	}
}

// noticeCounts reads postvakt_health_notices_total from reg by
// "destination outcome", failing t for an address in a label.
func noticeCounts(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var l []string
			for _, p := range m.GetLabel() {
				if strings.Contains(p.GetValue(), "@") {
					t.Errorf("an address in a label: %s", p.GetValue())
				}
				l = append(l, p.GetValue())
			}
			out[strings.Join(l, " ")] = m.GetCounter().GetValue()
		}
	}
	return out
}
