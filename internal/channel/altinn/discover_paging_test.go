package altinn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpfake"
)

// pagedSearch answers the search as the published OpenAPI document has it
// (older than the service): offset and limit in the query, a page of
// limit ids (50 when not asked), newest first, and "pagination"
// {totalItems, page, pages}. ignoreOffset makes it answer the first page
// whatever offset is asked for.
func pagedSearch(f *nfAltinn, ignoreOffset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
		to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
		offset, limit := 0, 50
		if v := q.Get("offset"); v != "" && !ignoreOffset {
			offset, _ = strconv.Atoi(v)
		}
		if v := q.Get("limit"); v != "" {
			limit, _ = strconv.Atoi(v)
		}
		if err1 != nil || err2 != nil || offset < 0 || limit <= 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ids, hits := f.publishedPage(from, to, offset, limit)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids, "pagination": map[string]int{
			"totalItems": hits, "page": offset/limit + 1, "pages": (hits + limit - 1) / limit}})
	}
}

// TestDiscoverPagedSearch: an Altinn (or a fake) answering the search as
// the published OpenAPI document describes it, in pages of 50 with
// "pagination", still has every letter of the window found: the pages
// after the first are asked for by offset and limit; a server that
// ignores the offset gets its window split until each part fits one page.
func TestDiscoverPagedSearch(t *testing.T) {
	for _, ignoreOffset := range []bool{false, true} {
		t.Run("ignoreOffset="+strconv.FormatBool(ignoreOffset), func(t *testing.T) {
			f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
				notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
			f.srv.Handle("GET "+basePath, pagedSearch(f, ignoreOffset))
			if got, n := discoverPublished(t, f, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)); got != n {
				t.Errorf("Discover found %d of %d letters of a paged search", got, n)
			}
		})
	}
}

// TestDiscoverSearchAnswerNotAnObject: a search answered 200 with "null",
// nothing or a bare array says nothing about the window: Discover fails
// (a *channel.BadResponseError) rather than finding no letters; an object
// whose ids are null (the OpenAPI document has them nullable) or absent is
// a window without letters.
func TestDiscoverSearchAnswerNotAnObject(t *testing.T) {
	for _, c := range []struct {
		body string
		bad  bool
	}{
		{`null`, true},
		{``, true},
		{`[]`, true},
		{`"ingen"`, true},
		{`{"ids":null}`, false},
		{`{}`, false},
		{`{"ids":[]}`, false},
	} {
		f := newNFAltinn(t)
		f.srv.Script(func(w http.ResponseWriter, _ int) bool {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write([]byte(c.body))
			return true
		})
		from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		found, err := nfAdapter(t, f).Discover(context.Background(), from, from.Add(time.Hour))
		var bad *channel.BadResponseError
		switch {
		case c.bad && !errors.As(err, &bad):
			t.Errorf("search answer %q: %v, %d found; want a BadResponseError", c.body, err, len(found))
		case !c.bad && (err != nil || len(found) != 0):
			t.Errorf("search answer %q: %v, %d found; want none found", c.body, err, len(found))
		}
	}
}

