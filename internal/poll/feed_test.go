package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/config"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/sim"
	"postvakt/internal/sim/simtest"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// dpMeaning is what each event tag means, written out here from the table
// in the specs README (not taken from the adapter).
var dpMeaning = map[string]model.State{
	"MEMO_SEND_RECEIVED": model.StateAccepted, "MEMO_SEND_VALIDATED": model.StateAccepted,
	"DELAYED_MEMO_SEND_VALIDATED_AWAITING_DELAY": model.StateAccepted, "DELAYED_MEMO_SEND_SENT": model.StateAccepted,
	"MEMO_SEND_VALIDATION_FAILED": model.StateRejected, "MEMO_SEND_FAILED": model.StateFailed,
	"MEMO_AVAILABLE_TO_RECIPIENT": model.StateAvailable, "MEMO_SEND_SENT_TO_RECIPIENT_SYSTEM": model.StateAvailable,
	"MEMO_SEND_FETCHED_BY_RECIPIENT_SYSTEM": model.StateAvailable, "MESSAGE_READ": model.StateOpened,
}

// dpStage is the escalation stage a tag leaves behind.
var dpStage = map[string]string{"UNOPENED_MAIL_SENT_AS_PHYSICAL_POST": "channel_print", "MEMO_SEND_RECALLED": "closed"}

const feedScenario = `
organisations: {count: 0}
shipments: {count: 0}
digitalpost:
  sender: {units: [A, B, C, D]}
  companies: 8
  citizens: 25
  citizen_share: 0.6
  letters: 300
  sent_from: -2d
  sent_to: 2d
  open: {chance: 0.6, delay: {min: 20m, max: 3d}}
  physical_post_chance: 0.6
  physical_post_delay: {min: 2d, max: 3d}
  delayed_share: 0.1
  recall_chance: 0.5
  unknown_tag_chance: 0.1
  recipient_system_share: 0.2
  log:
    late_chance: 0.3
    late_delay: {min: 2m, max: 9m}
    duplicate_chance: 0.15
    odd_time_chance: 0.1
    broken_chance: 0.02
    page_size_cap: 25
    search_events: true
`

type feedWorld struct {
	sim    *sim.Sim
	clock  *sim.ManualClock
	st     *store.Store
	url    string       // the simulator server's base URL
	failAt atomic.Int64 // when > 0: drop the connection of requests for this page (plus one)
	// throttle: answer every request 429 with Retry-After: 3600; asked
	// counts the requests that reached the server.
	throttle atomic.Bool
	asked    atomic.Int64
	reg      map[string]string
	// blind: a letter's look-up (the messageUUID filter) finds nothing,
	// whatever the letter, while the windows read as usual.
	blind atomic.Bool
}

func newFeedWorld(t *testing.T) *feedWorld { t.Helper(); return newFeedWorldFrom(t, feedScenario) }

// newFeedWorldFrom starts the simulator with a scenario over a fresh
// database.
func newFeedWorldFrom(t *testing.T, scenario string) *feedWorld {
	t.Helper()
	w := &feedWorld{reg: map[string]string{}}
	srv := simtest.New(t, simtest.Parse(t, scenario), simtest.Options{Seed: 5,
		Sim: sim.Options{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}, Wrap: w.faults})
	w.sim, w.clock, w.url = srv.Sim, srv.Clock, srv.URL
	w.st = storetest.Open(t)
	return w
}

// faults answers as the world's switches say (throttle, blind, failAt)
// and leaves the rest to the simulator, counting every request.
func (w *feedWorld) faults(simulator http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.asked.Add(1)
		if w.throttle.Load() {
			rw.Header().Set("Retry-After", "3600")
			http.Error(rw, `{"error":"Too Many Requests"}`, http.StatusTooManyRequests)
			return
		}
		if q := r.URL.Query(); w.blind.Load() && q.Has("metaProperties.messageUUID") {
			q.Set("metaProperties.messageUUID", "00000000-0000-4000-8000-00000000b11d")
			r.URL.RawQuery = q.Encode()
		}
		if n := w.failAt.Load(); n > 0 && r.URL.Query().Get("page") == strconv.Itoa(int(n-1)) {
			// No answer at all (a server error after pages read oldest
			// first is a gap, read on from: the read would not fail).
			conn, _, err := rw.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		simulator.ServeHTTP(rw, r)
	})
}

