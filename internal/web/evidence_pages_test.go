package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// longLog registers a Danish letter whose Digital Post log has n entries,
// one a second: "Tilgængelig for modtageren" as the fourth, "read" as the
// entry half-way, the rest entries that move nothing. It returns the
// letter's id and the log ids of the two entries that prove.
func longLog(t *testing.T, e *env, n int) (id, availableID, readID string) {
	t.Helper()
	ctx := t.Context()
	got, _, err := e.st.Register(ctx, []model.NewShipment{copenhagenLetter("0b6d3c5e-1f2a-4b3c-8d4e-0000000000a1", "person", "0101801234",
		now.Add(-48*time.Hour))}, store.SourceAPI, "test")
	if err != nil {
		t.Fatal(err)
	}
	t0 := now.Add(-47 * time.Hour)
	var entries []store.FeedEntry
	for i := 0; i < n; i++ {
		logID := fmt.Sprintf("33333333-0000-4000-8000-%012d", i)
		tag, state := "MEMO_SEND_RECEIVED", model.StateAccepted
		switch i {
		case 3:
			tag, state, availableID = "MEMO_AVAILABLE_TO_RECIPIENT", model.StateAvailable, logID
		case n / 2:
			tag, state, readID = "MESSAGE_READ", model.StateOpened, logID
		}
		entries = append(entries, store.FeedEntry{ID: logID, ChannelID: got[0].ChannelID, Tag: tag, State: state,
			At: t0.Add(time.Duration(i) * time.Second), Payload: []byte(fmt.Sprintf(`{"id":%q,"eventTag":%q}`, logID, tag))})
	}
	if _, err := e.st.ApplyFeed(ctx, store.FeedApply{Channel: "digitalpost", Entries: entries}); err != nil {
		t.Fatal(err)
	}
	return got[0].ID, availableID, readID
}

var (
	timelineRowRE = regexp.MustCompile(`<tr>\s*<td class="num">(\d+)</td>`)
	olderRE       = regexp.MustCompile(`href="(/shipments/[^"]+)" id="older-events"`)
)

// timeline is what a page of the letter's evidence shows: the events' log
// numbers, the proof box, and the link to older events ("" when none).
func timeline(t *testing.T, page string) (ids []string, proof, older string) {
	t.Helper()
	for _, m := range timelineRowRE.FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	start := strings.Index(page, `id="proof"`)
	if start < 0 {
		t.Fatalf("no proof on the page")
	}
	proof = page[start : start+strings.Index(page[start:], "</div>")]
	if m := olderRE.FindStringSubmatch(page); m != nil {
		older = html.UnescapeString(m[1])
	}
	return ids, proof, older
}

