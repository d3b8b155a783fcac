package health_test

// Replays of the incident seeds (from an independent review: ../shared/seeds) on a real
// database with a fake clock, without the simulator: letters registered
// through the store as a sender system would, their channel answers written
// through store.ApplyPoll and store.RecordChannelCalls as the poller does,
// the real Evaluator with a real SMTP server (mailpit) and a webhook
// receiver.

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

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

// fate is what the channel does with a letter, as offsets from its sent
// time; a negative offset: never.
type fate struct {
	unknown bool          // the channel never hears of it
	accept  time.Duration // accepted (validated) after
	avail   time.Duration // available after
	open    time.Duration // opened after
	reject  time.Duration // rejected after
}

var (
	delivered = fate{accept: 2 * time.Minute, avail: 15 * time.Minute, open: -1, reject: -1}
	lostIn    = fate{accept: 2 * time.Minute, avail: -1, open: -1, reject: -1} // validated, never available
	neverLeft = fate{unknown: true, accept: -1, avail: -1, open: -1, reject: -1}
)

type rletter struct {
	ns   model.NewShipment
	f    fate
	id   string
	done bool
}

type replay struct {
	t       *testing.T
	st      *store.Store
	ch      string
	cfg     *policy.Health
	mp      *mailpittest.Server
	hook    *receiver
	logs    *logtest.Buffer
	letters []*rletter
	next    int // first letter not yet registered (letters sorted by sent time)
	byID    map[string]*rletter
	fired   []store.Alert
	resolv  []store.Alert
	mails   []mailpittest.Message
	hooks   []amMessage
	evals   int
	cursor  time.Time // the feed's: entries up to it were read
}

func newReplay(t *testing.T, ch string, letters []*rletter) *replay {
	sort.SliceStable(letters, func(i, j int) bool { return letters[i].ns.SentAt.Before(letters[j].ns.SentAt) })
	return &replay{t: t, st: storetest.Open(t), ch: ch, cfg: policy.DefaultHealth(), mp: mailpittest.Start(t),
		hook: newReceiver(t), logs: &logtest.Buffer{}, letters: letters, byID: map[string]*rletter{}}
}

// evaluator is a fresh evaluator (a replica, or one after a restart).
func (r *replay) evaluator() *health.Evaluator {
	mail, err := remind.NewSMTP(remind.SMTPConfig{Addr: r.mp.SMTPAddr, From: from, Timeout: 5 * time.Second})
	if err != nil {
		r.t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: "alert-webhook", MaxRetries: -1, BreakerThreshold: -1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		r.t.Fatal(err)
	}
	l := slog.New(slog.NewTextHandler(r.logs, nil))
	return &health.Evaluator{Store: r.st, Config: r.cfg, Channels: []string{r.ch}, Logger: l,
		Notifier: &health.Notifier{Store: r.st, Mail: mail, From: from, Emails: []string{alertsTo},
			Webhook: &health.Webhook{HTTP: hc, URL: r.hook.srv.URL}, Logger: l}}
}

func statusOf(ch string, s model.State) string {
	dp := map[model.State]string{model.StateAccepted: "MEMO_VALIDATED", model.StateAvailable: "MEMO_AVAILABLE_TO_RECIPIENT",
		model.StateOpened: "MEMO_READ", model.StateRejected: "MEMO_REJECTED"}
	sv := map[model.State]string{model.StateAccepted: "MOTTATT", model.StateAvailable: "VARSLET",
		model.StateOpened: "LEST", model.StateRejected: "AVVIST"}
	if ch == "digitalpost" {
		return dp[s]
	}
	return sv[s]
}

// at returns the state the channel shows of l at now, and since when.
func (l *rletter) at(now time.Time) (model.State, time.Time, time.Time) {
	st, since, avail := model.StateRegistered, time.Time{}, time.Time{}
	el := now.Sub(l.ns.SentAt)
	step := func(d time.Duration, s model.State) {
		if d >= 0 && el >= d {
			st, since = s, l.ns.SentAt.Add(d)
			if s == model.StateAvailable {
				avail = since
			}
		}
	}
	step(l.f.accept, model.StateAccepted)
	step(l.f.avail, model.StateAvailable)
	step(l.f.open, model.StateOpened)
	step(l.f.reject, model.StateRejected)
	return st, since, avail
}

