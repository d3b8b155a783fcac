package httpfake

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"postvakt/internal/logtest"
)

// status asks s for GET path with the given Authorization (none if empty)
// and returns the answer's status.
func status(t *testing.T, s *Server, path, auth string) int {
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
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestNamedPathsOnly: a named path is served by its handler and nothing
// is reported; any other path is answered 404 and reported.
func TestNamedPathsOnly(t *testing.T) {
	c := &logtest.Catcher{TB: t}
	s := New(c, nil)
	var ids []string
	s.Handle("GET /v1/{id}", func(w http.ResponseWriter, r *http.Request) { ids = append(ids, r.PathValue("id")) })
	if code := status(t, s, "/v1/7", ""); code != 200 || fmt.Sprint(ids) != "[7]" || c.Reported() != "" {
		t.Fatalf("named path: %d, handler saw %v, reported %q; want 200, [7], nothing reported", code, ids, c.Reported())
	}
	if code := status(t, s, "/v2/7", ""); code != 404 || len(ids) != 1 || !strings.Contains(c.Reported(), "GET /v2/7") {
		t.Fatalf("unnamed path: %d, handler saw %v, reported %q; want 404, the handler not asked, GET /v2/7 reported", code, ids, c.Reported())
	}
}

// TestGuard: a request the guard refuses is reported, answered 401, and
// neither served nor counted; one it lets through is.
func TestGuard(t *testing.T) {
	c := &logtest.Catcher{TB: t}
	s := New(c, Bearer("tok"))
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	var seen []int
	s.Script(func(w http.ResponseWriter, n int) bool { seen = append(seen, n); return false })
	if code := status(t, s, "/x", "Bearer other"); code != 401 || !strings.Contains(c.Reported(), "GET /x without the bearer token") {
		t.Fatalf("wrong token: %d, reported %q; want 401 and the refusal reported", code, c.Reported())
	}
	if code := status(t, s, "/x", "Bearer tok"); code != http.StatusAccepted {
		t.Fatalf("right token: %d; want 202 from the handler", code)
	}
	if fmt.Sprint(seen) != "[1]" {
		t.Fatalf("script saw requests %v; want [1] (the refused one is not counted)", seen)
	}
}

// TestScript: the script answers the requests it takes, by number, before
// the paths; the others fall through; nil ends it.
func TestScript(t *testing.T) {
	c := &logtest.Catcher{TB: t}
	s := New(c, nil)
	s.Handle("GET /x", func(w http.ResponseWriter, r *http.Request) {})
	s.Script(func(w http.ResponseWriter, n int) bool {
		if n == 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	var got []int
	for range 3 {
		got = append(got, status(t, s, "/x", ""))
	}
	s.Script(nil)
	got = append(got, status(t, s, "/x", ""))
	if fmt.Sprint(got) != "[200 503 200 200]" || c.Reported() != "" {
		t.Fatalf("statuses %v, reported %q; want [200 503 200 200], nothing reported", got, c.Reported())
	}
}

// fatalCatcher is a testing.TB whose Fatal and Fatalf keep the report and
// end the goroutine, as the testing package's do, without failing the test.
type fatalCatcher struct {
	testing.TB
	fatal string
}

func (c *fatalCatcher) Fatal(args ...any) { c.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (c *fatalCatcher) Fatalf(format string, args ...any) {
	c.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestGet: Get returns a 200's body; any other status fails the test,
// naming the URL, the status and the start of the body.
func TestGet(t *testing.T) {
	s := New(t, nil)
	s.Handle("GET /ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("body")) })
	s.Handle("GET /gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone away", http.StatusGone) })
	if got := string(Get(t, s.URL+"/ok")); got != "body" {
		t.Fatalf("Get of a 200: %q, want its body", got)
	}
	c := &fatalCatcher{TB: t}
	done := make(chan []byte)
	go func() {
		defer close(done)
		done <- Get(c, s.URL+"/gone")
	}()
	if b, returned := <-done; returned || !strings.Contains(c.fatal, "/gone: 410") || !strings.Contains(c.fatal, "gone away") {
		t.Fatalf("Get of a 410 returned %v (%q), reported %q; want the test failed naming the URL, 410 and the body", returned, b, c.fatal)
	}
}
