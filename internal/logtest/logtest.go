// Package logtest gives tests a log they can read while the code under
// test still writes to it from other goroutines, and the tests of test
// helpers a testing.TB that keeps what a helper reports.
package logtest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer safe for concurrent writers and readers.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// New returns a text logger (debug and up) writing to a new Buffer.
func New() (*slog.Logger, *Buffer) {
	b := &Buffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// Catcher is a testing.TB whose Errorf keeps the report instead of failing
// the test, so a test helper's own tests can read what it reported (from
// any goroutine). Everything else goes to the embedded TB.
type Catcher struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

// Errorf keeps the formatted report.
func (c *Catcher) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// Reported returns the reports so far, one a line.
func (c *Catcher) Reported() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errs, "\n")
}

// Says checks that text (a log, a mail body) of case name says every one
// of want and none of not, reporting each miss with the whole text.
func Says(t testing.TB, name, text string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: lacks %q:\n%s", name, w, text)
		}
	}
	for _, n := range not {
		if strings.Contains(text, n) {
			t.Errorf("%s: says %q:\n%s", name, n, text)
		}
	}
}
