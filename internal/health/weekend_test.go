package health_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"postvakt/internal/health"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/remind"
	"postvakt/internal/remind/mailpittest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// wk is a SvarUt channel driven by hand on a fake clock: letters are
// registered when sent, the "provider" delivers (available 5 minutes on) or
// loses (accepted for ever) each, and the poller's calls are recorded every
// 5 minutes, as the poller records them, with the change times the channel
// gave. Evaluations run every step through a real store, SMTP (mailpit) and
// webhook receiver.
type wk struct {
	t    *testing.T
	st   *store.Store
	mp   *mailpittest.Server
	hook *receiver
	ev   *health.Evaluator
	now  time.Time
	n    int
	// plan: letters to send, by sent time, with their fate.
	plan    []planned
	fired   []string // "time rule labels" of every alert that started firing
	resolvd []string
	// down is an outage of the provider, [from, to): it answers no call
	// (each failed batch as the poller counts it: the batch, its halves,
	// a quarter and one letter), accepts and delivers nothing; the
	// letters it held it accepts and delivers once it is back. The
	// poller asks again after the letters' backoff (poll.Backoff: 1, 2,
	// 4 … minutes, the letters failing together).
	down struct{ from, to time.Time }
}

type planned struct {
	at    time.Time
	unit  string
	lost  bool // accepted by the channel, never delivered
	mute  bool // the channel says nothing of it at all (stays registered)
	acked bool // accepted by the channel
	done  bool
	id    string
}

