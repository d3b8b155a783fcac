package health_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	_ "postvakt/internal/channel/registered"
	"postvakt/internal/config"
	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/logtest"
	"postvakt/internal/maskinporten"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

const (
	alertsTo = "drift@bergen.kommune.no"
	from     = "postvakt@bergen.kommune.no"
)

// world is a scenario run end to end: the simulator on a manual clock,
// a real database, the real channel adapters and poller, the evaluator
// with a real SMTP server (mailpit) and a webhook receiver. The sender
// system registers each letter when the simulated clock passes its sent
// time; the clock moves only when the test says so.
type world struct {
	t      *testing.T
	sim    *sim.Sim
	clock  *sim.ManualClock
	st     *store.Store
	chans  []channel.Adapter
	poller *poll.Poller
	now    time.Time
	ev     *health.Evaluator
	mp     *mailpittest.Server
	hook   *receiver
	logs   *logtest.Buffer
	recs   map[string]sim.ShipmentRecord // by channel id
	ids    map[string]string             // channel id → shipment id, once registered
}

// receiver is a webhook receiver that keeps every message it gets; with
// fail set it answers 503 and keeps nothing.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []amMessage
	fail bool
}

type amMessage struct {
	Version     string            `json:"version"`
	GroupKey    string            `json:"groupKey"`
	Status      string            `json:"status"`
	Receiver    string            `json:"receiver"`
	GroupLabels map[string]string `json:"groupLabels"`
	Alerts      []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		EndsAt      time.Time         `json:"endsAt"`
		Fingerprint string            `json:"fingerprint"`
	} `json:"alerts"`
	Body string `json:"-"` // the message as posted
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m amMessage
		if req.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &m) != nil {
			t.Errorf("webhook: not JSON: %s", body)
		}
		m.Body = string(body)
		r.got = append(r.got, m)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// take returns and forgets the messages received.
func (r *receiver) take() []amMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

func (r *receiver) setFail(on bool) {
	r.mu.Lock()
	r.fail = on
	r.mu.Unlock()
}

