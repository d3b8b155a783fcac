package poll_test

// The wide re-read of Digital Post's event log (reread.go) against a log
// written from the channel notes (feed_notes_test.go), over HTTP, on the
// real database, with a fake clock. The notes: the log is only eventually
// consistent, an entry may show after later ones were listed; one that
// shows more than the overlap after its created time lies before every
// later window.

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/channel"
	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/jobs"
	"postvakt/internal/logtest"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// lateWorld is two Digital Post letters, sent two hours before start, and
// a log that shows their proof late: letter 0's MEMO_AVAILABLE_TO_RECIPIENT
// (created 90 minutes before start) and letter 1's MESSAGE_READ (80
// minutes before; its MEMO_AVAILABLE_TO_RECIPIENT showed at once) show
// only two hours after start, three and a half hours late: far past the
// 10-minute overlap. Another sender's letter every 20 minutes moves the
// cursor on. Cycles run every 15 minutes of the fake clock.
type lateWorld struct {
	st     *store.Store
	log    *notesLog
	dp     *digitalpost.Client
	p      *poll.Poller
	reg    *prometheus.Registry
	met    *poll.Metrics // on reg, kept across restarts (a scrape's sum over processes)
	out    *logtest.Buffer
	start  time.Time
	clock  time.Time
	ships  []store.Shipment
	late   int // Summary.Late over the cycles
	mu     sync.Mutex
	called []url.Values // the log's requests, in order
	reread time.Duration
}

// newLateWorld is the world with a Digital Post adapter reading pages of
// pageSize, its re-read reaching reread back (zero: the default, 48 h)
// once a day.
func newLateWorld(t *testing.T, pageSize int, reread time.Duration) *lateWorld {
	t.Helper()
	w := &lateWorld{st: storetest.Open(t), log: &notesLog{}, reg: prometheus.NewRegistry(), out: &logtest.Buffer{},
		start: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), reread: reread}
	w.clock = w.start
	w.met = poll.NewMetrics(w.reg)
	w.ships = notesLetters(t, w.st, 2, w.start.Add(-2*time.Hour))
	at := func(d time.Duration) time.Time { return w.start.Add(d) }
	entry := func(id, tag string, letter int, created time.Time) string {
		return notesRaw(id, tag, notesLetterID(letter), notesTime(created.Add(-time.Second)), notesTime(created))
	}
	for i := range 2 {
		w.log.add(at(-2*time.Hour), entry(fmt.Sprintf("received-%d", i), "MEMO_SEND_RECEIVED", i, at(-2*time.Hour)))
	}
	w.log.add(at(-100*time.Minute), entry("available-1", "MEMO_AVAILABLE_TO_RECIPIENT", 1, at(-100*time.Minute)))
	w.log.addLate(at(-90*time.Minute), at(2*time.Hour), entry("late-available-0", "MEMO_AVAILABLE_TO_RECIPIENT", 0, at(-90*time.Minute)))
	w.log.addLate(at(-80*time.Minute), at(2*time.Hour), entry("late-read-1", "MESSAGE_READ", 1, at(-80*time.Minute)))
	for c := at(-50 * time.Hour); c.Before(at(80 * time.Hour)); c = c.Add(20 * time.Minute) {
		w.log.add(c, entry("other-"+c.Format("0102150405"), "MEMO_SEND_RECEIVED", 900, c))
	}
	w.log.now = func() time.Time { return w.clock }
	w.log.asked = func(q url.Values) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.called = append(w.called, q)
	}
	w.dp = w.adapter(t, pageSize)
	w.p = w.poller()
	return w
}

// adapter is a fresh Digital Post adapter (a restarted process has one).
func (w *lateWorld) adapter(t *testing.T, pageSize int) *digitalpost.Client {
	return w.log.client(t, pageSize, func(c *digitalpost.Config) { c.Reread = w.reread })
}

// poller is a fresh poller (a restarted process has one) on the fake
// clock, its log kept in w.out.
func (w *lateWorld) poller() *poll.Poller {
	return poll.New(w.st, slog.New(slog.NewTextHandler(w.out, nil)),
		poll.Options{Now: func() time.Time { return w.clock }, Metrics: w.met})
}