// poll registers the letters sent by now and answers for every letter due.
func (r *replay) poll(now time.Time) {
	ctx := context.Background()
	var batch []model.NewShipment
	var regs []*rletter
	for r.next < len(r.letters) && !r.letters[r.next].ns.SentAt.After(now) {
		batch = append(batch, r.letters[r.next].ns)
		regs = append(regs, r.letters[r.next])
		r.next++
	}
	if len(batch) > 0 {
		got, _, err := r.st.Register(ctx, batch, store.SourceAPI, "test")
		if err != nil {
			r.t.Fatal(err)
		}
		for i, g := range got {
			regs[i].id = g.ID
			r.byID[g.ID] = regs[i]
		}
	}
	if r.ch == "digitalpost" {
		r.pollFeed(now)
		return
	}
	for {
		due, err := r.st.ClaimDue(ctx, r.ch, now, 2000, 5*time.Minute)
		if err != nil {
			r.t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
		var res []store.PollResult
		changes := 0
		var last time.Time
		for _, d := range due {
			l := r.byID[d.ID]
			nextPoll := now.Add(30 * time.Minute)
			pr := store.PollResult{Due: d, Source: r.ch, ObservedAt: now, Status: d.ChannelStatus, State: d.State,
				NextPollAt: &nextPoll, RetryAt: nextPoll}
			if l.f.unknown {
				if now.Sub(d.SentAt) >= time.Hour {
					pr.Unknown = true
					slow := now.Add(2 * time.Hour)
					pr.NextPollAt, pr.RetryAt = &slow, slow
				}
				res = append(res, pr)
				continue
			}
			s, since, avail := l.at(now)
			if s != model.StateRegistered {
				pr.Status, pr.State, pr.ChangedAt = statusOf(r.ch, s), s, since
				if !avail.IsZero() {
					pr.AvailableAt = avail
				}
				pr.Payload = []byte(fmt.Sprintf(`{"status":%q}`, pr.Status))
				switch {
				case s == model.StateOpened || s == model.StateRejected:
					pr.NextPollAt = nil
				case s == model.StateAvailable:
					day := now.Add(24 * time.Hour)
					pr.NextPollAt = &day
				case now.Sub(d.SentAt) > 6*time.Hour:
					slow := now.Add(6 * time.Hour)
					pr.NextPollAt = &slow
				}
				if pr.Status != d.ChannelStatus {
					changes++
					if since.After(last) {
						last = since
					}
				}
			}
			res = append(res, pr)
		}
		if _, err := r.st.ApplyPoll(ctx, res); err != nil {
			r.t.Fatal(err)
		}
		if err := r.st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: r.ch, At: now, Calls: (len(due) + 99) / 100,
			Latency: 200 * time.Millisecond, MaxLatency: 200 * time.Millisecond, Changes: changes, LastChange: last}); err != nil {
			r.t.Fatal(err)
		}
	}
}

// eval runs an evaluation and collects what it fired, resolved and sent.
func (r *replay) eval(ev *health.Evaluator, now time.Time) health.Result {
	res, err := ev.Run(context.Background(), now, false)
	if err != nil {
		r.t.Fatal(err)
	}
	r.evals++
	r.fired = append(r.fired, res.Fired...)
	r.resolv = append(r.resolv, res.Resolved...)
	if len(res.Fired)+len(res.Resolved) > 0 || res.Notices.Sent > 0 {
		ms := r.mp.Messages(r.t)
		r.mp.DeleteAll(r.t)
		r.mails = append(r.mails, ms...)
	}
	r.hooks = append(r.hooks, r.hook.take()...)
	return res
}

// run polls and evaluates every step from from to to.
func (r *replay) run(ev *health.Evaluator, from, to time.Time, step time.Duration, each func(now time.Time, res health.Result)) {
	for now := from; !now.After(to); now = now.Add(step) {
		r.poll(now)
		res := r.eval(ev, now)
		if each != nil {
			each(now, res)
		}
	}
}

// leaks reports which of the secrets appear in what left postvakt.
func (r *replay) leaks(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		for _, m := range r.mails {
			if strings.Contains(m.Subject, s) || strings.Contains(m.Text, s) {
				out = append(out, fmt.Sprintf("%q in mail %q", s, m.Subject))
				break
			}
		}
		for _, h := range r.hooks {
			if strings.Contains(h.Body, s) {
				out = append(out, fmt.Sprintf("%q in webhook", s))
				break
			}
		}
		if strings.Contains(r.logs.String(), s) {
			out = append(out, fmt.Sprintf("%q in log", s))
		}
	}
	return out
}

func firedBy(as []store.Alert) map[string]int {
	out := map[string]int{}
	for _, a := range as {
		out[a.Rule]++
	}
	return out
}

