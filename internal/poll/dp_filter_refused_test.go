package poll_test

import (
	"net/http"
	"strings"
)

// refuseFilter answers a search by messageUUID 400, as a log whose field
// search does not take metaProperties.messageUUID would (the notes infer
// the filter from the spec's generic search text; it is untested).
func refuseFilter(w http.ResponseWriter, r *http.Request, _ int) bool {
	if !r.URL.Query().Has("metaProperties.messageUUID") {
		return false
	}
	http.Error(w, `{"status":400,"error":"Bad Request","message":"Unknown search field metaProperties.messageUUID"}`, http.StatusBadRequest)
	return true
}

// rereadsAsked counts the re-reads the refused look-ups started.
func (w *dpWorld) rereadsAsked() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Count(w.logs.String(), "re-reading the event log from the sent time of letters whose own look-up it refused")
}