// cycles runs a cycle every 15 minutes from the clock on while it is
// before until.
func (w *lateWorld) cycles(t *testing.T, until time.Time) {
	t.Helper()
	for ; w.clock.Before(until); w.clock = w.clock.Add(15 * time.Minute) {
		sum, err := w.p.Poll(context.Background(), w.dp)
		if err != nil {
			t.Fatalf("cycle at %s: %v", w.clock, err)
		}
		w.late += sum.Late
	}
}

// requests returns the log's requests since the n-th.
func (w *lateWorld) requests(n int) []url.Values {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]url.Values(nil), w.called[n:]...)
}

// letter returns letter i's state and availability.
func (w *lateWorld) letter(t *testing.T, i int) (model.State, *time.Time) {
	t.Helper()
	var row struct {
		State     model.State `db:"state"`
		Available *time.Time  `db:"available_at"`
	}
	if err := w.st.DB().Get(&row, `SELECT state, available_at FROM shipments WHERE id = $1`, w.ships[i].ID); err != nil {
		t.Fatal(err)
	}
	return row.State, row.Available
}

// kept counts the evidence rows of log entry id, and of all entries.
func (w *lateWorld) kept(t *testing.T, id string) (one, all int) {
	t.Helper()
	if err := w.st.DB().Get(&one, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND external_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := w.st.DB().Get(&all, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND external_id IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	return one, all
}

// escalating reports whether letter i is among the letters an escalation
// run looks at (every open one).
func (w *lateWorld) escalating(t *testing.T, i int) bool {
	t.Helper()
	found := false
	for s, err := range w.st.OpenShipments(context.Background(), w.clock.Add(365*24*time.Hour), true, 0) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || s.ID == w.ships[i].ID
	}
	return found
}

// lateCounted is postvakt_poll_results_total{channel="digitalpost",kind="late"}.
func (w *lateWorld) lateCounted(t *testing.T) float64 {
	t.Helper()
	return w.counted(t, "late")
}

// counted is postvakt_poll_results_total{channel="digitalpost",kind=kind};
// -1 when the series is not exported.
func (w *lateWorld) counted(t *testing.T, kind string) float64 {
	t.Helper()
	v, ok := counter(t, w.reg, "postvakt_poll_results_total", map[string]string{"channel": "digitalpost", "kind": kind})
	if !ok {
		return -1
	}
	return v
}

// TestFeedRereadTakesALateEntry: entries that show in the log hours after
// they were created are never read by the cycles' windows (cursor minus
// a 10-minute overlap): the letters stay as they were, a delivered one
// unproven, a read one escalating towards reminders and print. The daily
// re-read, reaching two days back, reads them: letter 0 is available
// from its entry's time (the proof kept), letter 1 opened and no longer
// escalating. Both are counted late (the metric, the cycle's Late) and
// logged by reference, never with the letter's title.
func TestFeedRereadTakesALateEntry(t *testing.T) {
	w := newLateWorld(t, 100, 0)
	// A day of cycles: the late entries showed long ago, but the windows
	// had passed them.
	w.cycles(t, w.start.Add(23*time.Hour))
	if s, _ := w.letter(t, 0); s != model.StateAccepted {
		t.Fatalf("letter 0 is %s before the re-read; want accepted (its late entry beyond the windows' reach)", s)
	}
	if s, _ := w.letter(t, 1); s != model.StateAvailable || !w.escalating(t, 1) {
		t.Fatalf("letter 1 is %s before the re-read; want available and escalating", s)
	}
	if w.late != 0 {
		t.Fatalf("%d entries counted late before any re-read", w.late)
	}
	// The series shows at 0 before: the alert's increase() sees the step
	// to the first late entry.
	if n := w.lateCounted(t); n != 0 {
		t.Fatalf("kind=\"late\" is %v before any re-read; want the series at 0", n)
	}
	// Past a day since the first cycle: the re-read.
	w.cycles(t, w.start.Add(25*time.Hour))
	state, avail := w.letter(t, 0)
	if want := w.start.Add(-90*time.Minute - time.Second); state != model.StateAvailable || avail == nil || !avail.Equal(want) {
		t.Errorf("letter 0 is %s, available %v; want available from %s (its late MEMO_AVAILABLE_TO_RECIPIENT)", state, avail, want)
	}
	if n, _ := w.kept(t, "late-available-0"); n != 1 {
		t.Errorf("letter 0's proof kept %d times, want once", n)
	}
	if s, _ := w.letter(t, 1); s != model.StateOpened || w.escalating(t, 1) {
		t.Errorf("letter 1 is %s (escalating: %v); want opened and its escalation over", s, w.escalating(t, 1))
	}
	if w.late != 2 || w.lateCounted(t) != 2 {
		t.Errorf("late entries: %d in the cycles, %v in the metric; want 2", w.late, w.lateCounted(t))
	}
	out := w.out.String()
	if !strings.Contains(out, "later than the overlap reaches") || !strings.Contains(out, "entry=late-") {
		t.Errorf("no log line about the late entries:\n%s", out)
	}
	if strings.Contains(out, "Afgørelse") {
		t.Error("the letter's title (the log's label) is in the log")
	}
}

// TestFeedRereadTwiceKeepsEachEntryOnce: every re-read reads again what
// the cycles (and the re-read before it) read; it costs reads, never a
// second evidence row: after a second re-read a day later, reaching three
// days back, so over the late entries again, each late entry is kept
// once, the evidence of every entry is what it was, and nothing more is
// counted late. Pages of 7: each re-read takes two cycles.
func TestFeedRereadTwiceKeepsEachEntryOnce(t *testing.T) {
	w := newLateWorld(t, 7, 72*time.Hour)
	w.cycles(t, w.start.Add(25*time.Hour))
	one, all := w.kept(t, "late-read-1")
	if one != 1 || w.late != 2 {
		t.Fatalf("after the first re-read: letter 1's read kept %d times, %d entries late; want 1 and 2", one, w.late)
	}
	n := len(w.requests(0))
	w.cycles(t, w.start.Add(50*time.Hour))
	reread := 0
	for _, q := range w.requests(n) {
		if from, err := time.Parse("2006-01-02T15:04:05.000Z07:00", q.Get("dateFrom")); err == nil && from.Before(w.start.Add(time.Hour)) {
			reread++
		}
	}
	if reread == 0 {
		t.Fatal("no second re-read: no request reached back to the late entries")
	}
	for _, id := range []string{"late-available-0", "late-read-1", "received-0", "available-1"} {
		if n, _ := w.kept(t, id); n != 1 {
			t.Errorf("entry %s kept %d times after two re-reads, want once", id, n)
		}
	}
	if _, again := w.kept(t, ""); again != all {
		t.Errorf("%d evidence rows after the second re-read, %d before: the log has no new entry about these letters", again, all)
	}
	if w.late != 2 || w.lateCounted(t) != 2 {
		t.Errorf("late entries: %d in the cycles, %v in the metric after two re-reads; want still 2", w.late, w.lateCounted(t))
	}
}

// TestFeedRereadResumesAfterAKill: a process killed in the middle of a
// re-read (its context cancelled while it asks for a page) has written
// the pages before with the re-read's progress; the next process goes on
// from there (its first re-read request starts at the progress, not at
// the span's start) and finishes it: the late entries kept once, the
// re-read done, the cursor never moved back.
func TestFeedRereadResumesAfterAKill(t *testing.T) {
	w := newLateWorld(t, 5, 0)
	w.cycles(t, w.start.Add(24*time.Hour))
	cursor, _, err := w.st.FeedCursor(context.Background(), "digitalpost")
	if err != nil {
		t.Fatal(err)
	}
	ctx, kill := context.WithCancel(context.Background())
	defer kill()
	rereadFrom := w.clock.Add(-48 * time.Hour)
	isReread := func(q url.Values) bool {
		from, err := time.Parse("2006-01-02T15:04:05.000Z07:00", q.Get("dateFrom"))
		return err == nil && from.Before(cursor.Add(-time.Hour))
	}
	w.log.asked = func(q url.Values) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.called = append(w.called, q)
		if isReread(q) && q.Get("page") == "3" {
			kill() // the process dies while asking for the re-read's fourth page
		}
	}
	if _, err := w.p.Poll(ctx, w.dp); err == nil {
		t.Fatal("the killed cycle reported no error")
	}
	rr, ok, err := w.st.FeedReread(context.Background(), "digitalpost")
	if err != nil || !ok || rr.From.IsZero() || !rr.Reached.After(rr.From) || !rr.From.Equal(rereadFrom) {
		t.Fatalf("after the kill the re-read stands at %+v (%v, %v); want running from %s, with progress", rr, ok, err, rereadFrom)
	}
	if one, _ := w.kept(t, "late-available-0"); one != 0 {
		t.Fatal("the late entry was read before the kill: the kill came too late to test anything")
	}
	// A new process, a minute later.
	w.clock = w.clock.Add(time.Minute)
	w.p, w.dp = w.poller(), w.adapter(t, 5)
	n := len(w.requests(0))
	w.log.asked = func(q url.Values) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.called = append(w.called, q)
	}
	w.cycles(t, w.clock.Add(2*time.Hour))
	var first time.Time
	for _, q := range w.requests(n) {
		if isReread(q) {
			first, _ = time.Parse("2006-01-02T15:04:05.000Z07:00", q.Get("dateFrom"))
			break
		}
	}
	if want := rr.Reached.Add(-time.Millisecond); !first.Equal(want) {
		t.Errorf("the re-read went on from %s; want from its progress %s (the span starts %s)", first, want, rr.From)
	}
	for _, id := range []string{"late-available-0", "late-read-1"} {
		if n, _ := w.kept(t, id); n != 1 {
			t.Errorf("entry %s kept %d times, want once", id, n)
		}
	}
	if s, _ := w.letter(t, 1); s != model.StateOpened {
		t.Errorf("letter 1 is %s, want opened", s)
	}
	after, ok, err := w.st.FeedReread(context.Background(), "digitalpost")
	if err != nil || !ok || !after.From.IsZero() || after.FinishedAt.Before(w.start.Add(24*time.Hour)) {
		t.Errorf("the re-read stands at %+v (%v); want done", after, err)
	}
	if now, _, err := w.st.FeedCursor(context.Background(), "digitalpost"); err != nil || now.Before(cursor) {
		t.Errorf("the cursor is %s, before %s (%v)", now, cursor, err)
	}
}