// adapter is a fresh Digital Post adapter (a restarted process has one).
func (w *feedWorld) adapter(t *testing.T) *digitalpost.Client {
	t.Helper()
	o := w.sim.Options()
	return digitalPostAt(t, digitalpost.Config{BaseURL: w.url + "/apis/v1", SystemID: o.DigitalPostSystemID,
		APIToken: o.DigitalPostAPIToken, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
}

// digitalPostAt is a Digital Post adapter with cfg over an HTTP client that
// neither retries nor breaks (each test decides what a failure does) and
// logs to cfg.Logger.
func digitalPostAt(t *testing.T, cfg digitalpost.Config) *digitalpost.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{Name: "digitalpost", BaseURL: cfg.BaseURL, MaxRetries: -1, BreakerThreshold: -1,
		Logger: cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	c, err := digitalpost.New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register registers the letters of the given units sent by now that are
// not registered yet.
func (w *feedWorld) register(t *testing.T, units ...string) {
	t.Helper()
	var items []model.NewShipment
	for _, r := range w.sim.Shipments() {
		if _, done := w.reg[r.ChannelID]; done || r.SentAt.After(w.sim.Now()) || !contains(units, r.SenderUnit) {
			continue
		}
		items = append(items, storetest.FromSim(r))
	}
	for _, it := range items {
		if errs := it.Validate(w.sim.Now(), nil); len(errs) > 0 {
			t.Fatalf("the simulator's Danish letter does not validate: %v", errs)
		}
	}
	if len(items) == 0 {
		return
	}
	got, _, err := w.st.Register(context.Background(), items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		w.reg[g.ChannelID] = g.ID
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (w *feedWorld) poller(log *bytes.Buffer) *poll.Poller {
	return poll.New(w.st, slog.New(slog.NewTextHandler(log, nil)), poll.Options{Now: w.sim.Now})
}

// TestFeedFollowsDigitalPost: over days of simulated time, with late and
// duplicate events, many pages, unreadable entries, letters registered
// after their events went by, letters never registered, and a process
// that dies in the middle of a read and starts again, every registered
// letter ends in the state its events dictate, with each readable event
// kept exactly once.
func TestFeedFollowsDigitalPost(t *testing.T) {
	w := newFeedWorld(t)
	ctx := context.Background()
	var log bytes.Buffer
	p, ch := w.poller(&log), w.adapter(t)
	var total poll.Summary
	restarted := false
	pending := 0 // events created but not yet visible when a read ran
	cycle := func(step int) {
		t.Helper()
		for _, r := range w.sim.Shipments() {
			for _, e := range w.sim.DanishEvents(r.ChannelID) {
				if !e.Created.After(w.sim.Now()) && e.Visible.After(w.sim.Now()) {
					pending++
				}
			}
		}
		sum, err := p.Poll(ctx, ch)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		total.Polled += sum.Polled
		total.Changed += sum.Changed
		total.Errors += sum.Errors
		total.Unregistered += sum.Unregistered
	}
	for step := 0; step < 20; step++ {
		// Reads a few minutes apart catch events that are not yet
		// visible; only the overlap brings them in later.
		for _, d := range []time.Duration{171 * time.Minute, 3 * time.Minute, 3 * time.Minute, 3 * time.Minute} {
			w.clock.Advance(d)
			w.register(t, "A", "B") // sent, registered at once
			if step >= 10 {
				w.register(t, "C") // registered late: their first events went by unknown
			}
			// D is never registered: its events are counted, not stored.
			cycle(step)
		}
		if step == 6 {
			w.clock.Advance(12 * time.Hour) // a longer window: several pages
			before, _, _ := w.st.FeedCursor(ctx, "digitalpost")
			w.failAt.Store(3) // page 2 of the window fails: the process "dies" mid-read
			sum, err := p.Poll(ctx, ch)
			w.failAt.Store(0)
			if err == nil || sum.Failed == 0 {
				t.Fatalf("the read with a failing page did not fail: %+v %v", sum, err)
			}
			after, _, _ := w.st.FeedCursor(ctx, "digitalpost")
			if !after.Equal(before) {
				// Whether the log left out an entry it counted shows only at
				// the read's end: a read that failed midway reads the window
				// again (TestFeedNotesCountedEntryReadStoppedMidway).
				t.Fatalf("a read that failed midway moved the cursor (%s → %s)", before, after)
			}
			p, ch, restarted = w.poller(&log), w.adapter(t), true // a new process
			cycle(step)
		}
	}
	// Let every late event become visible and read once more.
	w.clock.Advance(time.Hour)
	w.register(t, "A", "B", "C")
	if _, err := p.Poll(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if !restarted || total.Polled < 500 || total.Changed < 100 || total.Unregistered == 0 || total.Errors == 0 {
		t.Fatalf("summary %+v: want many entries read, changes, unknown letters counted, unreadable entries", total)
	}
	now := w.sim.Now()
	checked, backfilled := 0, 0
	for _, r := range w.sim.Shipments() {
		id, ok := w.reg[r.ChannelID]
		if !ok {
			continue
		}
		sh, err := w.st.Shipment(ctx, id, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		want, wantStage, wantEvents, avail := expectFromTruth(w.sim.DanishEvents(r.ChannelID), now)
		kept := map[string]int{}
		for _, e := range sh.Events {
			if e.Kind == store.EventChannel {
				var ev struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(e.Payload, &ev); err != nil {
					t.Fatal(err)
				}
				kept[ev.ID]++
				if strings.Contains(string(e.Payload), r.Title) {
					t.Fatalf("%s: the title is in the evidence: %s", r.ChannelID, e.Payload)
				}
			}
		}
		for _, eid := range wantEvents {
			if kept[eid] != 1 {
				t.Errorf("%s (unit %s): event %s kept %d times, want once", r.ChannelID, r.SenderUnit, eid, kept[eid])
			}
		}
		if len(kept) != len(wantEvents) {
			t.Errorf("%s: %d events kept, want %d", r.ChannelID, len(kept), len(wantEvents))
		}
		if sh.State != want {
			t.Errorf("%s (unit %s): state %s, the events say %s", r.ChannelID, r.SenderUnit, sh.State, want)
		}
		if wantStage != "" && string(sh.Stage) != wantStage {
			t.Errorf("%s: stage %s, want %s", r.ChannelID, sh.Stage, wantStage)
		}
		if (avail == nil) != (sh.AvailableAt == nil) || (avail != nil && !avail.Equal(*sh.AvailableAt)) {
			t.Errorf("%s: available at %v, the events say %v", r.ChannelID, sh.AvailableAt, avail)
		}
		if sh.NextPollAt != nil {
			t.Errorf("%s: still waiting for a back-fill", r.ChannelID)
		}
		if r.SenderUnit == "C" && len(wantEvents) > 0 {
			backfilled++
		}
		checked++
	}
	t.Logf("summary %+v; %d letters checked, %d back-filled, %d events not yet visible when read", total, checked, backfilled, pending)
	if checked < 150 || backfilled < 20 || pending < 10 {
		t.Fatalf("%d letters checked, %d of them back-filled, %d reads met a late event: the test proves too little", checked, backfilled, pending)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Fatalf("errors logged:\n%s", log.String())
	}
	// A read of nothing new changes nothing and keeps nothing twice.
	sum, err := p.Poll(ctx, ch)
	if err != nil || sum.Changed != 0 {
		t.Fatalf("an idle cycle: %+v %v", sum, err)
	}
}

// expectFromTruth folds a letter's events visible at now (and readable)
// into its state, stage, the event ids that must be kept and when it
// became available.
func expectFromTruth(evs []sim.DanishEvent, now time.Time) (model.State, string, []string, *time.Time) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].EventTime.Before(evs[j].EventTime) })
	state, stage := model.StateRegistered, ""
	var ids []string
	var avail *time.Time
	for _, e := range evs {
		if e.Broken || e.Visible.After(now) {
			continue
		}
		ids = append(ids, e.ID)
		s, ok := dpMeaning[e.Tag]
		if ok && s != state && model.CheckTransition(state, s) == nil {
			state = s
		}
		if (s == model.StateAvailable || s == model.StateOpened) && (avail == nil || e.EventTime.Before(*avail)) {
			t := e.EventTime
			avail = &t
		}
		if st, ok := dpStage[e.Tag]; ok {
			stage = st
		}
	}
	return state, stage, ids, avail
}

// TestDigitalPostOpensFromItsRegistration: the simulator's environment
// lines open Digital Post through the channel registry, as a feed.
func TestDigitalPostOpensFromItsRegistration(t *testing.T) {
	w := newFeedWorld(t)
	env := map[string]string{}
	for _, l := range w.sim.Env(w.url) {
		k, v, _ := strings.Cut(l, "=")
		if strings.HasPrefix(k, "POSTVAKT_DIGITALPOST_") {
			env[k] = v
		}
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	chans, err := channel.Open(cfg, channel.Deps{Log: log})
	if err != nil || len(chans) != 1 {
		t.Fatalf("opened %d channels: %v", len(chans), err)
	}
	if _, ok := chans[0].(channel.Feed); !ok || chans[0].Name() != "digitalpost" || channel.Display("digitalpost") != "Digital Post" {
		t.Fatalf("opened %T %s", chans[0], chans[0].Name())
	}
	w.clock.Advance(time.Hour)
	w.register(t, "A")
	// The log's clock half a day ahead of ours: what it dates up to our
	// now is taken; what it dates later is refused, as a polled status
	// dated in the future is, and kept as a poll error. It changes no
	// letter, leaves no evidence dated ahead and does not move the cursor,
	// so it is read again and taken when our clock gets there.
	lag := 12 * time.Hour
	ours := func() time.Time { return w.sim.Now().Add(-lag) }
	p := poll.New(w.st, log, poll.Options{Now: ours})
	sum, err := p.Poll(context.Background(), chans[0])
	if err != nil || sum.Polled == 0 || sum.Changed == 0 || sum.Errors == 0 {
		t.Fatalf("a cycle with the log's clock ahead: %+v %v; want changes, and the entries dated ahead refused", sum, err)
	}
	limit := ours().Add(model.MaxFutureSkew)
	var ahead int
	if err := w.st.DB().Get(&ahead, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND observed_at > $1`, limit); err != nil || ahead != 0 {
		t.Fatalf("%d evidence events dated after our now (%v)", ahead, err)
	}
	if cursor, _, err := w.st.FeedCursor(context.Background(), "digitalpost"); err != nil || cursor.After(limit) {
		t.Fatalf("the cursor moved to %s, after our now %s (%v)", cursor, ours(), err)
	}
	refused := func() (n int) {
		t.Helper()
		if err := w.st.DB().Get(&n, `SELECT count(*) FROM poll_errors WHERE channel = 'digitalpost' AND error LIKE '%in the future%'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := refused()
	if first == 0 {
		t.Fatal("no entry refused as dated in the future")
	}
	lag = 0
	if sum, err = p.Poll(context.Background(), chans[0]); err != nil || sum.Changed == 0 || refused() != first {
		t.Fatalf("our clock caught up: %+v %v, %d entries refused as ahead (%d before); want those taken now", sum, err, refused()-first, first)
	}
	if err := w.st.DB().Get(&ahead, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND observed_at > $1`, limit); err != nil || ahead == 0 {
		t.Fatalf("none of the entries refused before was taken (%v)", err)
	}
	// A bad setting names its variable.
	env["POSTVAKT_DIGITALPOST_OVERLAP"] = "ten minutes"
	if cfg, err = config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		_, err = channel.Open(cfg, channel.Deps{Log: log})
	}
	if err == nil || !strings.Contains(err.Error(), "POSTVAKT_DIGITALPOST_OVERLAP") {
		t.Errorf("a bad overlap: %v", err)
	}
}
