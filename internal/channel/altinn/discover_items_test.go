package altinn

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"postvakt/internal/httpfake"
)

// TestDiscoverPagedSearchAsServed: the search that paged (Altinn/altinn-
// correspondence before ac174310, January 2025) was declared to answer
// CorrespondencesExt, {"ids", "pagination": {totalItems, page, pages}}, as
// the published OpenAPI document has it, but its controller answered
// Ok(GetCorrespondencesResponse): {"items":[…], "pagination": {"offset",
// "limit", "totalItems"}}, 50 when no limit was asked. Read for "ids"
// alone, every page held none: discovery found nothing, without a word,
// and the paging written for that version never ran. "items" is read as
// the ids when there are no "ids".
func TestDiscoverPagedSearchAsServed(t *testing.T) {
	f := &nfAltinn{t: t, srv: httpfake.New(t, httpfake.Bearer(nfBearer)), corr: map[string]*nfCorr{},
		notFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }}
	f.srv.Handle("GET "+basePath, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		from, err1 := time.Parse(time.RFC3339Nano, q.Get("from"))
		to, err2 := time.Parse(time.RFC3339Nano, q.Get("to"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit == 0 {
			limit = 50 // GetCorrespondencesHandler: request.Limit == 0 ? 50
		}
		if err1 != nil || err2 != nil || offset < 0 || limit < 0 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		items, hits := f.publishedPage(from, to, offset, limit)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items,
			"pagination": map[string]int{"offset": offset, "limit": limit, "totalItems": hits}})
	})
	if got, n := discoverPublished(t, f, time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)); got != n {
		t.Errorf("Discover found %d of %d letters of the paged search as it was served", got, n)
	}
}