// TestFeedRereadLeavesTheCyclesAsTheyWere: until a re-read is due (a day
// after the first cycle), each cycle asks the log only from its cursor
// minus the overlap, as before there were re-reads; the cycle in which
// one is due first reads its window so, then re-reads; and the cursor
// never moves back. (A guard: it passes before and after the re-read.)
func TestFeedRereadLeavesTheCyclesAsTheyWere(t *testing.T) {
	w := newLateWorld(t, 100, 0)
	w.cycles(t, w.start.Add(15*time.Minute)) // the first read, from the earliest letter
	n := len(w.requests(0))
	var last time.Time
	for w.clock.Before(w.start.Add(24*time.Hour + time.Minute)) {
		cursor, _, err := w.st.FeedCursor(context.Background(), "digitalpost")
		if err != nil || cursor.Before(last) {
			t.Fatalf("at %s the cursor is %s, before %s (%v)", w.clock, cursor, last, err)
		}
		last = cursor
		w.cycles(t, w.clock.Add(time.Minute))
		qs := w.requests(n)
		n += len(qs)
		if len(qs) == 0 {
			t.Fatalf("the cycle at %s asked the log nothing", w.clock)
		}
		if want := notesTime(cursor.Add(-10 * time.Minute)); `"`+qs[0].Get("dateFrom")+`"` != want {
			t.Fatalf("the cycle at %s first asked from %s; want its window, from the cursor minus the overlap %s", w.clock, qs[0].Get("dateFrom"), want)
		}
		for _, q := range qs {
			from, _ := time.Parse("2006-01-02T15:04:05.000Z07:00", q.Get("dateFrom"))
			if from.Before(cursor.Add(-10*time.Minute)) && w.clock.Before(w.start.Add(24*time.Hour)) {
				t.Fatalf("the cycle at %s asked from %s, before its window, with no re-read due", w.clock, from)
			}
		}
	}
	if cursor, _, err := w.st.FeedCursor(context.Background(), "digitalpost"); err != nil || cursor.Before(last) {
		t.Errorf("after the re-read the cursor is %s, before %s (%v)", cursor, last, err)
	}
}