func firstFired(as []store.Alert, rule string) *store.Alert {
	for i := range as {
		if as[i].Rule == rule {
			return &as[i]
		}
	}
	return nil
}

var cph = func() *time.Location {
	l, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err)
	}
	return l
}()

// cpr is a valid-looking Danish CPR number for person i.
func cpr(i int) string { return fmt.Sprintf("%02d%02d%02d%04d", 1+i%28, 1+i%12, 50+i%40, 1000+i%9000) }

// copenhagenUnits are the May 2020 report's departments, with names that
// say what their letters are about (they must never leave postvakt), and
// letters per half hour on a weekday.
var copenhagenUnits = []struct {
	name string
	n    int
}{
	{"BIF Misbrugsbehandling", 1}, {"BUF Børnefamilieenheden", 10}, {"KFF Kultur og Fritid", 10},
	{"SOF Socialforvaltningen Handicap", 6}, {"SUF Sygefravær", 8}, {"TMF Teknik og Miljø", 3}, {"OKF Økonomi", 2},
}

// copenhagenMay builds the letters sent [from, to): weekdays 8:00–16:00
// every half hour per unit, and SOF and SUF every two hours round the clock
// on weekends. fault says each letter's fate by its sent time and number.
func copenhagenMay(from, to time.Time, fault func(at time.Time, i int) fate) []*rletter {
	var out []*rletter
	i := 0
	add := func(unit string, at time.Time) {
		f := fault(at, i)
		out = append(out, &rletter{f: f, ns: model.NewShipment{Channel: "digitalpost", ChannelID: storetest.ChannelID("cph", i),
			SenderOrg: "64942212", SenderUnit: unit, RecipientKind: model.RecipientPerson, RecipientID: cpr(i),
			Title: fmt.Sprintf("Indkaldelse til sygefraværssamtale %d", i), Confidential: true, Class: "default",
			SenderSystem: "SBSYS", SentAt: at.UTC()}})
		i++
	}
	for t := from; t.Before(to); t = t.Add(30 * time.Minute) {
		lt := t.In(cph)
		wd := lt.Weekday()
		if wd == time.Saturday || wd == time.Sunday {
			if lt.Minute() == 0 && lt.Hour()%2 == 0 {
				add(copenhagenUnits[3].name, t.Add(7*time.Minute))
				add(copenhagenUnits[4].name, t.Add(9*time.Minute))
			}
			continue
		}
		if lt.Hour() < 8 || lt.Hour() >= 16 {
			continue
		}
		for _, u := range copenhagenUnits {
			for k := range u.n {
				add(u.name, t.Add(time.Duration(k*2+1)*time.Minute))
			}
		}
	}
	return out
}

