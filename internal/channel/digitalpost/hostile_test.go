package digitalpost

// The adapter against hostile but real event log answers, from the notes
// (notes_check_test.go's entries and pages): paging numbers of another
// type, a page that repeats the entry before it, time forms.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// hostileEntry is entry n of the notes' shape, a MESSAGE_READ of its own
// letter created n minutes after 10:00 on 10 March 2025.
func hostileEntry(n int) string {
	at := fmt.Sprintf(`"2025-03-10T10:%02d:00.000Z"`, n)
	return strings.Replace(notesEvent(n, "MESSAGE_READ", at, at, "12345674", "COMPANY"),
		notesLetter, fmt.Sprintf("3f2504e0-4f89-11d3-9a0c-%012d", n), 1)
}

// TestHostilePagingNumbers: totalPages and totalElements written as
// strings ("2", as a gateway or a serializer writing numbers as text has
// them) are read as the numbers they hold; null as left out. Before, a
// string there made every page unreadable: the window failed as a whole,
// every read, and no letter of the log moved. One that is no count
// ("many", an object) still fails the read (TestReadPageAgreesEntryByEntry):
// taken as left out, an empty page mid-log would end the read.
func TestHostilePagingNumbers(t *testing.T) {
	for _, c := range []struct {
		name, pages, elements string
	}{
		{"numbers as strings", `"2"`, `"4"`},
		{"numbers with blanks in strings", `" 2 "`, `"4"`},
		{"totalPages a string", `"2"`, `4`},
		{"totalElements a string", `2`, `"4"`},
		{"both null", `null`, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			pages := [][]string{{hostileEntry(0), hostileEntry(1)}, {hostileEntry(2), hostileEntry(3)}, {}}
			cl, _ := newNotesClient(t, func(q url.Values) string {
				n := 0
				fmt.Sscan(q.Get("page"), &n)
				var evs []string
				if n < len(pages) {
					evs = pages[n]
				}
				p := notesPage(evs, n, 2, 4)
				p = strings.Replace(p, `"totalPages" : 2`, `"totalPages" : `+c.pages, 1)
				return strings.Replace(p, `"totalElements" : 4`, `"totalElements" : `+c.elements, 1)
			}, nil)
			got, err := readAll(t, cl)
			if err != nil || len(got) != 4 {
				t.Fatalf("%d entries, %v; want 4", len(got), err)
			}
			for _, e := range got {
				if e.Err != nil || e.State != model.StateOpened {
					t.Errorf("%s: %s %v", e.ID, e.State, e.Err)
				}
			}
		})
	}
}

// hostileLetterEntry is entry n, of letter (its messageUUID), about tag,
// happened and created minute n after 10:00 on 10 March 2025.
func hostileLetterEntry(n int, letter, tag string) string {
	at := fmt.Sprintf(`"2025-03-10T10:%02d:00.000Z"`, n)
	return strings.Replace(notesEvent(n, tag, at, at, "12345674", "COMPANY"), notesLetter, letter, 1)
}

// TestHostilePagesOverlapAndSkip: the log is eventually consistent, and its
// pages may move under a read. A page that repeats the last entry of the
// page before (an entry stored meanwhile in front of it) gives every entry,
// one twice, and no gap (the feed keeps each entry once by its id); a page
// that skips one (one deleted meanwhile: fewer than the log announced)
// gives what it has and a gap (channel.ErrIncomplete), from which the
// poller reads on.
func TestHostilePagesOverlapAndSkip(t *testing.T) {
	for _, c := range []struct {
		name     string
		pages    [][]int
		total    int
		wantGap  bool
		wantRead []int
	}{
		{"the last entry again", [][]int{{0, 1}, {1, 2}}, 3, false, []int{0, 1, 1, 2}},
		{"an entry skipped", [][]int{{0, 1}, {3}}, 4, true, []int{0, 1, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, _ := newNotesClient(t, func(q url.Values) string {
				n := 0
				fmt.Sscan(q.Get("page"), &n)
				var evs []string
				if n < len(c.pages) {
					for _, i := range c.pages[n] {
						evs = append(evs, hostileEntry(i))
					}
				}
				return notesPage(evs, n, len(c.pages), c.total)
			}, nil)
			got, err := readAll(t, cl)
			if c.wantGap != errors.Is(err, channel.ErrIncomplete) || (!c.wantGap && err != nil) {
				t.Fatalf("%v; want a gap: %v", err, c.wantGap)
			}
			var read []int
			for _, e := range got {
				var n int
				fmt.Sscanf(e.ID[len(e.ID)-12:], "%d", &n)
				read = append(read, n)
			}
			if fmt.Sprint(read) != fmt.Sprint(c.wantRead) {
				t.Errorf("read entries %v, want %v", read, c.wantRead)
			}
		})
	}
}