// TestEvidencePages: a letter with 5,000 events shows the latest 200 and a
// link to the older ones, page after page, each event once, until the
// first; what the event log proves (drawn from all of them: the entry that
// proves availability is on the last page) is the same on every page; the
// JSON still has every event; a link cut short is a clear 400.
func TestEvidencePages(t *testing.T) {
	e := newEnv(t)
	id, availableID, readID := longLog(t, e, 5000)
	all, err := e.st.Events(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn("kari", "compliance", "64942212", "")

	code, page := b.get("/shipments/" + id)
	ids, proof, older := timeline(t, page)
	if code != http.StatusOK || len(ids) != 200 || older == "" {
		t.Fatalf("first page: %d, %d events, older link %q; want 200, 200 and a link", code, len(ids), older)
	}
	// The count as English writes it: 5,004.
	if want := fmt.Sprintf("The timeline shows 200 of the log's %s events.", i18n.FormatInt("en", int64(len(all)))); !strings.Contains(html.UnescapeString(page), want) {
		t.Errorf("first page does not say %q", want)
	}
	if strings.Contains(page, `id="latest-events"`) {
		t.Error("the latest events link back to themselves")
	}
	u, err := url.Parse(older)
	if err != nil {
		t.Fatal(err)
	}
	cursor := u.Query().Get("before")
	for _, want := range []string{availableID, readID} {
		if !strings.Contains(proof, want) {
			t.Errorf("the proof lacks event %s (on an older page): %s", want, proof)
		}
	}
	seen := map[string]bool{}
	pages := 0
	for {
		pages++
		for _, n := range ids {
			if seen[n] {
				t.Fatalf("page %d shows event %s again", pages, n)
			}
			seen[n] = true
		}
		if older == "" {
			break
		}
		code, page = b.get(older)
		var p string
		ids, p, older = timeline(t, page)
		if code != http.StatusOK || len(ids) == 0 || len(ids) > 200 {
			t.Fatalf("page %d: %d with %d events", pages+1, code, len(ids))
		}
		if p != proof {
			t.Fatalf("page %d proves otherwise than the first:\n%s\nfirst:\n%s", pages+1, p, proof)
		}
		if !strings.Contains(page, `id="latest-events"`) {
			t.Fatalf("page %d has no link to the latest events", pages+1)
		}
	}
	if len(seen) != len(all) || pages != (len(all)+199)/200 {
		t.Errorf("%d pages showed %d events; the log has %d", pages, len(seen), len(all))
	}

	code, body := b.get("/shipments/" + id + "/evidence.json")
	if n := strings.Count(body, `"recorded_at"`); code != http.StatusOK || n != len(all) {
		t.Errorf("evidence.json: %d with %d events, want the whole log's %d", code, n, len(all))
	}

	for _, bad := range []string{"garbage!", "MjAyNg", cursor[:10], cursor + "x"} {
		code, page = b.get("/shipments/" + id + "?before=" + url.QueryEscape(bad))
		if code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(page), "This link to older events of the evidence log is not valid") {
			t.Errorf("before=%q: %d, want 400 saying the link is not valid", bad, code)
		}
	}
}

// TestEvidenceAPIPages: GET /api/v1/shipments/{id} gives the latest events
// (200 unless limit says) in the order things happened, how many the log
// has, and a cursor to the ones before; following it gives each event
// once; a bad cursor or limit is a 400.
func TestEvidenceAPIPages(t *testing.T) {
	e := newEnv(t)
	id, _, _ := longLog(t, e, 1500)
	all, err := e.st.Events(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token("compliance", "64942212", "")
	code, m := e.do("GET", "/api/v1/shipments/"+id, tok, "")
	if evs, _ := m["events"].([]any); code != http.StatusOK || len(evs) != 200 || m["events_next_cursor"] == "" ||
		m["events_total"] != float64(len(all)) {
		t.Fatalf("default page: %d, %d events, total %v, cursor %v", code, len(evs), m["events_total"], m["events_next_cursor"])
	}
	seen := map[float64]bool{}
	var last time.Time
	cursor, pages := "", 0
	for {
		path := "/api/v1/shipments/" + id + "?limit=400"
		if cursor != "" {
			path += "&before=" + cursor
		}
		code, m = e.do("GET", path, tok, "")
		evs, _ := m["events"].([]any)
		if code != http.StatusOK || len(evs) == 0 || len(evs) > 400 {
			t.Fatalf("%s: %d with %d events", path, code, len(evs))
		}
		pages++
		var first time.Time
		for i, x := range evs {
			ev := x.(map[string]any)
			at, _ := time.Parse(time.RFC3339Nano, ev["observed_at"].(string))
			if i == 0 {
				first = at
			}
			if seen[ev["id"].(float64)] {
				t.Fatalf("event %v twice", ev["id"])
			}
			seen[ev["id"].(float64)] = true
		}
		if !last.IsZero() && first.After(last) {
			t.Fatalf("page %d starts after the page before it began (%s > %s)", pages, first, last)
		}
		last = first
		cursor, _ = m["events_next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != len(all) || pages != (len(all)+399)/400 {
		t.Errorf("%d pages gave %d events; the log has %d", pages, len(seen), len(all))
	}
	for _, q := range []string{"?before=garbage!", "?before=MjAyNg", "?limit=0", "?limit=1001", "?limit=x"} {
		if code, m := e.do("GET", "/api/v1/shipments/"+id+q, tok, ""); code != http.StatusBadRequest || m["error"] == nil {
			t.Errorf("%s: %d %v, want 400 with an error", q, code, m)
		}
	}
}