// TestSeedCopenhagenMay2020: e-Boks validated the letters of 12–18 May
// 2020 and delivered only about half; over the weekend of 15–17 May
// nothing. The sender got its receipts. Two weeks of normal traffic before
// (a quiet weekend among them) raise nothing; the loss is caught on the
// morning of 12 May, per department, once; nothing resolves while the
// letters are still lost; no name of a department, title or CPR number
// leaves postvakt.
func TestSeedCopenhagenMay2020(t *testing.T) {
	start := time.Date(2020, 5, 8, 0, 0, 0, 0, cph) // a normal Friday and weekend first
	faultFrom, faultTo := time.Date(2020, 5, 12, 0, 0, 0, 0, cph), time.Date(2020, 5, 19, 0, 0, 0, 0, cph)
	wkFrom, wkTo := time.Date(2020, 5, 15, 18, 0, 0, 0, cph), time.Date(2020, 5, 18, 0, 0, 0, 0, cph)
	end := time.Date(2020, 5, 18, 12, 0, 0, 0, cph)
	letters := copenhagenMay(start, end, func(at time.Time, i int) fate {
		switch {
		case !at.Before(wkFrom) && at.Before(wkTo):
			return lostIn
		case !at.Before(faultFrom) && at.Before(faultTo) && i%2 == 0:
			return lostIn
		}
		return delivered
	})
	lost := 0
	for _, l := range letters {
		if l.f == lostIn {
			lost++
		}
	}
	t.Logf("%d letters, %d lost inside the provider", len(letters), lost)
	r := newReplay(t, "digitalpost", letters)
	ev := r.evaluator()
	type ev2 struct {
		at   time.Time
		what string
	}
	var timeline []ev2
	r.run(ev, start, end, 30*time.Minute, func(now time.Time, res health.Result) {
		for _, a := range res.Fired {
			timeline = append(timeline, ev2{now, fmt.Sprintf("FIRE %s %v muted=%v affected=%d", a.Rule, a.Labels, a.Inhibited, a.Affected)})
		}
		for _, a := range res.Resolved {
			timeline = append(timeline, ev2{now, fmt.Sprintf("RESOLVE %s %v", a.Rule, a.Labels)})
		}
		if now.Equal(faultFrom) && len(r.fired) > 0 {
			t.Errorf("alerts before the fault: %+v", firedBy(r.fired))
		}
	})
	for _, e := range timeline {
		t.Logf("%s %s", e.at.In(cph).Format("Mon 02 15:04"), e.what)
	}
	t.Logf("%d evaluations, %d mails, %d webhook messages; fired %v, resolved %v", r.evals, len(r.mails), len(r.hooks), firedBy(r.fired), firedBy(r.resolv))
	for _, m := range r.mails {
		t.Logf("mail: %s", m.Subject)
	}
	st := firstFired(r.fired, "stuck")
	if st == nil {
		t.Fatal("the provider's loss raised no stuck alert")
	}
	if d := st.StartedAt.Sub(faultFrom); d > 12*time.Hour {
		t.Errorf("first stuck alert %s after the fault began, want hours", d)
	}
	for _, a := range r.resolv {
		if a.Rule == "stuck" {
			t.Errorf("stuck alert %v resolved at %s while its letters are still lost (no follow-up recorded)", a.Labels, a.ResolvedAt.In(cph).Format("Mon 02 15:04"))
		}
	}
	if n := firedBy(r.fired)["channel_silent"]; n > 2 {
		t.Errorf("channel_silent fired %d times (a new alert, a new mail each) over one partial loss and one weekend outage", n)
	}
	// The alerts fired together are one mail, repeated each
	// repeat_interval while they fire: more is a storm.
	groups := map[time.Time]bool{}
	for _, a := range r.fired {
		groups[a.StartedAt] = true
	}
	if limit := len(groups) * (int(end.Sub(st.StartedAt)/r.cfg.Stuck.RepeatInterval) + 2); len(r.mails) > limit {
		t.Errorf("%d alert mails over a week, more than %d groups of alerts told once each and repeated every %s: a storm",
			len(r.mails), len(groups), r.cfg.Stuck.RepeatInterval)
	}
	var secrets []string
	for _, u := range copenhagenUnits {
		secrets = append(secrets, u.name)
	}
	secrets = append(secrets, "sygefraværssamtale", cpr(0), cpr(1), cpr(2))
	if l := r.leaks(secrets...); len(l) > 0 {
		t.Errorf("confidential content left postvakt: %v", l)
	}
}

// pollFeed reads the event log (Digital Post) from the cursor to now: an
// entry per transition that happened in (cursor, now], and every letter
// sent before the cursor is synced (its time has been read).
func (r *replay) pollFeed(now time.Time) {
	ctx := context.Background()
	from := r.cursor
	if from.IsZero() {
		from = now.Add(-time.Hour)
	}
	var entries []store.FeedEntry
	var synced []string
	var last time.Time
	for _, l := range r.letters[:r.next] {
		if l.f.unknown {
			if l.ns.SentAt.Before(from) && !l.done {
				synced = append(synced, l.id)
				l.done = true
			}
			continue
		}
		for _, tr := range []struct {
			d time.Duration
			s model.State
		}{{l.f.accept, model.StateAccepted}, {l.f.avail, model.StateAvailable}, {l.f.open, model.StateOpened}, {l.f.reject, model.StateRejected}} {
			if tr.d < 0 {
				continue
			}
			at := l.ns.SentAt.Add(tr.d)
			if at.After(from) && !at.After(now) {
				tag := statusOf(r.ch, tr.s)
				entries = append(entries, store.FeedEntry{ID: l.ns.ChannelID + "/" + tag, ChannelID: l.ns.ChannelID, Tag: tag,
					State: tr.s, At: at, Payload: []byte(fmt.Sprintf(`{"type":%q}`, tag))})
				if at.After(last) {
					last = at
				}
			}
		}
		if l.ns.SentAt.Before(from) && !l.done {
			synced = append(synced, l.id)
			l.done = true
		}
	}
	w, err := r.st.ApplyFeed(ctx, store.FeedApply{Channel: r.ch, Entries: entries, Cursor: now, Synced: synced})
	if err != nil {
		r.t.Fatal(err)
	}
	r.cursor = now
	if err := r.st.RecordChannelCalls(ctx, store.ChannelCalls{Channel: r.ch, At: now, Calls: 1 + len(entries)/500,
		Latency: 200 * time.Millisecond, MaxLatency: 200 * time.Millisecond, Changes: w.Changed, LastChange: last}); err != nil {
		r.t.Fatal(err)
	}
}