// TestHostileLookup: a letter's lookup answered newest first with its
// entries out of order, one of them twice (the notes: duplicate status
// messages), an "available" stored after the reading (a status going
// backwards), an unknown tag, and an entry of a letter not asked about
// (the filter ignored for it): the letter is opened, dated by its
// reading, each of its entries kept once, the other letter's left out.
func TestHostileLookup(t *testing.T) {
	letter, other := "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3302"
	entries := []string{
		hostileLetterEntry(9, letter, TagAvailable), // after the reading
		hostileLetterEntry(8, other, "MESSAGE_READ"),
		hostileLetterEntry(5, letter, "MESSAGE_READ"),
		hostileLetterEntry(7, letter, "A_TAG_OF_NGDP_2"),
		hostileLetterEntry(1, letter, TagAvailable),
		hostileLetterEntry(1, letter, TagAvailable), // twice
		hostileLetterEntry(0, letter, "MEMO_SEND_RECEIVED"),
	}
	cl, _ := newNotesClient(t, func(q url.Values) string {
		if q.Get("page") != "0" {
			return notesPage(nil, 1, 1, len(entries))
		}
		return notesPage(entries, 0, 1, len(entries))
	}, nil)
	obs, err := cl.Status(context.Background(), []string{letter})
	if err != nil {
		t.Fatal(err)
	}
	o := obs[0]
	if o.Err != nil || o.State != model.StateOpened || o.Status != "MESSAGE_READ" || !o.ChangedAt.Equal(time.Date(2025, 3, 10, 10, 5, 0, 0, time.UTC)) {
		t.Errorf("%s (%s) at %v, %v; want opened by MESSAGE_READ at 10:05", o.State, o.Status, o.ChangedAt, o.Err)
	}
	if len(o.Events) != 5 {
		t.Errorf("%d events kept, want the letter's 5 distinct entries", len(o.Events))
	}
	for _, e := range o.Events {
		if e.ChannelID != letter {
			t.Errorf("an entry of %s kept for %s", e.ChannelID, letter)
		}
	}
}

// TestHostileEventTimeOutOfEra: an eventTime written as a number in
// another unit than the milliseconds the adapter reads integers as (epoch
// seconds: 1970; microseconds or nanoseconds: tens of thousands of years
// ahead), with a plausible created. The entry happened no later than the
// log stored it: it is placed at created. Taken as given it was refused by
// the poller (before the letter was sent, or in the future, forever): the
// MESSAGE_READ it proves was never applied. (A created out of era beside a
// good eventTime: TestNotesTimesOfAnEntry.)
func TestHostileEventTimeOutOfEra(t *testing.T) {
	created := time.Date(2023, 8, 25, 0, 49, 34, 437e6, time.UTC)
	for _, eventTime := range []string{`1692924574`, `1692924574437000`, `1692924574437000000`} {
		t.Run(eventTime, func(t *testing.T) {
			ev := `{"id":"6d1c3b2a-0000-4000-8000-000000000001","eventId":"7e2d4c3b-0000-4000-8000-000000000001",` +
				`"eventTag":"MESSAGE_READ","eventTime":` + eventTime + `,"created":"2023-08-25T00:49:34.437Z"` +
				`,"metaProperties":{"messageUUID":"` + notesLetter + `","recipientID":"29189919","recipientType":"COMPANY"}}`
			got := readOneAccepted(t, ev)
			if !got.At.Equal(created) || !got.Logged.Equal(created) {
				t.Errorf("at %s logged %s, want both %s", got.At, got.Logged, created)
			}
		})
	}
}
