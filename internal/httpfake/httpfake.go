// Package httpfake is a test helper: the HTTP server under a fake of an
// outside service written from the notes. The fake names the paths it
// serves; a request for any other path is reported through testing.TB (the
// code under test asked something the notes do not name). An optional Guard
// checks every request first (the credentials), and a Script can answer
// request n before the paths do (a failure, a slow or broken answer). Get
// is a test's own GET of a page it needs, from a fake or a simulator.
package httpfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Guard checks a request before it is counted or served. It returns what
// is wrong with it, or "" when it may pass; a refused request is reported
// and answered 401.
type Guard func(r *http.Request) string

// Bearer is a Guard that lets through only "Authorization: Bearer token".
func Bearer(token string) Guard {
	return func(r *http.Request) string {
		if r.Header.Get("Authorization") != "Bearer "+token {
			return "without the bearer token"
		}
		return ""
	}
}

// Server is a running fake, closed when the test ends.
type Server struct {
	URL string // the server's base URL, as httptest gives it

	tb     testing.TB
	mux    *http.ServeMux
	mu     sync.Mutex
	n      int
	script func(w http.ResponseWriter, n int) bool
}

// New starts a server that serves the paths Handle names; guard may be nil.
func New(tb testing.TB, guard Guard) *Server {
	tb.Helper()
	s := &Server{tb: tb, mux: http.NewServeMux()}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		tb.Errorf("the code under test asked a path the notes do not name: %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if guard != nil {
			if wrong := guard(r); wrong != "" {
				tb.Errorf("%s %s %s", r.Method, r.URL.Path, wrong)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		s.mu.Lock()
		s.n++
		n, script := s.n, s.script
		s.mu.Unlock()
		if script != nil && script(w, n) {
			return
		}
		s.mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Handle serves pattern (http.ServeMux's form, such as "GET /v1/{id}")
// with fn.
func (s *Server) Handle(pattern string, fn http.HandlerFunc) {
	s.mux.HandleFunc(pattern, fn)
}

// Script lets fn answer first: it gets each request (past the guard) with
// its number, counted from 1 since the server started, and answers it
// instead of the paths when it returns true. nil ends the script.
func (s *Server) Script(fn func(w http.ResponseWriter, n int) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = fn
}

// AnswerAll answers every request (past the guard), on any path, with the
// JSON body last given to the function it returns: what a fuzz test
// serves the adapter under test.
func (s *Server) AnswerAll() (set func(body []byte)) {
	var body atomic.Value
	body.Store([]byte(nil))
	s.Script(func(w http.ResponseWriter, _ int) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body.Load().([]byte))
		return true
	})
	return func(b []byte) { body.Store(b) }
}

// Get is a test's GET of url: the answer's body, the test failed on an
// error or on any status but 200.
func Get(tb testing.TB, url string) []byte {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %v %.300s", url, resp.StatusCode, err, b)
	}
	return b
}
