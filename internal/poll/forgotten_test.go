package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"postvakt/internal/channel"
	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// forgetFake is SvarUt (v1 statuser, v2 status-sok, their histories) and
// Altinn's details, from the specs, for letters it knows (VARSLET /
// Published). What it answers once it "turns" is the test's: a 404 with a
// JSON body for every status call (a retired v1, a framework's 404 for a
// path it has no route for), an empty statuser (another account's), an
// empty-body 404 for every correspondence. gone are letters it no longer
// mentions while it answers about the others.
type forgetFake struct {
	mu     sync.Mutex
	known  map[string]bool // lower-case id
	gone   map[string]bool
	turned string // "", "404json", "empty", "altinn404"
	asked  map[string]int
}

func newForgetFake() *forgetFake {
	return &forgetFake{known: map[string]bool{}, gone: map[string]bool{}, asked: map[string]int{}}
}

func (f *forgetFake) set(fn func(f *forgetFake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *forgetFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	changed := time.Date(2026, 11, 20, 11, 5, 0, 0, time.UTC)
	springNotFound := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"timestamp":%d,"status":404,"error":"Not Found","path":%q}`, time.Now().UnixMilli(), r.URL.Path)
	}
	v1 := r.URL.Path == "/tjenester/api/forsendelse/v1/statuser"
	switch {
	case r.Method == http.MethodPost && (v1 || strings.HasSuffix(r.URL.Path, "/forsendelser/status-sok")):
		if f.turned == "404json" {
			springNotFound()
			return
		}
		var ids []string
		if v1 {
			_ = json.Unmarshal(body, &ids)
		} else {
			var sok struct {
				ForsendelseIDs []string `json:"forsendelseIds"`
			}
			_ = json.Unmarshal(body, &sok)
			ids = sok.ForsendelseIDs
		}
		recs := []map[string]any{}
		for _, id := range ids {
			f.asked[strings.ToLower(id)]++
			if f.turned == "empty" || !f.known[strings.ToLower(id)] || f.gone[strings.ToLower(id)] {
				continue
			}
			if v1 {
				recs = append(recs, map[string]any{"forsendelsesId": map[string]string{"id": id}, "sisteStatusEndring": changed.UnixMilli(), "status": "VARSLET"})
			} else {
				recs = append(recs, map[string]any{"id": id, "sisteStatusEndring": changed.Format(time.RFC3339), "status": "VARSLET"})
			}
		}
		if v1 && len(recs) == 0 {
			// SvarUt v1 answers 404 when it knows none of the ids asked.
			springNotFound()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"statuser": recs})
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/hendelser"):
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hendelser":[{"tidspunkt":"2026-11-20T12:05:00+01:00","hendelse":"Varslet mottaker"}]}`))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/historikk"):
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hendelsesLogger":[{"tidspunkt":"20.11.2026 12:05:00","hendelse":"Varslet mottaker"}]}`))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/details"):
		parts := strings.Split(r.URL.Path, "/")
		id := strings.ToLower(parts[len(parts)-2])
		f.asked[id]++
		if f.turned == "altinn404" || !f.known[id] || f.gone[id] {
			w.WriteHeader(http.StatusNotFound) // no body: Altinn's CorrespondenceNotFound, or anyone's
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"correspondenceId":%q,"created":"2026-11-20T10:00:00Z","status":"Published","statusChanged":%q,"isConfidential":true}`,
			id, changed.Format(time.RFC3339))
	default:
		http.NotFound(w, r)
	}
}

// forgetWorld is letters on one channel, the fake, the real adapter asking
// it over HTTP, and a poller on a clock the test moves.
type forgetWorld struct {
	st    *store.Store
	fake  *forgetFake
	ch    channel.Channel
	p     *poll.Poller
	now   time.Time
	ships []store.Shipment
	logs  *bytes.Buffer
}

// newForgetWorld registers n letters on channel name ("svarut" with api
// "v1" or "v2", or "altinn"), all known to the fake, and a few minutes
// after now due for their first poll.
func newForgetWorld(t *testing.T, name, api string, n int) *forgetWorld {
	t.Helper()
	w := &forgetWorld{st: storetest.Open(t), fake: newForgetFake(), logs: &bytes.Buffer{},
		now: time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)}
	logger := slog.New(slog.NewTextHandler(w.logs, nil))
	var items []model.NewShipment
	for i := 0; i < n; i++ {
		it := storetest.Letter(i)
		it.Channel = name
		items = append(items, it)
		w.fake.known[strings.ToLower(it.ChannelID)] = true
	}
	w.ships = storetest.Register(t, w.st, items...)
	switch name {
	case "altinn":
		w.ch = altinnAt(t, logger, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1}, w.fake)
	default:
		srv := httptest.NewServer(w.fake)
		t.Cleanup(srv.Close)
		hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: srv.URL, Logger: logger, MaxRetries: -1, BreakerThreshold: -1})
		if err != nil {
			t.Fatal(err)
		}
		su, err := svarut.New(svarut.Config{BaseURL: srv.URL, API: api, KontoID: "2b2d3c3e-3f3a-4b4c-8d8e-9f9a0b0c0d0e",
			IntegrasjonID: "integrasjon", IntegrasjonPassord: "passord", User: "avsender", Password: "passord",
			BatchSize: 40, Logger: logger}, hc, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.ch = su
	}
	// One worker: the letters due together are one batch, as the tests
	// mean them to be. With more, two workers' claims (SKIP LOCKED) may
	// split them, and a batch holding only letters the channel never knew
	// is judged on its own before the other finds the channel forgetful
	// (the clean-clone run of 2026-12-02 on a loaded machine).
	w.p = poll.New(w.st, logger, poll.Options{Now: func() time.Time { return w.now }, Workers: 1})
	return w
}

// cycle runs one poll cycle at the world's now.
func (w *forgetWorld) cycle(t *testing.T) (poll.Summary, error) {
	t.Helper()
	return w.p.Poll(context.Background(), w.ch)
}

// shipment reads one letter back.
func (w *forgetWorld) shipment(t *testing.T, i int) *store.Shipment {
	t.Helper()
	sh, err := w.st.Shipment(context.Background(), w.ships[i].ID, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// count counts letter i's events of kind whose message holds substr.
func count(sh *store.Shipment, kind, substr string) int {
	n := 0
	for _, e := range sh.Events {
		if e.Kind == kind && strings.Contains(e.Message, substr) {
			n++
		}
	}
	return n
}

// TestChannelThatKnowsNoneOfItsLettersMarksNothing: the channel answered
// about every letter, then answers for a whole batch as if it knew none of
// them: SvarUt v2 and a retired v1 answering a JSON 404 to every status
// call, SvarUt v2 answering an empty statuser (another account's), Altinn
// an empty-body 404 for every correspondence. For three hours of polls no
// letter is marked unknown_to_channel and none gets an unknown_to_channel
// event (its reminders would be held back); every cycle is an error for
// the channel and the calls are kept in poll_errors. The letters the
// channel never knew (registered with them, in the same batches) are not
// marked either while it answers so. Once the channel answers again, the
// known letters are simply known and the never-known ones are marked as
// they always were.
func TestChannelThatKnowsNoneOfItsLettersMarksNothing(t *testing.T) {
	for _, c := range []struct {
		name, channel, api, turn string
		// want: the cycles' error. A v2 JSON 404 is a failed call (the
		// channel unreachable); the others are answers "none known".
		want error
	}{
		{"svarut v2 JSON 404", "svarut", "v2", "404json", poll.ErrUnreachable},
		{"svarut v1 JSON 404 (retired)", "svarut", "v1", "404json", poll.ErrForgetful},
		{"svarut v2 empty statuser", "svarut", "v2", "empty", poll.ErrForgetful},
		{"altinn empty-body 404", "altinn", "", "altinn404", poll.ErrForgetful},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			const n, never = 12, 2 // the last two the channel never knew
			w := newForgetWorld(t, c.channel, c.api, n)
			for i := n - never; i < n; i++ {
				delete(w.fake.known, strings.ToLower(w.ships[i].ChannelID))
			}
			// The first poll: the channel knows the first ten. The two it
			// never knew are left unpolled for now.
			storetest.Set(t, w.st, storetest.IDs(w.ships[n-never:]), storetest.NoPoll())
			if _, err := w.cycle(t); err != nil {
				t.Fatalf("first cycle: %v", err)
			}
			for i := 0; i < n-never; i++ {
				if sh := w.shipment(t, i); sh.State != model.StateAvailable || sh.ChannelStatus == "" {
					t.Fatalf("letter %d after the first poll: %s %q, want available", i, sh.State, sh.ChannelStatus)
				}
			}
			w.fake.set(func(f *forgetFake) { f.turned = c.turn })
			storetest.Set(t, w.st, nil, storetest.NextPollAt(w.now))
			start := w.now
			for w.now.Before(start.Add(3 * time.Hour)) {
				sum, err := w.cycle(t)
				if sum.Polled > 0 && !errors.Is(err, c.want) {
					t.Fatalf("+%s: a cycle in which the channel knew none of its letters: %v (%+v), want %v", w.now.Sub(start), err, sum, c.want)
				}
				if sum.Unknown != 0 {
					t.Fatalf("+%s: %d letters counted unknown to the channel (%+v, %v)", w.now.Sub(start), sum.Unknown, sum, err)
				}
				w.now = w.now.Add(10 * time.Minute)
			}
			for i := 0; i < n; i++ {
				sh := w.shipment(t, i)
				if sh.UnknownToChannelSince != nil || count(sh, store.EventUnknown, "") != 0 {
					t.Errorf("letter %d is marked unknown to the channel (%v) though the channel answered for all its letters alike", i, sh.UnknownToChannelSince)
				}
			}
			if n, err := w.st.PollErrors(ctx, c.channel, start); err != nil || n == 0 {
				t.Errorf("poll_errors since the turn: %d, %v; want the failed calls kept", n, err)
			}
			// The channel answers again.
			w.fake.set(func(f *forgetFake) { f.turned = "" })
			storetest.Set(t, w.st, nil, storetest.NextPollAt(w.now))
			if sum, err := w.cycle(t); err != nil || sum.Unknown != never {
				t.Fatalf("the channel answering again: %+v, %v; want the %d letters it never knew marked", sum, err, never)
			}
			for i := 0; i < n; i++ {
				sh := w.shipment(t, i)
				if got, want := sh.UnknownToChannelSince != nil, i >= n-never; got != want {
					t.Errorf("letter %d marked unknown: %v, want %v", i, got, want)
				}
			}
			if t.Failed() {
				t.Log(w.logs.String())
			}
		})
	}
}

// TestLetterTheChannelForgetsIsItsErrorUntilTheGrace: the channel knows
// eight letters, then stops mentioning one of them while it answers about
// the others. That letter is not marked on that answer: it gets a poll
// error saying the channel answered about it before, its own backoff, a
// log line naming it, and the cycle is no error. Only after the channel
// has kept not knowing it for the hour (UnknownGrace) over repeated polls
// is it marked, with one unknown_to_channel event; the others are
// untouched. A letter the channel has never known (the Copenhagen case) is
// marked at its first poll, as before.
func TestLetterTheChannelForgetsIsItsErrorUntilTheGrace(t *testing.T) {
	for _, c := range []struct{ name, channel, api string }{
		{"svarut v2", "svarut", "v2"},
		{"altinn", "altinn", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			const n = 9 // the last: never known
			w := newForgetWorld(t, c.channel, c.api, n)
			delete(w.fake.known, strings.ToLower(w.ships[n-1].ChannelID))
			sum, err := w.cycle(t)
			if err != nil || sum.Unknown != 1 {
				t.Fatalf("first cycle: %+v, %v; want the letter the channel never knew marked", sum, err)
			}
			if sh := w.shipment(t, n-1); sh.UnknownToChannelSince == nil || count(sh, store.EventUnknown, "") != 1 {
				t.Fatalf("the letter the channel never knew is not marked at its first poll: %v", sh.UnknownToChannelSince)
			}
			const x = 3
			w.fake.set(func(f *forgetFake) { f.gone[strings.ToLower(w.ships[x].ChannelID)] = true })
			storetest.Set(t, w.st, storetest.IDs(w.ships[:n-1]), storetest.NextPollAt(w.now))
			first := w.now
			sum, err = w.cycle(t)
			if err != nil || sum.Unknown != 0 || sum.Forgotten != 1 {
				t.Fatalf("the cycle the channel forgot one letter: %+v, %v; want no error, the letter its own error", sum, err)
			}
			sh := w.shipment(t, x)
			if sh.UnknownToChannelSince != nil || count(sh, store.EventPollError, "answered about this letter before") != 1 {
				t.Fatalf("letter %d after the channel first did not know it: marked %v, %d poll errors; want not marked, one poll error",
					x, sh.UnknownToChannelSince, count(sh, store.EventPollError, "answered about this letter before"))
			}
			if !strings.Contains(w.logs.String(), w.ships[x].ID) {
				t.Errorf("no log line names the letter %s", w.ships[x].ID)
			}
			var marked time.Time
			for w.now.Before(first.Add(3 * time.Hour)) {
				w.now = w.now.Add(10 * time.Minute)
				if _, err := w.cycle(t); err != nil {
					t.Fatalf("+%s: %v", w.now.Sub(first), err)
				}
				sh := w.shipment(t, x)
				if sh.UnknownToChannelSince != nil && marked.IsZero() {
					marked = w.now
				}
			}
			switch {
			case marked.IsZero():
				t.Fatalf("letter %d, not known for three hours, is still not marked", x)
			case marked.Sub(first) < poll.UnknownGrace:
				t.Fatalf("letter %d marked %s after the channel first did not know it, within the grace (%s)", x, marked.Sub(first), poll.UnknownGrace)
			case marked.Sub(first) > poll.UnknownGrace+30*time.Minute:
				t.Errorf("letter %d marked only %s after the channel first did not know it", x, marked.Sub(first))
			}
			sh = w.shipment(t, x)
			if count(sh, store.EventUnknown, "") != 1 || count(sh, store.EventPollError, "answered about this letter before") < 3 {
				t.Errorf("letter %d: %d unknown events, %d poll errors; want one, after repeated polls", x,
					count(sh, store.EventUnknown, ""), count(sh, store.EventPollError, "answered about this letter before"))
			}
			for i := 0; i < n-1; i++ {
				if sh := w.shipment(t, i); i != x && (sh.UnknownToChannelSince != nil || sh.State != model.StateAvailable) {
					t.Errorf("letter %d, known all along: marked %v, %s", i, sh.UnknownToChannelSince, sh.State)
				}
			}
			// Known again: the mark goes, and a later "not known" is again
			// an error first.
			w.fake.set(func(f *forgetFake) { delete(f.gone, strings.ToLower(w.ships[x].ChannelID)) })
			storetest.Set(t, w.st, storetest.IDs(w.ships[x:x+1]), storetest.NextPollAt(w.now))
			if _, err := w.cycle(t); err != nil {
				t.Fatal(err)
			}
			if sh := w.shipment(t, x); sh.UnknownToChannelSince != nil {
				t.Fatalf("letter %d known again is still marked", x)
			}
			w.fake.set(func(f *forgetFake) { f.gone[strings.ToLower(w.ships[x].ChannelID)] = true })
			w.now = w.now.Add(time.Minute)
			storetest.Set(t, w.st, storetest.IDs(w.ships[x:x+1]), storetest.NextPollAt(w.now))
			if sum, err := w.cycle(t); err != nil || sum.Unknown != 0 || sum.Forgotten != 1 {
				t.Fatalf("forgotten again: %+v, %v; want its error again, not a mark at once", sum, err)
			}
			if t.Failed() {
				t.Log(w.logs.String())
			}
		})
	}
}

// TestFeedLookUpsThatFindNothingMarkNothing: Digital Post's look-ups of
// single letters (the messageUUID filter) find nothing for any letter,
// while the log's windows read as usual (a filter the log stopped
// honouring, a search index being rebuilt). Letters the log has mentioned
// and that are looked up again (here: made due by hand, as a failed
// look-up or a discovery leaves them) are not marked unknown_to_channel:
// the cycle is an error (ErrForgetful) and the look-ups are kept in
// poll_errors. Once the look-ups find entries again, nothing is marked.
func TestFeedLookUpsThatFindNothingMarkNothing(t *testing.T) {
	w := newFeedWorld(t)
	ctx := context.Background()
	var logs bytes.Buffer
	p, ch := w.poller(&logs), w.adapter(t)
	w.register(t, "A", "B", "C", "D")
	if _, err := p.Poll(ctx, ch); err != nil {
		t.Fatal(err)
	}
	var heard []string
	if err := w.st.DB().Select(&heard, `SELECT s.id FROM shipments s WHERE s.channel = 'digitalpost'
			AND EXISTS (SELECT 1 FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = $1)
		ORDER BY s.sent_at LIMIT 10`, store.EventChannel); err != nil {
		t.Fatal(err)
	}
	if len(heard) < 10 {
		t.Fatalf("only %d letters the log mentioned", len(heard))
	}
	w.clock.Advance(3 * time.Hour)
	w.blind.Store(true)
	storetest.Set(t, w.st, heard, storetest.NextPollAt(w.sim.Now()))
	start := w.sim.Now()
	for i := 0; i < 6; i++ {
		sum, err := p.Poll(ctx, ch)
		if !errors.Is(err, poll.ErrForgetful) {
			t.Fatalf("cycle %d with look-ups that find nothing: %v (%+v), want ErrForgetful", i, err, sum)
		}
		w.clock.Advance(30 * time.Minute)
		storetest.Set(t, w.st, heard, storetest.NextPollAt(w.sim.Now()))
	}
	var marked int
	if err := w.st.DB().Get(&marked, `SELECT count(*) FROM shipments WHERE id = ANY($1::uuid[]) AND unknown_to_channel_since IS NOT NULL`,
		pq.Array(heard)); err != nil {
		t.Fatal(err)
	}
	if marked > 0 {
		t.Errorf("%d letters the log mentioned are marked unknown to the channel because its look-ups found nothing", marked)
	}
	if n, err := w.st.PollErrors(ctx, "digitalpost", start); err != nil || n == 0 {
		t.Errorf("poll_errors since the look-ups went blind: %d, %v; want them kept", n, err)
	}
	w.blind.Store(false)
	if _, err := p.Poll(ctx, ch); err != nil {
		t.Fatalf("look-ups finding entries again: %v", err)
	}
	if t.Failed() {
		t.Log(logs.String())
	}
}

// TestFewLettersAllForgottenAreNotMarkedAfterTheGrace: a sender with two
// open letters, both known to SvarUt, which then answers an empty statuser
// for everything. Too few for a suspicious share, so each is its own error
// at first (the cycle no error); once their hour is over, the channel is
// asked about a witness, a letter it answered at its last poll (here a
// third, final one), does not know that either, and nothing is marked: the
// cycles from then on fail with ErrForgetful.
func TestFewLettersAllForgottenAreNotMarkedAfterTheGrace(t *testing.T) {
	w := newForgetWorld(t, "svarut", "v2", 3)
	if _, err := w.cycle(t); err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, w.st, storetest.IDs(w.ships[2:]), storetest.NoPoll(), storetest.State(model.StateOpened))
	w.fake.set(func(f *forgetFake) { f.turned = "empty" })
	storetest.Set(t, w.st, storetest.IDs(w.ships[:2]), storetest.NextPollAt(w.now))
	start := w.now
	forgetful := 0
	for w.now.Before(start.Add(3 * time.Hour)) {
		sum, err := w.cycle(t)
		switch {
		case errors.Is(err, poll.ErrForgetful):
			forgetful++
		case err != nil:
			t.Fatalf("+%s: %v", w.now.Sub(start), err)
		case sum.Polled > 0 && w.now.Sub(start) < poll.UnknownGrace && sum.Forgotten == 0:
			t.Fatalf("+%s: %+v; want the letters each their own error within the hour", w.now.Sub(start), sum)
		}
		w.now = w.now.Add(10 * time.Minute)
	}
	for i := 0; i < 3; i++ {
		if sh := w.shipment(t, i); sh.UnknownToChannelSince != nil {
			t.Errorf("letter %d marked unknown to the channel, though the channel knows none of its letters", i)
		}
	}
	if forgetful == 0 {
		t.Error("no cycle failed with ErrForgetful once the letters' hour was over")
	}
	if t.Failed() {
		t.Log(w.logs.String())
	}
}
