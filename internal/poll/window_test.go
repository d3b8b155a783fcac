package poll_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// exclusiveLog is an event log that reads dateFrom and dateTo as
// exclusive bounds (the notes do not say which; Altinn's search does so),
// in pages of two.
type exclusiveLog struct {
	entries []channel.FeedEvent
	asked   [][2]time.Time
	hide    map[string]int // entries left out of this many reads (-1: of every read), a gap the log announces
	lookUps bool           // look-ups (Status) give a letter's whole log, as the adapter's messageUUID look-up does
}

func (l *exclusiveLog) Name() string           { return "digitalpost" }
func (l *exclusiveLog) BatchSize() int         { return 50 }
func (l *exclusiveLog) Overlap() time.Duration { return 10 * time.Minute }
func (l *exclusiveLog) Status(_ context.Context, ids []string) ([]channel.Observation, error) {
	out := make([]channel.Observation, len(ids))
	for i, id := range ids {
		out[i] = channel.Observation{ChannelID: id}
		for _, e := range l.entries {
			if l.lookUps && e.ChannelID == id {
				out[i].Events = append(out[i].Events, e)
			}
		}
		if len(out[i].Events) == 0 {
			out[i].Err = channel.ErrNotKnown
		}
	}
	return out, nil
}

func (l *exclusiveLog) Events(_ context.Context, from, to time.Time, fn func([]channel.FeedEvent) error) error {
	l.asked = append(l.asked, [2]time.Time{from, to})
	var page []channel.FeedEvent
	var before time.Time // the last entry given before the first left out
	gapped := false
	for _, e := range l.entries {
		if !e.Logged.After(from) || !to.IsZero() && !e.Logged.Before(to) {
			continue
		}
		if n := l.hide[e.ID]; n != 0 {
			if n > 0 {
				l.hide[e.ID]--
			}
			if !gapped { // the pages so far, then the mark of a gap
				gapped = true
				if len(page) > 0 {
					if err := fn(page); err != nil {
						return err
					}
					page = nil
				}
				if err := fn(nil); err != nil {
					return err
				}
			}
			continue
		}
		if !gapped {
			before = e.Logged
		}
		if page = append(page, e); len(page) == 2 {
			if err := fn(page); err != nil {
				return err
			}
			page = nil
		}
	}
	if len(page) > 0 {
		if err := fn(page); err != nil {
			return err
		}
	}
	if gapped {
		// As Digital Post's reason does, it names counts that change as
		// the log grows.
		return &channel.GapError{After: before, Reason: fmt.Sprintf("an entry left out; the log holds %d", len(l.entries))}
	}
	return nil
}