// TestDiscoverBulkSendOnAnOlderAltinn: asked status by status for a bulk
// send (1100 letters with one publish time), an Altinn of the published
// OpenAPI document refuses the statuses it does not have yet
// (AttachmentsDownloaded, Forwarded) with 400; the other statuses are still
// asked, and every letter is found.
func TestDiscoverBulkSendOnAnOlderAltinn(t *testing.T) {
	older := []string{"Initialized", "ReadyForPublish", "Published", "Fetched", "Read", "Replied", "Confirmed",
		"PurgedByRecipient", "PurgedByAltinn", "Archived", "Reserved", "Failed"}
	f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
		notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
	f.srv.Handle("GET "+basePath, func(w http.ResponseWriter, r *http.Request) {
		if s := r.URL.Query().Get("status"); s != "" && !slices.Contains(older, s) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"status":["The value '` + s + `' is not valid."]}}`))
			return
		}
		f.search(w, r)
	})
	f.srv.Handle("GET "+basePath+"/{id}/details", f.details)
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	bulk := from.Add(13 * time.Hour)
	for i := range 1100 {
		h := nfHist("Initialized", "Published")
		if i%2 == 1 {
			h = nfHist("Initialized", "Published", "Read")
		}
		f.add(&nfCorr{id: nfID(i), published: bulk, history: h})
	}
	found, err := nfAdapter(t, f).Discover(context.Background(), from, from.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1100 {
		t.Errorf("Discover found %d of 1100 letters", len(found))
	}
}

// TestDiscoverBulkSendNoStatusFilter: a search that refuses every status
// filter leaves a bulk send beyond its first 1000 letters unfound: what
// was found comes with ErrIncomplete naming the window, not as if it were
// all.
func TestDiscoverBulkSendNoStatusFilter(t *testing.T) {
	f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
		notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
	f.srv.Handle("GET "+basePath, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("status") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.search(w, r)
	})
	f.srv.Handle("GET "+basePath+"/{id}/details", f.details)
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1100 {
		f.add(&nfCorr{id: nfID(i), published: from.Add(13 * time.Hour), history: nfHist("Initialized", "Published")})
	}
	found, err := nfAdapter(t, f).Discover(context.Background(), from, from.Add(24*time.Hour))
	if !errors.Is(err, channel.ErrIncomplete) || len(found) != 1000 {
		t.Errorf("%d found, %v; want the first 1000 with ErrIncomplete", len(found), err)
	}
}

// TestDiscoverBulkSendPartyLookupFailsTheRead: Altinn's 400 with code 4002
// (it could not look up the caller in its register, for now) on one
// status's ask of a bulk send is about the caller, not the filter: the
// discovery fails and is asked again, rather than skipping the status as
// one the search does not know and losing the letters in it.
func TestDiscoverBulkSendPartyLookupFailsTheRead(t *testing.T) {
	f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
		notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
	f.srv.Handle("GET "+basePath, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("status") == "Read" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"title":"Could not retrieve party uuid from lookup in Altinn Register","status":400,"code":"CORR-04002"}`))
			return
		}
		f.search(w, r)
	})
	f.srv.Handle("GET "+basePath+"/{id}/details", f.details)
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1100 {
		h := nfHist("Initialized", "Published")
		if i%2 == 1 {
			h = nfHist("Initialized", "Published", "Read")
		}
		f.add(&nfCorr{id: nfID(i), published: from.Add(13 * time.Hour), history: h})
	}
	found, err := nfAdapter(t, f).Discover(context.Background(), from, from.Add(24*time.Hour))
	if err == nil {
		t.Errorf("Discover found %d of 1100 letters without an error; want the party lookup's 400 to fail it", len(found))
	}
}

// publishedPage is the page of the ids of the correspondences published
// between from and to (exclusive, as Altinn's search filters), newest
// first (then by id), offset and limit as the paged search takes them,
// and how many there are in all.
func (f *nfAltinn) publishedPage(from, to time.Time, offset, limit int) ([]string, int) {
	f.mu.Lock()
	var hits []*nfCorr
	for _, c := range f.corr {
		if c.published.After(from) && c.published.Before(to) {
			hits = append(hits, c)
		}
	}
	f.mu.Unlock()
	slices.SortFunc(hits, func(a, b *nfCorr) int {
		if c := b.published.Compare(a.published); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	ids := []string{}
	for _, c := range hits[min(offset, len(hits)):min(offset+limit, len(hits))] {
		ids = append(ids, c.id)
	}
	return ids, len(hits)
}

// discoverPublished serves f's details, publishes 137 letters a minute
// apart from from, and discovers the day from from: how many different
// letters Discover found, of how many.
func discoverPublished(t *testing.T, f *nfAltinn, from time.Time) (found, of int) {
	t.Helper()
	f.srv.Handle("GET "+basePath+"/{id}/details", f.details)
	const n = 137
	for i := range n {
		f.add(&nfCorr{id: nfID(i), published: from.Add(time.Duration(i+1) * time.Minute), history: nfHist("Initialized", "Published")})
	}
	ds, err := nfAdapter(t, f).Discover(context.Background(), from, from.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, fd := range ds {
		got[fd.ChannelID] = true
	}
	return len(got), n
}