func newWk(t *testing.T, start time.Time) *wk {
	t.Helper()
	w := &wk{t: t, st: storetest.Open(t), mp: mailpittest.Start(t), hook: newReceiver(t), now: start}
	mail, err := remind.NewSMTP(remind.SMTPConfig{Addr: w.mp.SMTPAddr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: "alert-webhook", MaxRetries: -1, BreakerThreshold: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l := slog.New(slog.NewTextHandler(io.Discard, nil))
	w.ev = &health.Evaluator{Store: w.st, Config: policy.DefaultHealth(), Channels: []string{"svarut"}, Logger: l,
		Notifier: &health.Notifier{Store: w.st, Mail: mail, From: from, Emails: []string{alertsTo},
			Webhook: &health.Webhook{HTTP: hc, URL: w.hook.srv.URL}, Logger: l}}
	return w
}

// history registers n delivered letters spread over the two weeks before
// start (weekday office hours), so that the channel's T is learned (1h).
func (w *wk) history(n int) {
	w.t.Helper()
	var items []model.NewShipment
	for i := range n {
		at := w.now.Add(-time.Duration(13-i%10) * 24 * time.Hour).Add(time.Duration(i) * time.Minute)
		items = append(items, w.letter("Skoleetaten", at))
	}
	ships := storetest.Register(w.t, w.st, items...)
	storetest.Set(w.t, w.st, storetest.IDs(ships), storetest.State(model.StateOpened), storetest.AvailableAfterSent(5*time.Minute),
		storetest.StateChangedAt(w.now.Add(-24*time.Hour)))
}

func (w *wk) letter(unit string, at time.Time) model.NewShipment {
	w.n++
	return model.NewShipment{Channel: "svarut", ChannelID: storetest.ChannelID(w.t.Name(), w.n), SenderOrg: "964338531",
		SenderUnit: unit, RecipientKind: model.RecipientOrg, RecipientID: "974760673", Title: "HEMMELIG vedtak",
		Confidential: true, Class: "taushetsbelagt", SentAt: at}
}

func (w *wk) send(unit string, from, to time.Time, every time.Duration, lost func(i int) bool) {
	i := 0
	for at := from; !at.After(to); at = at.Add(every) {
		w.plan = append(w.plan, planned{at: at, unit: unit, lost: lost(i)})
		i++
	}
}

// tick moves the clock by d: registers what was sent, lets the channel
// accept/deliver, records the poller's calls, evaluates.
func (w *wk) tick(d time.Duration) health.Result {
	w.t.Helper()
	prev := w.now
	w.now = w.now.Add(d)
	ctx := context.Background()
	var last time.Time
	changes := 0
	down := !w.down.from.IsZero() && !w.now.Before(w.down.from) && w.now.Before(w.down.to)
	for i := range w.plan {
		p := &w.plan[i]
		if p.at.After(w.now) {
			continue
		}
		if p.id == "" {
			p.id = storetest.IDs(storetest.Register(w.t, w.st, w.letter(p.unit, p.at)))[0]
		}
		if p.mute || down {
			continue
		}
		// the channel works from when it is up again on what it held
		at := p.at
		if !w.down.from.IsZero() && !p.at.Before(w.down.from) && p.at.Before(w.down.to) {
			at = w.down.to
		}
		if !p.acked {
			// the channel acknowledges it a minute on
			storetest.Set(w.t, w.st, []string{p.id}, storetest.State(model.StateAccepted), storetest.StateChangedAt(at.Add(time.Minute)))
			p.acked = true
			changes++
			last = later(last, at.Add(time.Minute))
		}
		if !p.lost && !p.done && !at.Add(5*time.Minute).After(w.now) {
			storetest.Set(w.t, w.st, []string{p.id}, storetest.State(model.StateAvailable), storetest.AvailableAt(at.Add(5*time.Minute)),
				storetest.StateChangedAt(at.Add(5*time.Minute)))
			p.done = true
			changes++
			last = later(last, at.Add(5*time.Minute))
		}
	}
	calls := store.ChannelCalls{Channel: "svarut", At: w.now, Calls: 3, Latency: 300 * time.Millisecond,
		Changes: changes, LastChange: last}
	if down {
		calls = store.ChannelCalls{Channel: "svarut", At: w.now, LastError: "503 Service Unavailable"}
		for k, at := 1, w.down.from; at.Before(w.now); at, k = at.Add(poll.Backoff(k)), k+1 {
			if at.After(prev) || at.Equal(prev) && prev.Equal(w.down.from) {
				calls.Calls, calls.Errors, calls.Latency = calls.Calls+4, calls.Errors+4, calls.Latency+4*time.Second
			}
		}
	}
	if err := w.st.RecordChannelCalls(ctx, calls); err != nil {
		w.t.Fatal(err)
	}
	res, err := w.ev.Run(ctx, w.now, false)
	if err != nil {
		w.t.Fatal(err)
	}
	if res.Notices.Sent > 0 {
		var told []string
		for _, a := range res.Firing {
			told = append(told, fmt.Sprintf("%s(muted=%v)", a.Rule, a.Inhibited))
		}
		for _, a := range res.Resolved {
			told = append(told, a.Rule+"(resolved)")
		}
		w.t.Logf("%s: %d notices sent; firing/resolved: %v", w.now.Format("Mon 15:04"), res.Notices.Sent, told)
	}
	for _, a := range res.Fired {
		w.fired = append(w.fired, fmt.Sprintf("%s %s %s muted=%v", w.now.Format("Mon 15:04"), a.Rule, a.Labels.String(), a.Inhibited))
	}
	for _, a := range res.Resolved {
		w.resolvd = append(w.resolvd, fmt.Sprintf("%s %s %s", w.now.Format("Mon 15:04"), a.Rule, a.Labels.String()))
	}
	return res
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// alerts are the alerts that started firing and those resolved, as
// "time rule labels", whose line holds of (a rule's name, " stuck ").
func (w *wk) alerts(of string) (fired, resolved []string) {
	for _, f := range w.fired {
		if strings.Contains(f, of) {
			fired = append(fired, f)
		}
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, of) {
			resolved = append(resolved, r)
		}
	}
	return fired, resolved
}

func (w *wk) until(t time.Time, step time.Duration) {
	for w.now.Before(t) {
		w.tick(step)
	}
}

var (
	friday = time.Date(2026, 11, 13, 7, 0, 0, 0, time.UTC) // 08:00 in Oslo/Copenhagen
	monday = time.Date(2026, 11, 16, 7, 0, 0, 0, time.UTC)
)

// TestWeekendQuietThenSilentMonday: a channel that delivers every letter
// on Friday, has nothing to do over the weekend (no letters sent; the
// poller still asks about the unopened ones), is no incident; the same
// channel that answers but changes nothing from Monday morning while the
// week's letters pile up is channel_silent, within about T + after.
func TestWeekendQuietThenSilentMonday(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	w.send("Skoleetaten", friday, friday.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
	// Monday: the channel answers the poller but changes nothing.
	w.send("Skoleetaten", monday, monday.Add(4*time.Hour), 10*time.Minute, func(int) bool { return true })
	for i := range w.plan {
		if !w.plan[i].at.Before(monday) {
			w.plan[i].mute = true
		}
	}
	w.until(monday, 15*time.Minute)
	if len(w.fired) > 0 {
		t.Errorf("a quiet weekend raised alerts: %v", w.fired)
	}
	w.until(monday.Add(4*time.Hour), 5*time.Minute)
	var silentAt string
	for _, f := range w.fired {
		if strings.Contains(f, "channel_silent") {
			silentAt = f
			break
		}
	}
	if silentAt == "" {
		t.Fatalf("a silent Monday raised no channel_silent: %v", w.fired)
	}
}

// TestWeekendLossKeepsFiring: the May 2020 shape: Friday afternoon the
// provider accepts every letter of one unit and delivers only every other
// one; nothing is sent over the weekend. The unit's stuck alert fires on
// Friday and keeps firing until the letters are dealt with: when the
// channel_silent alert that muted it resolves on Sunday (the Friday
// letters grow older than its young) without a word from the channel,
// the stuck alert is not settled away and fired anew (a RESOLVED and then
// a new FIRING mail for the same lost letters). No mail names a title or
// the unit.
func TestWeekendLossKeepsFiring(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	w.send("Skoleetaten", friday, friday.Add(5*time.Hour), 20*time.Minute, func(int) bool { return false })
	w.send("Sosialtjenesten", friday.Add(6*time.Hour), friday.Add(10*time.Hour), 6*time.Minute, func(i int) bool { return i%2 == 1 })
	w.until(monday.Add(3*time.Hour), 15*time.Minute)
	for _, m := range w.mp.Messages(t) {
		if strings.Contains(m.Raw, "HEMMELIG") || strings.Contains(m.Raw, "Sosialtjenesten") {
			t.Errorf("a title or the unit's name in an alert mail: %s", m.Subject)
		}
	}
	stuck := 0
	for _, f := range w.fired {
		if strings.Contains(f, " stuck ") {
			stuck++
		}
	}
	if stuck != 1 {
		t.Errorf("the unit's stuck alert started firing %d times over one unchanged incident, want once: %v", stuck, w.fired)
	}
	for _, r := range w.resolvd {
		if strings.Contains(r, " stuck ") {
			t.Errorf("the stuck alert resolved while none of its letters was delivered: %v", w.resolvd)
		}
	}
}

// TestBackfillNotAskedYetIsNoDrop: a back-fill (CSV import) of a unit's
// letters of the last days, registered a moment ago and not yet asked
// about (the poller has not reached them), is not a unit whose letters
// "never reached the channel": postvakt has not asked the channel yet.
// The channel meanwhile delivers another unit's letters as usual. Once
// the channel has said it does not know them, the unit's drop fires.
func TestBackfillNotAskedYetIsNoDrop(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	w.send("Skoleetaten", friday, friday.Add(6*time.Hour), 10*time.Minute, func(int) bool { return false })
	w.until(friday.Add(4*time.Hour), 15*time.Minute)
	if len(w.fired) > 0 {
		t.Fatalf("before the import: %v", w.fired)
	}
	// The import: 30 letters of Byggesak sent over the last five days,
	// the channel's to tell of; registered now, not yet polled.
	var items []model.NewShipment
	for i := range 30 {
		items = append(items, w.letter("Byggesak", w.now.Add(-5*24*time.Hour).Add(time.Duration(i)*3*time.Hour)))
	}
	if _, _, err := w.st.Register(context.Background(), items, store.SourceImport, "import:kari"); err != nil {
		t.Fatal(err)
	}
	res := w.tick(time.Minute) // the next evaluation, before the poller got round to them
	for _, a := range res.Fired {
		if !a.Inhibited {
			t.Errorf("a back-fill not yet polled raised %s %s (%d letters)", a.Rule, a.Labels.String(), a.Affected)
		}
	}
	storetest.Set(t, w.st, w.importedIDs(t, "Byggesak"), storetest.UnknownToChannelSince(w.now))
	res = w.tick(time.Minute)
	dropped := false
	for _, a := range res.Fired {
		dropped = dropped || (a.Rule == policy.RuleUnitDrop && a.Labels["unit"] == "Byggesak")
	}
	if !dropped {
		t.Errorf("the channel does not know the imported letters: want unit_delivery_drop for Byggesak, firing %v", active(res))
	}
}

// importedIDs are the ids of the unit's letters registered outside the plan.
func (w *wk) importedIDs(t *testing.T, unit string) []string {
	t.Helper()
	var ids []string
	if err := w.st.DB().Select(&ids, `SELECT s.id FROM shipments s JOIN sender_units u ON u.id = s.sender_unit_id WHERE u.name = $1`, unit); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestWeekendSilentChannelHoldsUntilItSpeaks: the channel answers the
// poller but changes nothing from Friday 14:00 (the May 2020 shape, the
// letters never moved); nothing is sent over the weekend. Its
// channel_silent alert fires on Friday and holds over the weekend, also
// once the Friday letters grow older than young on Sunday: no RESOLVED
// mail while the channel is as silent as ever and those letters are in no
// other alert. It resolves once the channel moves letters again on Monday.
func TestWeekendSilentChannelHoldsUntilItSpeaks(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	w.send("Skoleetaten", friday, friday.Add(8*time.Hour), 20*time.Minute, func(int) bool { return false })
	for i := range w.plan {
		w.plan[i].mute = !w.plan[i].at.Before(friday.Add(6 * time.Hour))
	}
	w.until(monday, 15*time.Minute)
	fired, resolved := w.alerts(" channel_silent ")
	if len(fired) != 1 || len(resolved) != 0 {
		t.Fatalf("a channel silent from Friday 14:00: channel_silent fired %v, resolved %v; want it firing until Monday", fired, resolved)
	}
	for _, m := range w.mp.Messages(t) {
		if strings.Contains(m.Subject, "RESOLVED") {
			t.Errorf("a resolution told while the channel was silent: %s", m.Subject)
		}
	}
	// Monday: the channel delivers the new letters again.
	w.send("Skoleetaten", monday, monday.Add(2*time.Hour), 10*time.Minute, func(int) bool { return false })
	w.until(monday.Add(2*time.Hour), 5*time.Minute)
	if _, resolved := w.alerts(" channel_silent "); len(resolved) != 1 {
		t.Errorf("the channel moves letters again: channel_silent resolved %v, want once", resolved)
	}
}

// TestLowTrafficSilentChannel: a channel that carries one letter a day
// delivers Friday's and answers the poller but moves nothing from Monday
// on: the letters stay
// registered, never acknowledged. Never three of them are within young
// (2 days), none is stuck (nothing changed after them), and no unit drops
// while the others' letters do not reach the channel either: it is
// channel_silent once three letters sent after its last change are
// overdue, not never.
func TestLowTrafficSilentChannel(t *testing.T) {
	t.Parallel()
	w := newWk(t, friday)
	w.history(40)
	w.send("Skoleetaten", friday, friday.Add(4*time.Hour), time.Hour, func(int) bool { return false })
	for d := range 8 {
		w.plan = append(w.plan, planned{at: monday.Add(time.Duration(d)*24*time.Hour + 3*time.Hour), unit: "Skoleetaten", mute: true})
	}
	w.until(monday.Add(4*24*time.Hour), time.Hour)
	fired, _ := w.alerts(" channel_silent ")
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "Wed") && !strings.HasPrefix(fired[0], "Thu") {
		t.Errorf("one letter a day, none moved since Monday: channel_silent fired %v, want once by Thursday (all: %v)", fired, w.fired)
	}
}