// TestFeedWindowsMeetWithoutAGap: a first read over days goes window by
// window; an entry stored exactly where one window ends and the next
// begins is read even by a log whose bounds are exclusive, and kept once.
// An entry dated long before its letter was sent (epoch seconds read as
// milliseconds) is taken at the letter's sent time, as a polled status
// would be (TestFeedEntryDatedBeforeTheSentTime).
func TestFeedWindowsMeetWithoutAGap(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var items []model.NewShipment
	for i := range 5 {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID = "digitalpost", fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i)
		it.SentAt = now.Add(-70 * time.Hour).Add(time.Duration(i) * time.Second)
		items = append(items, it)
	}
	ships := storetest.Register(t, st, items...)
	log := &exclusiveLog{}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	// The first read starts at the earliest letter less the overlap; its
	// windows end every FeedWindow after that.
	from := items[0].SentAt.Add(-log.Overlap())
	edge1, edge2 := from.Add(poll.FeedWindow), from.Add(2*poll.FeedWindow)
	for i, at := range []time.Time{edge1, edge2, edge1.Add(time.Hour), edge2.Add(-time.Millisecond)} {
		log.entries = append(log.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-%d", i), ChannelID: items[i].ChannelID,
			Tag: "MEMO_AVAILABLE_TO_RECIPIENT", State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
	}
	log.entries = append(log.entries, channel.FeedEvent{ID: "ev-1970", ChannelID: items[4].ChannelID, Tag: "MESSAGE_READ",
		State: model.StateOpened, At: time.UnixMilli(1732968000).UTC(), Logged: edge1.Add(2 * time.Hour), Payload: json.RawMessage(`{}`)})
	sum, err := p.Poll(ctx, log)
	if err != nil {
		t.Fatalf("the read: %+v %v", sum, err)
	}
	if len(log.asked) < 3 {
		t.Fatalf("read in %d window(s), want one a day over three days: %v", len(log.asked), log.asked)
	}
	for i, s := range ships[:4] {
		var state string
		var avail *time.Time
		if err := st.DB().QueryRowx(`SELECT state, available_at FROM shipments WHERE id = $1`, s.ID).Scan(&state, &avail); err != nil {
			t.Fatal(err)
		}
		want := log.entries[i].At
		if state != string(model.StateAvailable) || avail == nil || !avail.Equal(want) {
			t.Errorf("letter %d (entry at %s): %s, available %v; want available at %s", i, want.Format(time.RFC3339Nano), state, avail, want)
		}
	}
	var kept, refused int
	if err := st.DB().Get(&kept, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND external_id IS NOT NULL`); err != nil || kept != 5 {
		t.Errorf("%d evidence rows from the log, want 5, one per entry (%v)", kept, err)
	}
	var state string
	var changed time.Time
	if err := st.DB().QueryRowx(`SELECT state, state_changed_at FROM shipments WHERE id = $1`, ships[4].ID).Scan(&state, &changed); err != nil ||
		state != string(model.StateOpened) || !changed.Equal(items[4].SentAt) {
		t.Errorf("the letter of the entry dated 1970 is %s since %v, want opened at its sent time %v (%v)", state, changed, items[4].SentAt, err)
	}
	if err := st.DB().Get(&refused, `SELECT count(*) FROM poll_errors`); err != nil || refused != 0 || sum.Errors != 0 {
		t.Errorf("%d poll errors, %d errors in the summary; want none (%v)", refused, sum.Errors, err)
	}
}

// TestFeedReadsOnAfterAGap: a read whose log left an entry out (a page
// empty though more were announced) reads on from the last entry before
// the gap and gets it, with no error; a gap that reading on cannot close is
// a poll error, and the rest of the log is still read: nothing stops at it.
func TestFeedReadsOnAfterAGap(t *testing.T) {
	for _, c := range []struct {
		name   string
		hide   int // reads the entry is left out of (-1: all)
		errors int // poll errors recorded
	}{{"a gap the next read closes", 1, 0}, {"a gap that stays", -1, 1}} {
		t.Run(c.name, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			var items []model.NewShipment
			log := &exclusiveLog{hide: map[string]int{"ev-1": c.hide}}
			for i := range 4 {
				it := storetest.Letter(i)
				it.Channel, it.ChannelID = "digitalpost", fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i)
				it.SentAt = now.Add(-5 * time.Hour)
				items = append(items, it)
				at := now.Add(-20 * time.Minute).Add(time.Duration(i) * time.Minute)
				log.entries = append(log.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-%d", i), ChannelID: it.ChannelID,
					Tag: "MEMO_AVAILABLE_TO_RECIPIENT", State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
			}
			ships := storetest.Register(t, st, items...)
			clock := now
			p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return clock }})
			sum, err := p.Poll(ctx, log)
			if err != nil {
				t.Fatalf("a read with a gap failed the cycle: %v", err)
			}
			if len(log.asked) < 2 || !log.asked[1][0].Before(log.entries[0].Logged) {
				t.Errorf("reads %v: want a second one from the entry before the gap (%s)", log.asked, log.entries[0].Logged)
			}
			var errs int
			if err := st.DB().Get(&errs, `SELECT count(*) FROM poll_errors WHERE channel = 'digitalpost' AND error LIKE '%left out%'`); err != nil || errs != c.errors {
				t.Errorf("%d poll errors about the gap (%v), want %d", errs, err, c.errors)
			}
			if sum.Errors != c.errors {
				t.Errorf("summary %+v, want %d errors", sum, c.errors)
			}
			for i, s := range ships {
				want := model.StateAvailable
				if i == 1 && c.hide < 0 {
					want = model.StateRegistered
				}
				var state string
				if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, s.ID); err != nil || state != string(want) {
					t.Errorf("letter %d: %s (%v), want %s", i, state, err, want)
				}
			}
			// Past the gap the cursor did not move: a crash would have
			// re-read the gap; a gap that stays is read again next cycle.
			if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); c.hide < 0 && (err != nil || cursor.After(log.entries[0].Logged)) {
				t.Errorf("the cursor stands at %s (%v), past the gap after %s", cursor, err, log.entries[0].Logged)
			}
			var kept int
			want := 4
			if c.hide < 0 {
				want = 3 // the one never given
			}
			if err := st.DB().Get(&kept, `SELECT count(*) FROM shipment_events WHERE source = 'digitalpost' AND external_id IS NOT NULL`); err != nil || kept != want {
				t.Errorf("%d evidence rows (%v), want %d: each entry given, once", kept, err, want)
			}
			if c.hide > 0 {
				return
			}
			// Cycles later, past GapPatience: still one poll error, and the
			// cursor past the gap, at the latest entry read.
			for _, d := range []time.Duration{time.Minute, 2 * time.Hour} {
				clock = now.Add(d)
				if _, err := p.Poll(ctx, log); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.DB().Get(&errs, `SELECT count(*) FROM poll_errors WHERE channel = 'digitalpost' AND error LIKE '%left out%'`); err != nil || errs != 1 {
				t.Errorf("%d poll errors about the gap after three cycles (%v), want 1", errs, err)
			}
			if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Equal(log.entries[3].Logged) {
				t.Errorf("the cursor stands at %s (%v), want past the gap at the latest entry %s", cursor, err, log.entries[3].Logged)
			}
		})
	}
}

// TestFeedGapWhileTheLogGrows: a gap that reading on cannot close, in a
// log that keeps growing (so what the log says of the gap changes from one
// cycle to the next), is still one gap: one poll error, and the cursor
// held for GapPatience from when it was first seen, then moved on, not
// held for as long as the log grows. The entries about letters postvakt
// does not know, read again while the gap holds the cursor, and by each
// read on from it, are counted once.
func TestFeedGapWhileTheLogGrows(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	log := &exclusiveLog{hide: map[string]int{"ev-1": -1}}
	add := func(i int, at time.Time) {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID = "digitalpost", fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i)
		it.SentAt = now.Add(-5 * time.Hour)
		storetest.Register(t, st, it)
		log.entries = append(log.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-%d", i), ChannelID: it.ChannelID,
			Tag: "MEMO_AVAILABLE_TO_RECIPIENT", State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
	}
	for i := range 3 {
		add(i, now.Add(-20*time.Minute).Add(time.Duration(i)*time.Minute))
	}
	unknown := 0 // entries about letters postvakt does not know: each counted once
	addUnknown := func(at time.Time) {
		unknown++
		log.entries = append(log.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-unknown-%d", unknown),
			ChannelID: fmt.Sprintf("9b6d3c5e-1f2a-4b3c-8d4e-%012d", unknown), Tag: "MEMO_AVAILABLE_TO_RECIPIENT",
			State: model.StateAvailable, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
	}
	clock := now
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return clock }})
	counted := 0
	for i := 3; i < 12; i++ { // a cycle every 15 minutes, new entries before each
		clock = now.Add(time.Duration(i-3) * 15 * time.Minute)
		add(i, clock.Add(-2*time.Minute))
		addUnknown(clock.Add(-time.Minute))
		sum, err := p.Poll(ctx, log)
		if err != nil {
			t.Fatal(err)
		}
		counted += sum.Unregistered
	}
	if counted != unknown {
		t.Errorf("%d entries about letters postvakt does not know counted over the cycles, want each of the %d once", counted, unknown)
	}
	var errs int
	if err := st.DB().Get(&errs, `SELECT count(*) FROM poll_errors WHERE channel = 'digitalpost' AND error LIKE '%left out%'`); err != nil || errs != 1 {
		t.Errorf("%d poll errors about one gap over nine cycles (%v), want 1", errs, err)
	}
	last := log.entries[len(log.entries)-1].Logged
	if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Equal(last) {
		t.Errorf("the cursor stands at %s (%v) two hours after the gap was first seen; want it moved on, to the latest entry %s",
			cursor, err, last)
	}
}

// TestBadEntryKeptOnce: an entry refused (unreadable) is read again by
// every cycle's overlap; it is one poll error, not one per read.
func TestBadEntryKeptOnce(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	it := storetest.Letter(0)
	it.Channel, it.ChannelID, it.SentAt = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000001", now.Add(-time.Hour)
	storetest.Register(t, st, it)
	log := &exclusiveLog{entries: []channel.FeedEvent{{ID: "ev-bad", ChannelID: it.ChannelID, Tag: "MESSAGE_READ",
		At: now.Add(-time.Minute), Logged: now.Add(-time.Minute), Payload: json.RawMessage(`{}`),
		Err: fmt.Errorf("%w: an entry the adapter could not read", channel.ErrBadRecord)}}}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	for range 3 {
		if _, err := p.Poll(ctx, log); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := st.DB().Get(&n, `SELECT count(*) FROM poll_errors WHERE error LIKE '%an entry the adapter could not read%'`); err != nil || n != 1 {
		t.Errorf("%d poll errors for one bad entry read three times (%v), want 1", n, err)
	}
	if len(log.asked) < 3 {
		t.Errorf("the log was read %d times, want 3", len(log.asked))
	}
}

// TestFeedGapAtTheStart: a read whose very first page came back empty
// though more were announced has read nothing before the gap. The gap then
// lies at the window's start and holds the cursor like any other: the next
// cycle reads it again and gets what it left out. Moving the cursor to the
// latest entry read would lose the entry for good (a read letter would be
// reminded and printed).
func TestFeedGapAtTheStart(t *testing.T) {
	// The cursor a quarter of an hour old (the feed read on schedule), and
	// three hours old (a quiet spell, a restart): either way the gap holds.
	for _, age := range []time.Duration{15 * time.Minute, 3 * time.Hour} {
		t.Run(age.String(), func(t *testing.T) { gapAtTheStart(t, age) })
	}
}

func gapAtTheStart(t *testing.T, age time.Duration) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	log := &exclusiveLog{hide: map[string]int{"ev-0": 1}}
	var items []model.NewShipment
	for i, ago := range []time.Duration{age + 6*time.Minute, 12 * time.Minute, 10 * time.Minute} {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID = "digitalpost", fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i)
		it.SentAt = now.Add(-5 * time.Hour)
		items = append(items, it)
		at := now.Add(-ago)
		log.entries = append(log.entries, channel.FeedEvent{ID: fmt.Sprintf("ev-%d", i), ChannelID: it.ChannelID,
			Tag: "MESSAGE_READ", State: model.StateOpened, At: at, Logged: at, Payload: json.RawMessage(`{}`)})
	}
	ships := storetest.Register(t, st, items...)
	// The feed was read up to age ago: this read starts an overlap before
	// that, and its first entry is left out.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: now.Add(-age)}); err != nil {
		t.Fatal(err)
	}
	clock := now
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return clock }})
	if _, err := p.Poll(ctx, log); err != nil {
		t.Fatalf("a read with a gap failed the cycle: %v", err)
	}
	if cursor, _, err := st.FeedCursor(ctx, "digitalpost"); err != nil || !cursor.Before(log.entries[0].Logged.Add(log.Overlap())) {
		t.Errorf("the cursor stands at %s (%v): the next read would start past the gap before %s", cursor, err, log.entries[0].Logged)
	}
	clock = now.Add(5 * time.Minute)
	if _, err := p.Poll(ctx, log); err != nil {
		t.Fatal(err)
	}
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[0].ID); err != nil || state != string(model.StateOpened) {
		t.Errorf("the letter of the entry the first read left out is %s (%v), want opened", state, err)
	}
}

// TestDiscoverUntilLeavesLaterEntriesToALookUp (from a review of the
// Digital Post adapter against the notes): `postvakt discover
// --since S --until U` reads the event log over [S, U] only (the log is
// read by windows on created; there is no per-letter status: the notes,
// "There is no per-letter status endpoint for senders"). It called
// Discovered(…, since=S), which marked every letter sent after S read
// whole ("synced": no look-up of its own). A letter sent in [S, U] and
// read by its recipient after U, before the running poller's cursor, then
// never had its MESSAGE_READ read: the window starts at the cursor, the
// re-read reaches 48 h back, the letter is not "unheard" (it has entries).
// It stayed available, and was reminded and printed although read. Now
// only a run that read every window up to now without a gap marks them.
func TestDiscoverUntilLeavesLaterEntriesToALookUp(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	now := time.Now().UTC().Add(time.Minute).Truncate(time.Second) // registration makes the letter due at the database's now
	since := now.Add(-30 * 24 * time.Hour)                         // --since
	until := now.Add(-20 * 24 * time.Hour)                         // --until

	// The poller has been reading the log for months: its cursor stands a
	// minute ago.
	if _, err := st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Cursor: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}

	it := storetest.Letter(0)
	it.Channel, it.ChannelID = "digitalpost", "0b6d3c5e-1f2a-4b3c-8d4e-000000000001"
	it.SentAt = since.Add(time.Hour)
	ev := func(id, tag string, st model.State, at time.Time) channel.FeedEvent {
		return channel.FeedEvent{ID: id, ChannelID: it.ChannelID, Tag: tag, State: st, At: at, Logged: at, Payload: json.RawMessage(`{}`)}
	}
	received := ev("ev-received", "MEMO_SEND_RECEIVED", model.StateAccepted, it.SentAt)
	available := ev("ev-available", "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, it.SentAt.Add(time.Minute))
	read := ev("ev-read", "MESSAGE_READ", model.StateOpened, until.Add(2*24*time.Hour)) // after --until, long before the cursor
	log := &exclusiveLog{entries: []channel.FeedEvent{received, available, read}, lookUps: true}

	// What discover does for one window [since, until]: the adapter's
	// Discover found the letter with the entries of that window, the letter
	// is registered, and Discovered keeps those entries.
	ships := storetest.Register(t, st, it)
	found := []channel.Found{{ChannelID: it.ChannelID, SentAt: it.SentAt, Confidential: true,
		Observation: channel.Observation{ChannelID: it.ChannelID, Events: []channel.FeedEvent{received, available}}}}
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Discovered(ctx, log, found, map[string]string{it.ChannelID: ships[0].ID}, since, false); err != nil {
		t.Fatal(err)
	}

	// The poller's next cycles.
	for range 2 {
		if sum, err := p.Poll(ctx, log); err != nil {
			t.Fatalf("poll: %+v %v", sum, err)
		}
		now = now.Add(2 * time.Hour)
	}
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	if state != string(model.StateOpened) {
		t.Errorf("letter discovered with --until, read after --until: state %s, want opened (its MESSAGE_READ of %s was never read)",
			state, read.Logged.Format(time.RFC3339))
	}
}
