package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel/svarut"
	"postvakt/internal/httpclient"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
	"postvakt/internal/sim"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// poisonError is what the poll_error of each poisoned letter must say.
var poisonError = map[string]string{
	"svarut/fails_forever":  "fails whenever this letter is asked about",
	"svarut/truncated":      "fails whenever this letter is asked about",
	"svarut/epoch_seconds":  "looks like epoch seconds",
	"svarut/future":         "in the future",
	"svarut/unknown_status": "unknown status value",
	"altinn/forbidden":      "code 4001",
	"altinn/fails_forever":  "after retries",
	"altinn/truncated":      "unreadable status record",
	"altinn/epoch_seconds":  "statusChanged",
}

// TestHostileScenario polls the hostile world over several cycles, moving
// the simulator's clock: every letter whose channel gave a readable answer
// ends in its true state, each poisoned letter is isolated with its own
// error (and the letters the channel never heard of are marked so), no
// cycle fails, and nothing of the letters' content reaches the evidence.
func TestHostileScenario(t *testing.T) {
	w := newWorld(t, "hostile", false)
	chans := w.channels(t)
	var log bytes.Buffer
	p := w.poller(&log)
	ctx := context.Background()
	for step := 0; step < 4; step++ {
		w.clock.Advance(9 * time.Hour)
		for _, ch := range chans {
			sum, err := p.Poll(ctx, ch)
			if err != nil {
				t.Fatalf("cycle %d, %s: %v (%+v): a channel that answered was reached", step, ch.Name(), err, sum)
			}
		}
	}
	var readable, poisoned, unknown int
	for _, r := range w.sim.ShipmentsWithStatus() {
		sh, err := w.st.Shipment(ctx, w.ids[r.ChannelID], store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		key := r.Channel + "/" + r.Poison
		var last *store.Event
		if n := len(sh.Events); n > 0 {
			last = &sh.Events[n-1]
		}
		switch {
		case r.Poison == "never_sent":
			unknown++
			if sh.State != model.StateRegistered || sh.UnknownToChannelSince == nil || countKind(sh.Events, store.EventUnknown) != 1 ||
				countKind(sh.Events, store.EventPollError) != 0 {
				t.Errorf("%s (never sent): %s, unknown since %v, events %v", key, sh.State, sh.UnknownToChannelSince, kinds(sh.Events))
			}
		case sim.PoisonReadable(r.Poison):
			readable++
			status := r.Status
			if r.KeptStatus != "" {
				status = r.KeptStatus
			}
			want, ok := expected[status]
			if !ok {
				t.Fatalf("simulator status %q has no expected state in this test", status)
			}
			if sh.State != want || sh.UnknownToChannelSince != nil || (r.Status != "" && sh.ChannelStatus != r.Status) {
				t.Errorf("%s %s: stored %s/%s, simulator says %s (%s); events %v", key, r.ChannelID, sh.State, sh.ChannelStatus, r.Status, want, kinds(sh.Events))
			}
			if want != model.StateRegistered && countKind(sh.Events, store.EventPollError) > 0 {
				t.Errorf("%s %s: a readable letter has poll errors: %v", key, r.ChannelID, sh.Events)
			}
		default:
			poisoned++
			msg, ok := poisonError[key]
			if !ok {
				t.Fatalf("no expected error for poison %s", key)
			}
			if sh.State != model.StateRegistered || last == nil || last.Kind != store.EventPollError || !strings.Contains(last.Message, msg) ||
				sh.NextPollAt == nil {
				t.Errorf("%s %s: %s, last event %+v; want isolated with %q", key, r.ChannelID, sh.State, last, msg)
			}
			if countKind(sh.Events, store.EventPollError) < 3 {
				t.Errorf("%s: %d poll errors in 4 cycles: it was not retried on its own", key, countKind(sh.Events, store.EventPollError))
			}
		}
		for _, e := range sh.Events {
			if e.Kind != store.EventRegistered && sh.Title != "" && bytes.Contains(e.Payload, []byte(sh.Title)) {
				t.Errorf("%s: the title reached the evidence: %s", r.ChannelID, e.Payload)
			}
		}
	}
	want := 0
	for _, kinds := range w.sim.Scenario().Poison {
		for k, n := range kinds {
			if !sim.PoisonReadable(k) && k != "never_sent" {
				want += n
			}
		}
	}
	if poisoned != want || unknown != 5 || readable < 100 {
		t.Fatalf("%d poisoned (want %d), %d unknown, %d readable", poisoned, want, unknown, readable)
	}
	if n, err := w.st.PollErrors(ctx, "svarut", time.Time{}); err != nil || n != 0 {
		var errs []string
		_ = w.st.DB().Select(&errs, `SELECT error || ' ' || shipments FROM poll_errors`)
		t.Errorf("%d whole-call poll errors on svarut: the poisoned ids were not isolated (%v): %v", n, err, errs)
	}
	if n, err := w.st.PollErrors(ctx, "altinn", time.Time{}); err != nil || n != 0 {
		t.Errorf("%d whole-call poll errors on altinn (%v)", n, err)
	}
	if strings.Contains(log.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", log.String())
	}
}

func countKind(evs []store.Event, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func kinds(evs []store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
		if e.Message != "" {
			out[i] += "(" + e.Message + ")"
		}
	}
	return out
}

// The poller with the real SvarUt adapter against a fake written from the
// channel notes (POST /v2/kontoer/{kontoId}/forsendelser/status-sok,
// GET /v2/forsendelser/{id}/hendelser), answering as the notes allow and
// as Java servers write, over two cycles.

const hostileKonto = "d6b23522-ddf3-462a-8140-16e59e1f476d"

func hostileID(n int) string { return fmt.Sprintf("5e1f0000-0000-4000-8000-%012d", n) }

// TestHostileSvarUtThroughThePoller: what each letter's records say, and
// what the letter must be after the poll.
//
//   - 0: LEST dated "0001-01-01T00:00:00" (a placeholder for no time):
//     opened. (Dated year 1, it was refused as before the letter was sent.)
//   - 1: LEST dated 1672569235.008000000-style (Jackson's epoch seconds):
//     opened. (Refused as no date-time before.)
//   - 2: listed twice, VARSLET and LEST at one time: opened.
//   - 3: a new status value: its own error, registered, the others read.
//   - 4: left out of the answer, sent half an hour ago: not yet unknown
//     (UnknownGrace).
//   - 5: VARSLET with seven fraction digits and an offset without its
//     colon; its history a proxy's HTML page: available, the history
//     noted as missing and asked again.
//   - 6: VARSLET, then AKSEPTERT at the next poll (a status going
//     backwards): stays available, the move refused and recorded.
//
// The answer also lists a letter not asked about, which is ignored.
func TestHostileSvarUtThroughThePoller(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	sent := t0.Add(-30 * time.Minute)
	var items []model.NewShipment
	for i := range 7 {
		items = append(items, model.NewShipment{Channel: "svarut", ChannelID: hostileID(i),
			SenderOrg: "964338531", SenderUnit: "U", RecipientKind: "org", RecipientID: "974760673",
			Title: "T", Confidential: true, Class: "taushetsbelagt", SentAt: sent})
	}
	ships, _, err := st.Register(ctx, items, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Set(t, st, storetest.IDs(ships), storetest.NextPollAt(t0.Add(-time.Minute)))

	at := func(d time.Duration) string { return sent.Add(d).UTC().Format(time.RFC3339Nano) }
	rec := func(id, status, changed string) string {
		return fmt.Sprintf(`{"id":%q,"sisteStatusEndring":%s,"status":%q}`, id, changed, status)
	}
	var mu sync.Mutex
	records := map[string][]string{
		hostileID(0): {rec(hostileID(0), "LEST", `"0001-01-01T00:00:00"`)},
		hostileID(1): {rec(hostileID(1), "LEST", fmt.Sprintf("%d.008000000", sent.Add(10*time.Minute).Unix()))},
		hostileID(2): {rec(hostileID(2), "VARSLET", `"`+at(5*time.Minute)+`"`), rec(hostileID(2), "LEST", `"`+at(5*time.Minute)+`"`)},
		hostileID(3): {rec(hostileID(3), "NY_STATUS_FRA_KS", `"`+at(5*time.Minute)+`"`)},
		hostileID(5): {rec(hostileID(5), "VARSLET", `"`+sent.Add(5*time.Minute).In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.0000000-0700")+`"`)},
		hostileID(6): {rec(hostileID(6), "VARSLET", `"`+at(5*time.Minute)+`"`)},
	}
	srv := httpfake.New(t, nil)
	srv.Handle("POST /v2/kontoer/{konto}/forsendelser/status-sok", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("konto") != hostileKonto || r.Header.Get("IntegrasjonId") == "" || r.Header.Get("IntegrasjonPassord") == "" {
			t.Errorf("status-sok without the account or the integration's headers")
		}
		mu.Lock()
		defer mu.Unlock()
		out := []string{rec(hostileID(99), "AVVIST", `"`+at(time.Minute)+`"`)} // not asked
		for _, id := range ids(t, r) {
			out = append(out, records[strings.ToLower(id)]...)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"statuser":[%s]}`, strings.Join(out, ","))
	})
	srv.Handle("GET /v2/forsendelser/{id}/hendelser", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == hostileID(5) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Innlogging</body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"hendelser":[{"tidspunkt":"2023-01-01T08:13:14.547+01:00","hendelse":"Akseptert for ekspedering"}]}`)
	})
	ch := hostileSvarUt(t, srv.URL)
	var buf bytes.Buffer
	if _, err := newPoller(st, func() time.Time { return t0 }, &buf).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	records[hostileID(6)] = []string{rec(hostileID(6), "AKSEPTERT", `"`+at(20*time.Minute)+`"`)}
	mu.Unlock()
	storetest.Set(t, st, []string{ships[6].ID}, storetest.NextPollAt(t0))
	if _, err := newPoller(st, func() time.Time { return t0.Add(time.Minute) }, &buf).Cycle(ctx, ch); err != nil {
		t.Fatal(err)
	}

	want := []model.State{model.StateOpened, model.StateOpened, model.StateOpened, model.StateRegistered, model.StateRegistered,
		model.StateAvailable, model.StateAvailable}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]string{}
		for _, e := range sh.Events {
			kinds[e.Kind] += e.Message + ";"
		}
		if sh.State != w {
			t.Errorf("letter %d: %s, want %s; events %v", i, sh.State, w, kinds)
		}
		switch i {
		case 3:
			if !strings.Contains(kinds[store.EventPollError], "unknown status value") {
				t.Errorf("letter 3: no error of its own: %v", kinds)
			}
		case 4:
			if sh.UnknownToChannelSince != nil {
				t.Errorf("letter 4 marked unknown half an hour after it was sent (UnknownGrace: an hour)")
			}
		case 5:
			if !strings.Contains(kinds[store.EventPollError], "history") {
				t.Errorf("letter 5: its missing history not noted: %v", kinds)
			}
		case 6:
			if _, ok := kinds[store.EventRejected]; !ok {
				t.Errorf("letter 6: the move back to accepted not recorded: %v", kinds)
			}
		}
	}
}

// ids reads the ids of a status-sok body.
func ids(t *testing.T, r *http.Request) []string {
	var body struct {
		ForsendelseIDs []string `json:"forsendelseIds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("status-sok body: %v", err)
	}
	return body.ForsendelseIDs
}

// hostileSvarUt is the SvarUt adapter against a fake at url (v2, the hostile
// notes' account), retrying at once, without a breaker.
func hostileSvarUt(t *testing.T, url string) *svarut.Client {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	hc, err := httpclient.New(httpclient.Options{Name: "svarut", BaseURL: url, Logger: log, BackoffBase: time.Millisecond, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svarut.New(svarut.Config{BaseURL: url, KontoID: hostileKonto, IntegrasjonID: "i", IntegrasjonPassord: "p", Logger: log}, hc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestHostileFeedThroughThePoller: the Digital Post log of the notes' fake
// (feed_notes_test.go) with what the notes warn of, read by the poller
// over cycles:
//
//   - letter 0: available, read, the reading stored twice (the notes:
//     duplicate status messages), and an available again after it (a
//     status going backwards): opened, its reading kept once;
//   - letter 1: read, its eventTime in epoch microseconds (created
//     plausible): opened, dated by created. (Taken as given, the entry
//     lay tens of thousands of years ahead and was refused for ever.)
//   - letter 2: only an entry of a tag the adapter does not know: kept as
//     evidence, the letter unchanged, no error.
func TestHostileFeedThroughThePoller(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ships := notesLetters(t, st, 3, now.Add(-5*time.Hour))
	l := &notesLog{}
	at := func(d time.Duration) time.Time { return now.Add(-4*time.Hour + d) }
	entry := func(id, tag string, letter int, eventTime string, created time.Time) {
		if eventTime == "" {
			eventTime = notesTime(created)
		}
		l.add(created, notesRaw(id, tag, notesLetterID(letter), eventTime, notesTime(created)))
	}
	entry("av-0", "MEMO_AVAILABLE_TO_RECIPIENT", 0, "", at(0))
	entry("read-0", "MESSAGE_READ", 0, "", at(time.Hour))
	entry("read-0", "MESSAGE_READ", 0, "", at(time.Hour))
	entry("av-0-again", "MEMO_AVAILABLE_TO_RECIPIENT", 0, "", at(2*time.Hour))
	entry("av-1", "MEMO_AVAILABLE_TO_RECIPIENT", 1, "", at(0))
	entry("read-1", "MESSAGE_READ", 1, fmt.Sprint(at(time.Hour).UnixMicro()), at(time.Hour))
	entry("new-2", "MEMO_SOMETHING_NEW_IN_NGDP_2", 2, "", at(0))
	clock := now
	l.now = func() time.Time { return clock }
	dp := l.client(t, 100)
	p := notesPoller(st, func() time.Time { return clock })
	for range 3 {
		if _, err := p.Poll(ctx, dp); err != nil {
			t.Fatalf("cycle at %s: %v", clock, err)
		}
		clock = clock.Add(15 * time.Minute)
	}
	want := []model.State{model.StateOpened, model.StateOpened, model.StateRegistered}
	for i, s := range ships {
		sh, err := st.Shipment(ctx, s.ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		reads, errs := 0, 0
		for _, e := range sh.Events {
			if strings.Contains(string(e.Payload), `"read-0"`) {
				reads++
			}
			if e.Kind == store.EventPollError {
				errs++
			}
		}
		if sh.State != want[i] || errs != 0 {
			t.Errorf("letter %d: %s with %d poll errors, want %s and none", i, sh.State, errs, want[i])
		}
		if i == 0 && reads != 1 {
			t.Errorf("letter 0: its reading kept %d times, want once", reads)
		}
		if i == 1 && !sh.StateChangedAt.Equal(at(time.Hour)) {
			t.Errorf("letter 1 opened at %s, want %s (created)", sh.StateChangedAt, at(time.Hour))
		}
	}
}
