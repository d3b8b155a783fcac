package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"postvakt/internal/auth"
)

// A remembered session past its end is no credential while the database
// is down, whenever it was last confirmed (from an independent review);
// a bearer token (no end) and a live session are.
func TestRecallEndsWithTheSession(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	var k knownCredentials
	for _, c := range []struct {
		name    string
		expires time.Time
		at      time.Duration // recalled this long after it was confirmed
		want    bool
	}{
		{"live session", now.Add(10 * time.Minute), 5 * time.Minute, true},
		{"session ended since", now.Add(time.Minute), 5 * time.Minute, false},
		{"session ending that instant", now.Add(5 * time.Minute), 5 * time.Minute, false},
		{"token", time.Time{}, 5 * time.Minute, true},
		{"confirmed too long ago", time.Time{}, knownFor, false},
	} {
		key := credentialKey("test", c.name)
		k.remember(key, &request{Principal: &auth.Principal{Role: "admin"}, expires: c.expires}, now)
		if _, ok := k.recall(key, now.Add(c.at)); ok != c.want {
			t.Errorf("%s: recalled %v, want %v", c.name, ok, c.want)
		}
	}
}

// The static folder's address lists nothing; its files are served.
func TestStaticListsNoFolder(t *testing.T) {
	h := noListing(http.FileServerFS(staticFS))
	for path, want := range map[string]int{"/static/": 404, "/static/style.css": 200} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}
