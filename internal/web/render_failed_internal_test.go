package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestErrorPageThatCannotRenderIsPlain: a UI request that fails inside is
// answered the error page (internalError); when that page cannot be
// rendered either (here its template is gone), the answer is a plain 500
// without detail, logged with key error, and the error page is not tried
// again. The API's failure is its JSON whatever the pages.
func TestErrorPageThatCannotRenderIsPlain(t *testing.T) {
	var logs bytes.Buffer
	s := New(nil, slog.New(slog.NewTextHandler(&logs, nil)), func() time.Time { return time.Unix(0, 0) })
	delete(s.pages, "error")
	for _, path := range []string{"/list", "/api/v1/shipments"} {
		logs.Reset()
		w := httptest.NewRecorder()
		s.internalError(w, httptest.NewRequest("GET", path, nil), "read letters", errors.New("boom"))
		if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "internal error; see the server log") {
			t.Errorf("%s: %d %q, want 500 without detail", path, w.Code, w.Body.String())
		}
		if strings.Count(logs.String(), "error=") != 1+strings.Count(path, "/list") {
			t.Errorf("%s: logged %q: want the failure, and for the UI the page that could not render, once each", path, logs.String())
		}
	}
}