// TestFeedRereadCountedApart: the re-read reads two days of the log again,
// our letters' entries in it mostly kept before. Those entries are the re-read's figures
// (Summary.Reread, kind="reread"), not the cycle's: the cycle that
// re-reads counts in Polled and kind="repeat" only what its window read,
// as the cycles before it did, so the cycle's figures are not doubled.
func TestFeedRereadCountedApart(t *testing.T) {
	w := newLateWorld(t, 100, 0)
	w.cycles(t, w.start.Add(24*time.Hour))
	before := w.counted(t, "repeat")
	if w.counted(t, "reread") > 0 {
		t.Fatal("entries counted as re-read before any re-read")
	}
	// The cycle before the re-read is due: its window's figures.
	w.clock = w.start.Add(24*time.Hour - time.Minute)
	plain, err := w.p.Poll(context.Background(), w.dp)
	if err != nil || plain.Reread != 0 {
		t.Fatalf("the cycle before the re-read: %+v, %v", plain, err)
	}
	windowRepeats := w.counted(t, "repeat") - before
	// The cycle with the re-read.
	w.clock = w.start.Add(24*time.Hour + time.Minute)
	before = w.counted(t, "repeat")
	sum, err := w.p.Poll(context.Background(), w.dp)
	if err != nil {
		t.Fatal(err)
	}
	// Two days of another sender's letter every 20 minutes, and ours.
	if sum.Reread < 140 || sum.Late != 2 {
		t.Errorf("the re-read read %d entries, %d late; want the two days' (over 140), 2 late", sum.Reread, sum.Late)
	}
	if sum.Polled > plain.Polled+2 {
		t.Errorf("the cycle that re-read counted %d entries polled, the one before %d: the re-read's are counted in polled", sum.Polled, plain.Polled)
	}
	if got := w.counted(t, "repeat") - before; got != windowRepeats {
		t.Errorf("kind=repeat grew by %v in the cycle that re-read, by %v in the one before: the re-read's entries are counted as repeats", got, windowRepeats)
	}
	// Of our letters' entries the re-read read, three were kept before
	// (the two received, letter 1's available); the late two are new
	// (kind=event). The other sender's are counted nowhere again.
	if got := w.counted(t, "reread"); got != 3 {
		t.Errorf("kind=reread is %v; want 3, the re-read's entries of our letters kept before", got)
	}
}

// TestLateShownFromTheSchedule: postvakt_poll_results_total{kind="late"}
// of a feed that re-reads shows at 0 from its schedule, as the other
// results do, not from its first re-read: a process started while Digital
// Post does not answer had no series (the shipped
// PostvaktDigitalPostLateEntries read nothing), and one whose first cycle
// that reads the log re-reads at once (the last re-read a day before its
// start) had it born at the late entries' count, which increase() does
// not see: the late entries after an outage went unalerted.
func TestLateShownFromTheSchedule(t *testing.T) {
	w := newLateWorld(t, 100, 0)
	p := w.poller()
	if err := p.Schedule(jobs.New(slog.New(slog.DiscardHandler), nil), "@every 1h", []channel.Adapter{w.dp}); err != nil {
		t.Fatal(err)
	}
	if v := w.lateCounted(t); v != 0 {
		t.Errorf(`postvakt_poll_results_total{channel="digitalpost",kind="late"} = %v (-1: not shown) before any cycle, want 0`, v)
	}
}