// newWorld starts a scenario at its start, with the health rules cfg (nil:
// the defaults), registers what was sent by then and polls once.
func newWorld(t *testing.T, scenario string, seed int64, cfg *policy.Health) *world {
	t.Helper()
	keyFile, pub := simtest.ClientKey(t)
	srv := simtest.New(t, simtest.Load(t, scenario), simtest.Options{Seed: seed, Sim: sim.Options{NoFaults: true, ClientPublicKeyPEM: pub,
		Sleep: func(context.Context, time.Duration) {}}})
	s, clock := srv.Sim, srv.Clock
	env := srv.Env(keyFile)
	conf, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	w := &world{t: t, sim: s, clock: clock, st: st, now: s.Now(), logs: &logtest.Buffer{},
		recs: map[string]sim.ShipmentRecord{}, ids: map[string]string{}}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	quiet := slog.New(slog.DiscardHandler)
	if w.chans, err = channel.Open(conf, channel.Deps{Log: quiet, Tokens: maskinporten.FromConfig(conf, quiet, nil)}); err != nil {
		t.Fatal(err)
	}
	w.poller = poll.New(st, quiet, poll.Options{Now: func() time.Time { return w.now }, Activity: st})
	for _, r := range s.Shipments() {
		w.recs[r.ChannelID] = r
	}
	if cfg == nil {
		cfg = policy.DefaultHealth()
	}
	w.mp = mailpittest.Start(t)
	w.hook = newReceiver(t)
	mail, err := remind.NewSMTP(remind.SMTPConfig{Addr: w.mp.SMTPAddr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: "alert-webhook", MaxRetries: -1, BreakerThreshold: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	w.ev = &health.Evaluator{Store: st, Config: cfg, Logger: log, Notifier: &health.Notifier{Store: st, Mail: mail,
		From: from, Emails: []string{alertsTo}, Webhook: &health.Webhook{HTTP: hc, URL: w.hook.srv.URL},
		BaseURL: "https://postvakt.example", Logger: log}}
	// A minute on, so that what is registered now (due at the wall
	// clock's now) is due at the first poll.
	w.step(w.now.Add(time.Minute))
	return w
}

// step moves the simulated clock to t, registers every letter sent by
// then, and polls every channel as of t.
func (w *world) step(t time.Time) {
	w.t.Helper()
	w.now = t
	w.clock.Set(t)
	var items []model.NewShipment
	for _, r := range w.recs {
		if _, done := w.ids[r.ChannelID]; done || r.SentAt.After(t) {
			continue
		}
		items = append(items, secret(storetest.FromSim(r)))
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ChannelID < items[j].ChannelID })
	if len(items) > 0 {
		got, _, err := w.st.Register(context.Background(), items, store.SourceAPI, "token:sak-system")
		if err != nil {
			w.t.Fatal(err)
		}
		for _, g := range got {
			w.ids[g.ChannelID] = g.ID
		}
	}
	for _, ch := range w.chans {
		if _, err := w.poller.Poll(context.Background(), ch); err != nil {
			w.t.Fatalf("poll %s at %s: %v", ch.Name(), t, err)
		}
	}
}

// walk steps from the current time to t in steps of d.
func (w *world) walk(t time.Time, d time.Duration) {
	w.t.Helper()
	for w.now.Add(d).Before(t) {
		w.step(w.now.Add(d))
	}
	w.step(t)
}

// watch steps the world to until in steps of d, evaluating after each
// step; it fails on an active alert allow refuses and returns when the
// first active alert fired (zero if none did).
func (w *world) watch(until time.Time, d time.Duration, allow func(alert string) bool) (fired time.Time) {
	w.t.Helper()
	from := w.now
	for w.now.Before(until) {
		w.step(w.now.Add(d))
		got := active(w.eval())
		for _, a := range got {
			if !allow(a) {
				w.t.Fatalf("+%s: unexpected alert %q (firing: %v)", w.now.Sub(from), a, got)
			}
		}
		if fired.IsZero() && len(got) > 0 {
			fired = w.now
		}
	}
	return fired
}

// only allows exactly the alerts want.
func only(want ...string) func(string) bool {
	return func(a string) bool { return slices.Contains(want, a) }
}

// prefixed allows the alerts that begin with p.
func prefixed(p string) func(string) bool {
	return func(a string) bool { return strings.HasPrefix(a, p) }
}

// eval evaluates the health rules as of the world's time.
func (w *world) eval() health.Result {
	w.t.Helper()
	res, err := w.ev.Run(context.Background(), w.now, false)
	if err != nil {
		w.t.Fatalf("evaluate at %s: %v", w.now, err)
	}
	return res
}

// truth counts the simulator's letters per incident mark, among those
// registered (sent by now) and passing keep.
func (w *world) truth(incident string, keep func(sim.ShipmentRecord) bool) int {
	n := 0
	for _, r := range w.sim.Shipments() {
		if r.Incident == incident && !r.SentAt.After(w.now) && (keep == nil || keep(r)) {
			n++
		}
	}
	return n
}

// active returns the firing, unmuted alerts as "rule labels".
func active(res health.Result) []string {
	var out []string
	for _, a := range res.Firing {
		if !a.Inhibited {
			out = append(out, a.Rule+" "+a.Labels.String())
		}
	}
	sort.Strings(out)
	return out
}

// affected sums the affected letters of the firing, unmuted alerts of a rule.
func affected(res health.Result, rule string) int {
	n := 0
	for _, a := range res.Firing {
		if a.Rule == rule && !a.Inhibited {
			n += a.Affected
		}
	}
	return n
}

// mails reads and empties the SMTP server, failing on a title or a
// recipient in any message.
func (w *world) mails() []mailpittest.Message {
	w.t.Helper()
	ms := w.mp.Messages(w.t)
	w.mp.DeleteAll(w.t)
	for _, m := range ms {
		if strings.Contains(m.Raw+m.Text, "HEMMELIG") {
			w.t.Fatalf("a letter's title in alert e-mail %q", m.Subject)
		}
		if len(m.To) != 1 || m.To[0].Address != alertsTo {
			w.t.Fatalf("alert e-mail to %v", m.To)
		}
	}
	return ms
}

func (w *world) checkLogs() {
	w.t.Helper()
	if strings.Contains(w.logs.String(), "HEMMELIG") {
		w.t.Fatal("a letter's title in the log")
	}
}

func subjects(ms []mailpittest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	sort.Strings(out)
	return out
}

// secret marks a letter's title, so a test can look for it where it must
// never appear.
func secret(ns model.NewShipment) model.NewShipment {
	ns.Title = "HEMMELIG " + ns.Title
	return ns
}
