package digitalpost

// The page size and order the log takes (pageshape.go), against the fake
// written from the notes (spec_fake_test.go). The notes give size with "no
// maximum documented" and sortFields only as an example (created:asc), and
// declare no 400 on the event log: a log that refuses either with a 400
// must still be read, not left unread for good.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/logtest"
	"postvakt/internal/model"
)

// refusals are the bodies a 400 may come with.
var refusals = map[string]func(w http.ResponseWriter, why string){
	"problem details": func(w http.ResponseWriter, why string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"type":"about:blank","title":"Bad Request","status":400,"detail":%q}`, why)
	},
	"text": func(w http.ResponseWriter, why string) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, why)
	},
	"empty": func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusBadRequest) },
}

// asked is one query the fake log was sent and whether it refused it.
type asked struct {
	q       url.Values
	refused bool
}

// refusingLog is the notes' fake with 250 letters' entries that refuses
// what why names, with the body of refusal, recording every query.
func refusingLog(t *testing.T, why func(q url.Values) string, refusal string) (*nfLog, func() []asked) {
	t.Helper()
	l := newNFLog(t)
	for i := range 250 {
		l.add("MEMO_AVAILABLE_TO_RECIPIENT", nfLetter(i), nfT0.Add(time.Duration(i)*time.Second))
	}
	var mu sync.Mutex
	var seen []asked
	l.refuse = func(q url.Values) string {
		w := why(q)
		mu.Lock()
		seen = append(seen, asked{q: q, refused: w != ""})
		mu.Unlock()
		return w
	}
	l.refusal = refusals[refusal]
	since := 0
	return l, func() []asked { // the queries since the last call
		mu.Lock()
		defer mu.Unlock()
		out := seen[since:]
		since = len(seen)
		return out
	}
}

// sizeOver refuses a page size over max; noSort refuses any sortFields.
func sizeOver(max int) func(url.Values) string {
	return func(q url.Values) string {
		if n, _ := strconv.Atoi(q.Get("size")); n > max {
			return fmt.Sprintf("size must be between 1 and %d", max)
		}
		return ""
	}
}

func noSort(q url.Values) string {
	if q.Has("sortFields") {
		return "Unknown property 'sortFields'"
	}
	return ""
}

// readLetters reads the window from nfT0 and counts each letter entry read.
func readLetters(t *testing.T, cl *Client) (map[string]int, error) {
	t.Helper()
	ids := map[string]int{}
	err := cl.Events(context.Background(), nfT0, time.Time{}, func(page []channel.FeedEvent) error {
		for _, e := range page {
			if e.Err == nil && strings.HasPrefix(e.ID, "e0e0e0e0") {
				ids[e.ID]++
			}
		}
		return nil
	})
	return ids, err
}

// TestNotesFakeRefusedShapes: a log that refuses pages over 100 entries,
// or any sortFields, or both, with a 400 (problem details, text, or no
// body) is read all the same: the first page asked again without
// sortFields at 50, then with sortFields at 50, then at the largest size
// halving from 500 takes (62), every letter's entry read (once, when
// sorted). What it
// took is kept: the next read, and a letter's lookup, ask in that shape at
// once, without a 400; a single warning says what was refused, never a
// letter's title or CPR number.
func TestNotesFakeRefusedShapes(t *testing.T) {
	for _, c := range []struct {
		name, body  string
		why         func(url.Values) string
		wantSize    string
		wantSorted  bool
		wantRefused int // 400s in the first read
		probes      int // the first read's requests before its first page in the shape taken
	}{
		// 500 refused; 50 unsorted, 50 sorted taken; 250, 125 refused; 62 taken.
		{"size over 100", "problem details", sizeOver(100), "62", true, 3, 5},
		// 500 sorted refused; 50 unsorted taken, 50 sorted refused; 500 unsorted taken.
		{"sortFields", "text", noSort, "500", false, 2, 3},
		// 500 sorted; 50 sorted; 500, 250, 125 unsorted refused; 62 unsorted taken.
		{"both", "empty", func(q url.Values) string { return sizeOver(100)(q) + noSort(q) }, "62", false, 5, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, queries := refusingLog(t, c.why, c.body)
			log, out := logtest.New()
			cl := newClient(t, Config{BaseURL: l.srv.URL + "/apis/v1", SystemID: nfSystem, APIToken: nfToken, Logger: log},
				httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1, BreakerThreshold: -1})
			for read := range 2 {
				ids, err := readLetters(t, cl)
				if err != nil {
					t.Fatalf("read %d: %v", read, err)
				}
				if len(ids) != 250 {
					t.Errorf("read %d: %d of 250 letters' entries", read, len(ids))
				}
				for id, n := range ids {
					// Unsorted, the log lists the newest first, and each
					// query logs itself on top: an entry shifts onto the
					// next page and is read twice (kept once, by its id),
					// never skipped.
					if n != 1 && (c.wantSorted || n > 2) {
						t.Errorf("read %d: entry %s read %d times", read, id, n)
					}
				}
				refused := 0
				for i, a := range queries() {
					if a.refused {
						refused++
						continue
					}
					if read == 0 && i < c.probes {
						continue // the probes
					}
					if a.q.Get("size") != c.wantSize || a.q.Has("sortFields") != c.wantSorted {
						t.Errorf("read %d: asked size=%s sortFields=%q; want size %s, sorted %v", read, a.q.Get("size"), a.q.Get("sortFields"), c.wantSize, c.wantSorted)
					}
				}
				want := c.wantRefused
				if read > 0 {
					want = 0 // what the log took is kept
				}
				if refused != want {
					t.Errorf("read %d: %d requests refused, want %d", read, refused, want)
				}
			}
			obs, err := cl.Status(context.Background(), []string{nfLetter(7)})
			if err != nil || obs[0].Err != nil || obs[0].State != model.StateAvailable {
				t.Fatalf("lookup: %+v, %v", obs, err)
			}
			for _, a := range queries() {
				if a.refused || a.q.Get("size") != c.wantSize || a.q.Has("sortFields") != c.wantSorted {
					t.Errorf("lookup asked size=%s sortFields=%q (refused %v); want size %s, sorted %v", a.q.Get("size"), a.q.Get("sortFields"), a.refused, c.wantSize, c.wantSorted)
				}
			}
			if n := strings.Count(out.String(), "refused the page size or the order"); n != 1 {
				t.Errorf("%d warnings about the refused shape, want 1:\n%s", n, out)
			}
			if s := out.String(); strings.Contains(s, "Afgørelse") || strings.Contains(s, "0101701234") || strings.Contains(s, nfLetter(7)) {
				t.Errorf("the log names a letter:\n%s", s)
			}
		})
	}
}

// TestNotesFakeRefusesEveryShape: a log that refuses every query (400,
// about something else than size or order) fails the read with its 400
// after a bounded number of requests: each date form asked as configured
// and once at 50 without sortFields (four), and a letter's lookup twice,
// its 400 the letter's ErrLookupRefused.
// Nothing is kept: the next read asks the same, and no shape is warned
// of.
func TestNotesFakeRefusesEveryShape(t *testing.T) {
	for body := range refusals {
		t.Run(body, func(t *testing.T) {
			l, queries := refusingLog(t, func(url.Values) string { return "Invalid request" }, body)
			log, out := logtest.New()
			cl := newClient(t, Config{BaseURL: l.srv.URL + "/apis/v1", SystemID: nfSystem, APIToken: nfToken, Logger: log},
				httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1, BreakerThreshold: -1})
			for read := range 2 {
				_, err := readLetters(t, cl)
				var se *httpclient.StatusError
				if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
					t.Fatalf("read %d: %v, want the log's 400", read, err)
				}
				if n := len(queries()); n != 4 {
					t.Errorf("read %d: %d requests, want 4", read, n)
				}
			}
			// The lookup's 400 is the letter's (the filter refused: the
			// poller reads the log over its time instead), not the call's.
			obs, err := cl.Status(context.Background(), []string{nfLetter(1)})
			if err != nil || len(obs) != 1 || !badRequest(obs[0].Err) || !errors.Is(obs[0].Err, channel.ErrLookupRefused) {
				t.Errorf("lookup: %+v %v, want the letter's ErrLookupRefused with the log's 400", obs, err)
			}
			if n := len(queries()); n != 2 {
				t.Errorf("lookup: %d requests, want 2", n)
			}
			if strings.Contains(out.String(), "refused the page size") {
				t.Errorf("a shape warned of:\n%s", out)
			}
		})
	}
}

// TestNotesFakeRefusedLaterPage: a 400 on a page after the first (a log
// that caps how deep pages go) is not about size or order, which the
// first page was answered in: the read ends with it at once (a gap after
// the last entry given, carrying the 400: TestPagingDepthCap), the shape
// stays as asked.
func TestNotesFakeRefusedLaterPage(t *testing.T) {
	l, queries := refusingLog(t, func(q url.Values) string {
		if q.Get("page") != "0" {
			return "Result window is too large"
		}
		return ""
	}, "problem details")
	cl := nfAdapter(t, l) // pages of 500 asked, 100 served
	for read := range 2 {
		_, err := readLetters(t, cl)
		if !badRequest(err) {
			t.Fatalf("read %d: %v, want the log's 400", read, err)
		}
		qs := queries()
		if len(qs) != 2 || qs[1].q.Get("size") != "500" || qs[1].q.Get("sortFields") != "created:asc" {
			t.Errorf("read %d: %d requests (want 2: pages 0 and 1), the last %v", read, len(qs), qs[len(qs)-1].q)
		}
	}
}

// TestNotesFakeRefusedSortConcurrentLookups: the first calls of a process
// are four letters' lookups at once (Status) on a log that refuses
// sortFields: each letter is read, and what the log takes is found and
// warned of once.
func TestNotesFakeRefusedSortConcurrentLookups(t *testing.T) {
	l, queries := refusingLog(t, noSort, "text")
	log, out := logtest.New()
	cl := newClient(t, Config{BaseURL: l.srv.URL + "/apis/v1", SystemID: nfSystem, APIToken: nfToken, Logger: log, Concurrency: 4},
		httpclient.Options{BackoffBase: time.Millisecond, MaxRetries: 1, BreakerThreshold: -1})
	ids := []string{nfLetter(1), nfLetter(2), nfLetter(3), nfLetter(4), nfLetter(5), nfLetter(6)}
	obs, err := cl.Status(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range obs {
		if o.Err != nil || o.State != model.StateAvailable || o.ChannelID != ids[i] {
			t.Errorf("letter %d: %+v", i, o)
		}
	}
	refused := 0
	for _, a := range queries() {
		if a.refused {
			refused++
		}
	}
	// Up to four first pages at once, and the probe with sortFields at 50.
	if refused > 5 {
		t.Errorf("%d requests refused, want at most 5", refused)
	}
	if n := strings.Count(out.String(), "refused the page size or the order"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, out)
	}
}
