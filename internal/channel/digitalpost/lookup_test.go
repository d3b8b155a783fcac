package digitalpost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpfake"
	"postvakt/internal/model"
)

// TestLookupOfARecentLetterInALogThatIgnoresTheFilter: the notes only infer
// that the log filters on metaProperties.messageUUID ("untested"); a log or
// fake that ignores the filter answers a letter's look-up with its whole
// log. The look-up reads a bounded number of pages (LookupPages), so it
// asks for the newest entries first: the letters looked up are recent ones
// (registered after their entries went by, or not mentioned since they
// were sent), and a recent letter's entries are found among a long log's
// newest, not missed among its oldest and the letter taken as unknown.
func TestLookupOfARecentLetterInALogThatIgnoresTheFilter(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	type ev struct {
		created time.Time
		raw     string
	}
	var log []ev
	for i := range 3000 { // other letters over ten days
		c := t0.Add(time.Duration(i) * 5 * time.Minute)
		log = append(log, ev{c, fmt.Sprintf(`{"id":"other-%d","eventId":"e-%d","eventTag":"MEMO_SEND_RECEIVED","eventTime":"%s","created":"%s",`+
			`"metaProperties":{"messageUUID":"0b6d3c5e-1f2a-4b3c-8d4e-%012d","recipientID":"29189919","recipientType":"COMPANY"}}`,
			i, i, c.Format("2006-01-02T15:04:05.000Z"), c.Format("2006-01-02T15:04:05.000Z"), i)})
	}
	recent := t0.Add(3000 * 5 * time.Minute).Add(-2 * time.Hour)
	for i, tag := range []string{"MEMO_SEND_RECEIVED", "MEMO_AVAILABLE_TO_RECIPIENT"} {
		c := recent.Add(time.Duration(i) * time.Minute)
		log = append(log, ev{c, fmt.Sprintf(`{"id":"mine-%d","eventId":"e-mine-%d","eventTag":%q,"eventTime":"%s","created":"%s",`+
			`"metaProperties":{"messageUUID":%q,"recipientID":"29189919","recipientType":"COMPANY"}}`,
			i, i, tag, c.Format("2006-01-02T15:04:05.000Z"), c.Format("2006-01-02T15:04:05.000Z"), notesLetter)})
	}
	c, ns := newNotesClient(t, func(q url.Values) string {
		// The filter is ignored; sortFields and page/size (capped at 100) are not.
		evs := slices.Clone(log)
		slices.SortStableFunc(evs, func(a, b ev) int { return a.created.Compare(b.created) })
		if q.Get("sortFields") == "created:desc" {
			slices.Reverse(evs)
		}
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("size"))
		size = min(size, 100)
		var raws []string
		for i := page * size; i < len(evs) && i < (page+1)*size; i++ {
			raws = append(raws, evs[i].raw)
		}
		return notesPage(raws, page, (len(evs)+size-1)/size, len(evs))
	}, nil)
	obs, err := c.Status(context.Background(), []string{notesLetter})
	if err != nil {
		t.Fatal(err)
	}
	if o := obs[0]; o.Err != nil || o.State != model.StateAvailable || len(o.Events) != 2 {
		t.Errorf("the recent letter: %s with %d events (%v), want available with its 2", o.State, len(o.Events), o.Err)
	}
	if n := len(ns.queries); n > 10 {
		t.Errorf("%d requests, more than LookupPages", n)
	}
}

