package httpfake

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// catcher records what the Server reports instead of failing the test.
type catcher struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (c *catcher) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *catcher) reported() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errs, "\n")
}

// get asks s for path with the given Authorization (none if empty) and
// returns the status and body.
func get(t *testing.T, s *Server, path, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNamedPathsOnly: a named path is served and nothing is reported; any
// other path is answered 404 and reported.
func TestNamedPathsOnly(t *testing.T) {
	c := &catcher{TB: t}
	s := New(c, nil)
	s.Handle("GET /v1/{id}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "id ", r.PathValue("id")) })
	if code, body := get(t, s, "/v1/7", ""); code != 200 || body != "id 7" || c.reported() != "" {
		t.Fatalf("named path: %d %q, reported %q; want 200 \"id 7\", nothing reported", code, body, c.reported())
	}
	if code, _ := get(t, s, "/v2/7", ""); code != 404 || !strings.Contains(c.reported(), "GET /v2/7") {
		t.Fatalf("unnamed path: %d, reported %q; want 404 and GET /v2/7 reported", code, c.reported())
	}
}

// TestGuard: a request the guard refuses is reported, answered 401, and
// neither served nor counted; one it lets through is.
func TestGuard(t *testing.T) {
	c := &catcher{TB: t}
	s := New(c, Bearer("tok"))
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") })
	var seen []int
	s.Script(func(w http.ResponseWriter, n int) bool { seen = append(seen, n); return false })
	if code, _ := get(t, s, "/x", "Bearer other"); code != 401 || !strings.Contains(c.reported(), "GET /x without the bearer token") {
		t.Fatalf("wrong token: %d, reported %q; want 401 and the refusal reported", code, c.reported())
	}
	if code, body := get(t, s, "/x", "Bearer tok"); code != 200 || body != "x" {
		t.Fatalf("right token: %d %q; want 200 \"x\"", code, body)
	}
	if fmt.Sprint(seen) != "[1]" {
		t.Fatalf("script saw requests %v; want [1] (the refused one is not counted)", seen)
	}
}

// TestScript: the script answers the requests it takes, by number, before
// the paths; the others fall through; nil ends it.
func TestScript(t *testing.T) {
	c := &catcher{TB: t}
	s := New(c, nil)
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") })
	s.Script(func(w http.ResponseWriter, n int) bool {
		if n == 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	var got []int
	for range 3 {
		code, _ := get(t, s, "/x", "")
		got = append(got, code)
	}
	s.Script(nil)
	code, _ := get(t, s, "/x", "")
	got = append(got, code)
	if fmt.Sprint(got) != "[200 503 200 200]" || c.reported() != "" {
		t.Fatalf("statuses %v, reported %q; want [200 503 200 200], nothing reported", got, c.reported())
	}
}
