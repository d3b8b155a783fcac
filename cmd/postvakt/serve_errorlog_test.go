package main

import (
	"bytes"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"

	"postvakt/internal/logtest"
)

// TestServerErrorsGoThroughSlog: what the HTTP server itself reports (a
// handler's panic, a superfluous WriteHeader, an accept error) is a record
// of the process log, at level ERROR with the text under key error, not a
// line of the standard library's logger on stderr that a JSON log reader
// cannot parse and an alert on error records never sees.
func TestServerErrorsGoThroughSlog(t *testing.T) {
	var stray bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&stray)
	logger, logs := logtest.New()
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("a handler's bug") })
	mux.HandleFunc("/twice", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusTeapot)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpServer(mux, logger)
	go srv.Serve(ln)
	defer srv.Close()
	for _, path := range []string{"/panic", "/twice"} {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err == nil {
			resp.Body.Close()
		}
	}
	srv.Close()
	if stray.Len() > 0 {
		t.Errorf("the HTTP server wrote to the standard logger, outside slog:\n%s", stray.String())
	}
	got := logs.String()
	for _, want := range []string{"a handler's bug", "superfluous response.WriteHeader"} {
		found := false
		for _, line := range strings.Split(got, "\n") {
			if strings.Contains(line, "level=ERROR") && strings.Contains(line, "error=") && strings.Contains(line, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no ERROR record with error=... %q in the log:\n%s", want, got)
		}
	}
}
