package poll_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel/digitalpost"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/storetest"
)

// hostileEvent is one Digital Post event-log entry as the log sends it; fields
// are spliced in raw so a test can put any JSON there.
func hostileEvent(id, tag, uuid, eventTime, created, extra string) string {
	return fmt.Sprintf(`{"id":%s,"eventId":"e-%s","eventTag":%s,"eventTime":%s,"created":%s,"metaProperties":{"messageUUID":%s,"senderID":"64942212","recipientID":"12345678","recipientType":"COMPANY"%s}}`,
		id, strings.Trim(id, `"`), tag, eventTime, created, uuid, extra)
}

// longID is an event id of 12,000 random base64 characters: more than a
// btree index entry may hold (2704 bytes) even compressed.
func longID() string {
	b := make([]byte, 9000)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hostileLog is a Digital Post client of a log that answers a window's read
// with page, and a letter's lookup with lookup(its uuid) ("" : nothing).
func hostileLog(t *testing.T, page string, lookup func(uuid string) string) *digitalpost.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		if u := r.URL.Query().Get("metaProperties.messageUUID"); u != "" {
			if ev := lookup(u); strings.HasPrefix(ev, "RAW:") {
				fmt.Fprint(rw, strings.TrimPrefix(ev, "RAW:")) // the whole answer, as the log gave it
				return
			} else if ev != "" {
				fmt.Fprint(rw, `{"events":[`+ev+`],"currentPage":0,"totalPages":1,"totalElements":1}`)
				return
			}
			fmt.Fprint(rw, `{"events":[],"currentPage":0,"totalPages":0,"totalElements":0}`)
			return
		}
		fmt.Fprint(rw, page)
	}))
	t.Cleanup(srv.Close)
	return digitalPostAt(t, digitalpost.Config{BaseURL: srv.URL + "/apis/v1", SystemID: "sys", APIToken: "tok",
		Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
}

func noLookup(string) string { return "" }

// TestFeedOneBadEntryDoesNotHoldBackTheLog: one entry of the Digital Post event
// log with a NUL (or a number PostgreSQL's numeric cannot hold) must be
// that entry's problem; the other letters on the same page are written,
// and the cycle does not fail.
func TestFeedOneBadEntryDoesNotHoldBackTheLog(t *testing.T) {
	const (
		idA = "0b6d3c5e-1f2a-4b3c-8d4e-00000000000a"
		idB = "0b6d3c5e-1f2a-4b3c-8d4e-00000000000b"
		idC = "0b6d3c5e-1f2a-4b3c-8d4e-00000000000c"
	)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ts := `"` + now.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z") + `"`
	q := func(s string) string { return `"` + s + `"` }
	cases := map[string]string{
		"NUL in eventTag":                hostileEvent(q("ev-c"), `"MESSAGE_READ\u0000"`, q(idC), ts, ts, ""),
		"NUL in id":                      hostileEvent(`"ev-c\u0000"`, q("MESSAGE_READ"), q(idC), ts, ts, ""),
		"NUL in eventId only":            strings.Replace(hostileEvent(q("ev-c"), q("MESSAGE_READ"), q(idC), ts, ts, ""), `"e-ev-c"`, `"e\u0000"`, 1),
		"NUL in transmissionId":          hostileEvent(q("ev-c"), q("MESSAGE_READ"), q(idC), ts, ts, `,"transmissionId":"t\u0000"`),
		"NUL in messageUUID (no letter)": hostileEvent(q("ev-c"), q("MESSAGE_READ"), `"`+idC+`\u0000"`, ts, ts, ""),
		"eventTime 1e1000000":            hostileEvent(q("ev-c"), q("MESSAGE_READ"), q(idC), `1e1000000`, ts, ""),
		"id of 12000 random chars":       hostileEvent(q(longID()), q("MESSAGE_READ"), q(idC), ts, ts, ""),
		"control (all good)":             hostileEvent(q("ev-c"), q("MESSAGE_READ"), q(idC), ts, ts, ""),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t)
			ctx := context.Background()
			var items []model.NewShipment
			for i, id := range []string{idA, idB, idC} {
				it := storetest.Letter(i)
				it.Channel, it.ChannelID, it.SentAt = "digitalpost", id, now.Add(-5*time.Hour)
				items = append(items, it)
			}
			ships := storetest.Register(t, st, items...)
			body := `{"events":[` + hostileEvent(q("ev-a"), q("MEMO_AVAILABLE_TO_RECIPIENT"), q(idA), ts, ts, "") + "," +
				hostileEvent(q("ev-b"), q("MESSAGE_READ"), q(idB), ts, ts, "") + "," + bad +
				`],"currentPage":0,"totalPages":1,"totalElements":3}`
			dp := hostileLog(t, body, noLookup)
			logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
			clock := now
			p := poll.New(st, logger, poll.Options{Now: func() time.Time { return clock }})
			for cycle := 0; cycle < 2; cycle++ {
				if sum, err := p.Poll(ctx, dp); err != nil {
					t.Errorf("cycle %d failed as a whole because of one entry: %v (%+v)", cycle, err, sum)
				}
				clock = clock.Add(5 * time.Minute)
			}
			for i, want := range []model.State{model.StateAvailable, model.StateOpened} {
				var state string
				if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[i].ID); err != nil {
					t.Fatal(err)
				}
				if state != string(want) {
					t.Errorf("letter %d (a good entry on the same page) is %s, want %s", i, state, want)
				}
			}
			var n int
			if err := st.DB().Get(&n, `SELECT count(*) FROM shipment_events WHERE kind = 'channel_event'`); err != nil {
				t.Fatal(err)
			}
			if n < 2 {
				t.Errorf("%d log entries kept as evidence, want the 2 good ones at least", n)
			}
			if c, ok, _ := st.FeedCursor(ctx, "digitalpost"); !ok {
				t.Errorf("the feed cursor never moved (%v): every later cycle reads the same poisoned page again", c)
			}
		})
	}
}

// TestFeedOneBadLookupDoesNotHoldBackTheCycle: a letter looked up on its own
// (sent before the window) whose log holds one entry with a NUL does not fail
// the whole look-up batch, nor with it the cycle before the window is read.
func TestFeedOneBadLookupDoesNotHoldBackTheCycle(t *testing.T) {
	ids := []string{"0b6d3c5e-1f2a-4b3c-8d4e-00000000000a", "0b6d3c5e-1f2a-4b3c-8d4e-00000000000b", "0b6d3c5e-1f2a-4b3c-8d4e-00000000000c"}
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
	ts := `"` + now.Add(-3*time.Hour).Format("2006-01-02T15:04:05.000Z") + `"`
	q := func(s string) string { return `"` + s + `"` }
	tags := []string{q("MEMO_AVAILABLE_TO_RECIPIENT"), q("MESSAGE_READ"), `"MESSAGE_READ\u0000"`}
	st, ships := lookedUpLetters(t, ids, now)
	ctx := context.Background()
	dp := hostileLog(t, `{"events":[],"currentPage":0,"totalPages":0,"totalElements":0}`, func(u string) string {
		for i, id := range ids {
			if u == id {
				return hostileEvent(q("ev-"+id), tags[i], q(id), ts, ts, "")
			}
		}
		return ""
	})
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if sum, err := p.Poll(ctx, dp); err != nil {
		t.Errorf("the cycle failed as a whole because of one letter's log: %v (%+v)", err, sum)
	}
	for i, want := range []model.State{model.StateAvailable, model.StateOpened} {
		var state string
		if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[i].ID); err != nil {
			t.Fatal(err)
		}
		if state != string(want) {
			t.Errorf("letter %d (its own log is clean) is %s, want %s", i, state, want)
		}
	}
}

// TestFeedZeroEventTime: an entry dated 0001-01-01T00:00:00Z (.NET's
// DateTime.MinValue, a default a producer may leave in) is Go's zero time,
// no time at all: the entry is dated when the log stored it, not taken as
// the time the letter became available.
func TestFeedZeroEventTime(t *testing.T) {
	const idA = "0b6d3c5e-1f2a-4b3c-8d4e-00000000000a"
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ts := `"` + now.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z") + `"`
	st := storetest.Open(t)
	ctx := context.Background()
	it := storetest.Letter(0)
	it.Channel, it.ChannelID, it.SentAt = "digitalpost", idA, now.Add(-5*time.Hour)
	ships := storetest.Register(t, st, it)
	body := `{"events":[` + hostileEvent(`"ev-a"`, `"MEMO_AVAILABLE_TO_RECIPIENT"`, `"`+idA+`"`, `"0001-01-01T00:00:00Z"`, ts, "") +
		`],"currentPage":0,"totalPages":1,"totalElements":1}`
	dp := hostileLog(t, body, noLookup)
	logger := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	p := poll.New(st, logger, poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Poll(ctx, dp); err != nil {
		t.Fatal(err)
	}
	var row struct {
		State     string     `db:"state"`
		Available *time.Time `db:"available_at"`
		Changed   time.Time  `db:"state_changed_at"`
	}
	if err := st.DB().Get(&row, `SELECT state, available_at, state_changed_at FROM shipments WHERE id = $1`, ships[0].ID); err != nil {
		t.Fatal(err)
	}
	t.Logf("state %s available_at %v state_changed_at %v", row.State, row.Available, row.Changed)
	if row.Available != nil && row.Available.Before(it.SentAt.Add(-24*time.Hour)) {
		t.Errorf("available since %v, long before the letter was sent (%v): an implausible time was taken", row.Available, it.SentAt)
	}
}

// TestFeedFailedLookUpBacksOff: a letter looked up on its own whose
// look-up fails (the log answers it with a page that is not JSON) is that
// letter's error with its own backoff, as a polled letter's is: a
// poll_error event in its evidence, its next look-up after Backoff, not
// every lease; the other letter of the batch is read.
func TestFeedFailedLookUpBacksOff(t *testing.T) {
	ids := []string{"0b6d3c5e-1f2a-4b3c-8d4e-00000000000a", "0b6d3c5e-1f2a-4b3c-8d4e-00000000000b"}
	now := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond) // the letters are due by the store's clock
	ts := `"` + now.Add(-3*time.Hour).Format("2006-01-02T15:04:05.000Z") + `"`
	st, ships := lookedUpLetters(t, ids, now)
	ctx := context.Background()
	dp := hostileLog(t, `{"events":[],"currentPage":0,"totalPages":0,"totalElements":0}`, func(u string) string {
		if u == ids[1] {
			return "RAW:<html><body>Service Unavailable</body></html>"
		}
		return hostileEvent(`"ev-a"`, `"MESSAGE_READ"`, `"`+u+`"`, ts, ts, "")
	})
	p := poll.New(st, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), poll.Options{Now: func() time.Time { return now }})
	if _, err := p.Poll(ctx, dp); err != nil {
		t.Fatalf("one letter's failed look-up failed the cycle: %v", err)
	}
	var state string
	if err := st.DB().Get(&state, `SELECT state FROM shipments WHERE id = $1`, ships[0].ID); err != nil || state != string(model.StateOpened) {
		t.Errorf("the letter whose look-up answered is %s (%v), want opened", state, err)
	}
	var queued struct {
		Failures int        `db:"failures"`
		Next     *time.Time `db:"next_poll_at"`
	}
	if err := st.DB().Get(&queued, `SELECT failures, next_poll_at FROM poll_queue WHERE shipment_id = $1`, ships[1].ID); err != nil {
		t.Fatal(err)
	}
	if queued.Failures != 1 || queued.Next == nil || queued.Next.Before(now.Add(poll.Backoff(1))) {
		t.Errorf("the letter whose look-up failed: %d failures, next look-up %v; want 1 and not before %s", queued.Failures, queued.Next, now.Add(poll.Backoff(1)))
	}
	var events int
	if err := st.DB().Get(&events, `SELECT count(*) FROM shipment_events WHERE shipment_id = $1 AND kind = 'poll_error'`, ships[1].ID); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Errorf("%d poll_error events in the evidence of the letter whose look-up failed, want 1", events)
	}
}

// lookedUpLetters registers Digital Post letters with the channel ids ids,
// sent five hours before now, on a store whose log was read up to half an
// hour before now: the letters, sent before that, are looked up on their
// own.
func lookedUpLetters(t *testing.T, ids []string, now time.Time) (*store.Store, []store.Shipment) {
	t.Helper()
	st := storetest.Open(t)
	var items []model.NewShipment
	for i, id := range ids {
		it := storetest.Letter(i)
		it.Channel, it.ChannelID, it.SentAt = "digitalpost", id, now.Add(-5*time.Hour)
		items = append(items, it)
	}
	ships := storetest.Register(t, st, items...)
	if _, err := st.ApplyFeed(context.Background(), store.FeedApply{Channel: "digitalpost", Cursor: now.Add(-30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return st, ships
}