// TestSeedCopenhagenDecember2019: from 9 December 2019 the sender system
// SEPO's letters never reach Digital Post (dropped as spam, no error); the
// units also send through SBSYS, whose letters arrive. Caught in hours,
// for the system, once; the units' alerts are muted; no storm.
func TestSeedCopenhagenDecember2019(t *testing.T) {
	start := time.Date(2019, 12, 5, 0, 0, 0, 0, cph)
	faultFrom := time.Date(2019, 12, 9, 0, 0, 0, 0, cph)
	end := time.Date(2019, 12, 11, 12, 0, 0, 0, cph)
	var letters []*rletter
	i := 0
	for at := start; at.Before(end); at = at.Add(30 * time.Minute) {
		lt := at.In(cph)
		if lt.Weekday() == time.Saturday || lt.Weekday() == time.Sunday || lt.Hour() < 8 || lt.Hour() >= 16 {
			continue
		}
		for u := range 40 {
			sys := "SBSYS"
			if u < 10 || (u < 35 && (i/40)%3 == 0) {
				sys = "SEPO" // units 0–9 send only through SEPO, 10–34 a third of their letters
			}
			if u >= 35 && (i/40)%4 != 0 {
				i++
				continue // small units
			}
			f := delivered
			if sys == "SEPO" && !at.Before(faultFrom) {
				f = neverLeft
			}
			letters = append(letters, &rletter{f: f, ns: model.NewShipment{Channel: "digitalpost", ChannelID: storetest.ChannelID("sepo", i),
				SenderOrg: "64942212", SenderUnit: fmt.Sprintf("BUF Tandplejen enhed %02d", u), RecipientKind: model.RecipientPerson,
				RecipientID: cpr(i), Title: "Uddannelsesparathedsvurdering", Confidential: true, Class: "default",
				SenderSystem: sys, SentAt: at.Add(time.Duration(u%29) * time.Minute).UTC()}})
			i++
		}
	}
	r := newReplay(t, "digitalpost", letters)
	ev := r.evaluator()
	r.run(ev, start, end, 30*time.Minute, func(now time.Time, res health.Result) {
		if now.Equal(time.Date(2019, 12, 10, 19, 30, 0, 0, cph)) {
			f, _ := ev.Gather(context.Background(), now)
			for _, sy := range f.Systems {
				t.Logf("system facts at %s: %+v", now.In(cph).Format("Mon 02 15:04"), sy)
			}
			t.Logf("silence ended %+v due %+v", f.SilenceEnded, f.Due)
		}
		for _, a := range res.Fired {
			t.Logf("%s FIRE %s %v muted=%v affected=%d", now.In(cph).Format("Mon 02 15:04"), a.Rule, a.Labels, a.Inhibited, a.Affected)
		}
		for _, a := range res.Resolved {
			t.Logf("%s RESOLVE %s %v", now.In(cph).Format("Mon 02 15:04"), a.Rule, a.Labels)
		}
	})
	t.Logf("%d letters; %d evaluations, %d mails; fired %v, resolved %v", len(letters), r.evals, len(r.mails), firedBy(r.fired), firedBy(r.resolv))
	for _, m := range r.mails {
		t.Logf("mail: %s", m.Subject)
	}
	var sys *store.Alert
	for i := range r.fired {
		if r.fired[i].Labels["system"] == "SEPO" && sys == nil {
			sys = &r.fired[i]
		}
		if r.fired[i].Labels["system"] == "SBSYS" {
			t.Errorf("an alert for SBSYS, which works: %+v", r.fired[i].Labels)
		}
	}
	if sys == nil {
		t.Fatal("no alert for SEPO")
	}
	if d := sys.StartedAt.Sub(faultFrom.Add(8 * time.Hour)); d > 6*time.Hour {
		t.Errorf("SEPO's alert %s after its first letters of the day", d)
	}
	for _, a := range r.fired {
		if a.Labels["unit"] != "" && !a.Inhibited {
			t.Errorf("unit alert told beside the system's: %s %v", a.Rule, a.Labels)
		}
	}
	if l := r.leaks("BUF Tandplejen", "Uddannelsesparathedsvurdering", cpr(0), cpr(1)); len(l) > 0 {
		t.Errorf("confidential content left postvakt: %v", l)
	}
}
