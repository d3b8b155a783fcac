package remind

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLoginRefusedPausesEverySend: alerts and notices are sent one
// message a connection (SMTP.Send), not in a session: with a password the
// relay refuses for good, each alert logged in again at every evaluation
// (every 5 minutes, each alert and address), and each delivery worker of
// each reminder run once more, failed logins enough to lock the service
// account (Microsoft 365's smart lockout) or ban the host (fail2ban)
// until long after the password is fixed. A permanent refusal of the
// login pauses the logins of that sender for loginPause: its messages fail
// at once, saying so; after the pause it logs in again.
func TestLoginRefusedPausesEverySend(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	auths := 0
	reply := "535 5.7.8 Authentication credentials invalid"
	l := authRelay(t, "127.0.0.1:0", func(string) string {
		mu.Lock()
		defer mu.Unlock()
		auths++
		return reply
	})
	s, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", User: "postvakt",
		Password: "feil", TLSMode: TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	logins := func() int {
		mu.Lock()
		defer mu.Unlock()
		return auths
	}
	for i := range 3 {
		err := s.Send(context.Background(), testMessage("post@firma.no"))
		if err == nil || !strings.Contains(err.Error(), "535") {
			t.Fatalf("send %d: err = %v, want the relay's 535", i+1, err)
		}
		now = now.Add(time.Minute)
	}
	ss := s.Session() // a reminder run's worker
	if err := ss.Send(context.Background(), testMessage("post@firma.no")); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("session: err = %v, want the relay's 535", err)
	}
	ss.Close()
	if n := logins(); n != 1 {
		t.Fatalf("%d logins within the pause, want 1", n)
	}
	now = now.Add(loginPause)
	mu.Lock()
	reply = "235 2.7.0 Authentication successful"
	mu.Unlock()
	for i := range 2 {
		// authRelay takes no message (250 to DATA): logged in is enough.
		if err := s.Send(context.Background(), testMessage("post@firma.no")); err == nil || strings.Contains(err.Error(), "AUTH") {
			t.Fatalf("after the pause, send %d: err = %v, want one past the login", i+1, err)
		}
	}
	if n := logins(); n != 3 {
		t.Fatalf("%d logins, want 3: one after the pause, and one for the next message", n)
	}
}
