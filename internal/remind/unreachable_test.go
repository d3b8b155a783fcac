package remind

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUnreachableRelayPausesSends: a relay that does not answer (down
// behind a firewall that drops, a port that says nothing) cost each
// message its whole time (30 s) to find out: a run of 1,000 reminders
// took an hour over 8 workers, the Altinn orders behind them waiting, and
// each alert of an evaluation as much. After a connection the relay did
// not answer in time, the sender's messages fail at once for
// unreachablePause, saying so (a failed reminder waits its retry); then
// it connects again.
func TestUnreachableRelayPausesSends(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never a greeting
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	accepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
	s, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", TLSMode: TLSNone, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	if err := s.Send(context.Background(), testMessage("post@firma.no")); err == nil {
		t.Fatal("sent to a relay that never greets")
	}
	ss := s.Session()
	for i := range 3 {
		start := time.Now()
		err := ss.Send(context.Background(), testMessage("post@firma.no"))
		if err == nil || !strings.Contains(err.Error(), "did not answer") {
			t.Fatalf("message %d: err = %v, want one saying the relay did not answer", i+2, err)
		}
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Fatalf("message %d waited %v for a relay that did not answer just before", i+2, d)
		}
	}
	ss.Close()
	if n := accepted(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	now = now.Add(unreachablePause)
	if err := s.Send(context.Background(), testMessage("post@firma.no")); err == nil {
		t.Fatal("sent to a relay that never greets")
	}
	if n := accepted(); n != 2 {
		t.Fatalf("%d connections after the pause, want 2", n)
	}
}