// TestLookupOfAnOldLetterInALogThatIgnoresTheFilter: a log that ignores
// the messageUUID filter, asked for a letter whose entries lie further
// back than the look-up's pages reach, has not looked the letter up: the
// letter's answer is the log's refusal (channel.ErrLookupRefused, which
// the poller answers by reading the log over the letter's time), not a
// failed call that is asked again, page by page, every cycle and never
// finds it.
func TestLookupOfAnOldLetterInALogThatIgnoresTheFilter(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	entry := func(n int, letter, tag string, at time.Time) string {
		ts := at.Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"id":"ev-%d","eventId":"e-%d","eventTag":%q,"eventTime":"%s","created":"%s",`+
			`"metaProperties":{"messageUUID":%q,"recipientID":"29189919","recipientType":"COMPANY"}}`, n, n, tag, ts, ts, letter)
	}
	// The letter's entries first, then 3000 of other letters.
	log := []string{entry(0, notesLetter, "MEMO_SEND_RECEIVED", t0), entry(1, notesLetter, TagAvailable, t0.Add(time.Minute))}
	for i := range 3000 {
		log = append(log, entry(2+i, fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i), "MEMO_SEND_RECEIVED", t0.Add(time.Hour+time.Duration(i)*time.Minute)))
	}
	c, ns := newNotesClient(t, func(q url.Values) string {
		evs := slices.Clone(log)
		if q.Get("sortFields") == "created:desc" {
			slices.Reverse(evs)
		}
		page, _ := strconv.Atoi(q.Get("page"))
		size := min(100, must(strconv.Atoi(q.Get("size"))))
		return notesPage(evs[min(page*size, len(evs)):min((page+1)*size, len(evs))], page, (len(evs)+size-1)/size, len(evs))
	}, nil)
	obs, err := c.Status(context.Background(), []string{notesLetter})
	if err != nil {
		t.Fatalf("the call failed as a whole: %v", err)
	}
	if o := obs[0]; !errors.Is(o.Err, channel.ErrLookupRefused) {
		t.Errorf("the old letter: %s (%v), want the log's refusal to look it up", o.State, o.Err)
	}
	if n := len(ns.queries); n > 10 {
		t.Errorf("%d requests, more than LookupPages", n)
	}
}

func must(n int, err error) int {
	if err != nil {
		panic(err)
	}
	return n
}

// TestPanicInALookupIsTheLettersError: a panic in a letter's lookup (its
// own goroutine) is that letter's error, not the end of the process the
// poll job runs in.
func TestPanicInALookupIsTheLettersError(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1/apis/v1", SystemID: "s", APIToken: "t", Logger: quiet}, httpfake.Panicking{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Status(context.Background(), []string{"0b6d3c5e-1f2a-4b3c-8d4e-000000000000"})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("status error %v, want the panic", err)
	}
}

// TestLookupCountedNotGiven: a letter's look-up that the log answers with
// a count of its entries and none of them (entries still being indexed:
// the log is only eventually consistent) has not found the letter
// unknown. It is the letter's error, looked up again after its backoff;
// taken as no entry at all, the letter was marked unknown_to_channel (an
// event in its evidence saying Digital Post never heard of a letter the
// log had just counted two entries of, and a person asked to check). A
// count short by some of what it gave keeps what was given, and a count
// of none is a letter the log does not know.
func TestLookupCountedNotGiven(t *testing.T) {
	const other = "3f2504e0-4f89-11d3-9a0c-0305e82c3302"
	for _, c := range []struct {
		name    string
		given   int // of the letter's two entries
		counted int
		want    error // the letter's error (nil: none)
	}{
		{"counted two, gave none", 0, 2, channel.ErrIncomplete},
		{"counted two, gave one", 1, 2, nil},
		{"counted none, gave none", 0, 0, channel.ErrNotKnown},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := newNotesClient(t, func(q url.Values) string {
				if q.Get("metaProperties.messageUUID") == other {
					e := strings.ReplaceAll(notesEvent(9, "MEMO_SEND_RECEIVED", `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:00.100Z"`, "29189919", "COMPANY"),
						notesLetter, other)
					return notesPage([]string{e}, 0, 1, 1)
				}
				evs := []string{
					notesEvent(1, "MEMO_SEND_RECEIVED", `"2025-03-10T08:00:00.000Z"`, `"2025-03-10T08:00:00.100Z"`, "29189919", "COMPANY"),
					notesEvent(2, TagAvailable, `"2025-03-10T08:01:00.000Z"`, `"2025-03-10T08:01:00.100Z"`, "29189919", "COMPANY"),
				}[:c.given]
				return notesPage(evs, 0, 1, c.counted)
			}, nil)
			obs, err := cl.Status(context.Background(), []string{notesLetter, other})
			if err != nil {
				t.Fatalf("the call failed as a whole: %v", err)
			}
			o := obs[0]
			switch {
			case c.want == nil && o.Err != nil:
				t.Fatalf("the letter: %v, want what the log gave", o.Err)
			case c.want != nil && !errors.Is(o.Err, c.want):
				t.Fatalf("the letter: %s (%v), want %v", o.State, o.Err, c.want)
			case c.want != channel.ErrNotKnown && errors.Is(o.Err, channel.ErrNotKnown):
				t.Fatalf("the letter is taken as unknown to the log: %v", o.Err)
			}
			if len(o.Events) != c.given {
				t.Errorf("%d events kept, want %d", len(o.Events), c.given)
			}
			if obs[1].Err != nil || len(obs[1].Events) != 1 {
				t.Errorf("the other letter: %d events (%v), want its one", len(obs[1].Events), obs[1].Err)
			}
		})
	}
}

// TestLookupPastItsPagesMasksTheLetter: a back-fill finds a log entry
// whose messageUUID holds a CPR number (a mis-mapped field) and no
// MEMO_SEND_RECEIVED of it in the window, so it looks the "letter" up; the
// log ignores the filter and the look-up runs past its pages with an entry
// of it given. The line saying so named the letter as given: the CPR
// number in clear in the log. It shows it masked, as the gap's line does.
func TestLookupPastItsPagesMasksTheLetter(t *testing.T) {
	const cpr = "0707614285"
	t0 := time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)
	entry := func(n int, letter, tag string) string {
		ts := t0.Add(time.Duration(n) * time.Minute).Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"id":"ev-%d","eventTag":%q,"eventTime":%q,"created":%q,"metaProperties":{"messageUUID":%q}}`, n, tag, ts, ts, letter)
	}
	var log []string // oldest first; the CPR number's entry the newest
	for i := range 5 {
		log = append(log, entry(i, fmt.Sprintf("0b6d3c5e-1f2a-4b3c-8d4e-%012d", i), "MEMO_SEND_RECEIVED"))
	}
	log = append(log, entry(5, cpr, "MESSAGE_READ"))
	var lines strings.Builder
	var mu sync.Mutex
	c, _ := newNotesClient(t, func(q url.Values) string { // the filter ignored
		evs := slices.Clone(log)
		if q.Get("sortFields") == "created:desc" {
			slices.Reverse(evs)
		}
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("size"))
		return notesPage(evs[min(page*size, len(evs)):min((page+1)*size, len(evs))], page, (len(evs)+size-1)/size, len(evs))
	}, func(cfg *Config) {
		cfg.PageSize, cfg.LookupPages = 2, 1
		cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &lines}, nil))
	})
	if _, err := c.Discover(context.Background(), t0.Add(-time.Hour), t0.Add(time.Hour)); err != nil && !errors.Is(err, channel.ErrIncomplete) {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(lines.String(), "ran past its pages") {
		t.Fatalf("the look-up did not run past its pages; the log:\n%s", lines.String())
	}
	if strings.Contains(lines.String(), cpr) {
		t.Errorf("the log names the CPR number in clear:\n%s", lines.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
