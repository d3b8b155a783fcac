package remind

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/store"
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

// TestFailedReminderIsNotLoggedPerLetterEveryRun: while an organisation's
// reminder waits for its retry (the SMTP relay was down), every escalation
// run leaves its letters out; that is one line per reason and organisation
// at most, not one a letter (100,000 letters waiting over a weekend made
// 100,000 lines a run), and at the default level none: the run's summary
// counts them.
func TestFailedReminderIsNotLoggedPerLetterEveryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const letters = 40
	st, g := fixture(t, letters)
	if _, err := st.ReplaceContacts(ctx, []store.Contact{{Org: firma, Email: "post@firma.no"}}, "test"); err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	r := newReminder(st, closed, &logs)
	// Production's default level.
	r.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	now := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	if out, err := r.Deliver(ctx, g, now, false); err != nil || out.Status != StatusFailed {
		t.Fatalf("relay down: %+v %v", out, err)
	}
	for run := 1; run <= 3; run++ { // the next runs, inside the retry back-off
		mark := logs.Len()
		if _, err := r.Deliver(ctx, g, now.Add(time.Duration(run)*time.Minute), false); err != nil {
			t.Fatal(err)
		}
		got := logs.String()[mark:]
		if n := strings.Count(got, "\n"); n > 1 {
			t.Fatalf("run %d while the reminder waits for its retry: %d log lines at level INFO for one organisation's %d letters; want at most 1:\n%.600s",
				run, n, letters, got)
		}
	}
}

// latin1Relay refuses one more address of each message than it has, in
// Latin-1 (ø as the byte 0xf8) and with a NUL byte, as an old relay may
// answer; the message goes to the others.
type latin1Relay struct{}

func (latin1Relay) Send(_ context.Context, m *Message) error {
	m.Refused = []Refusal{{Address: "gammel@" + m.To[0][strings.Index(m.To[0], "@")+1:], Reply: "550 5.1.1 ukjent mottakar \xf8\x00"}}
	return nil
}

// TestReminderRecordsOddRefusal: a refusal whose answer holds a NUL byte
// is recorded (cleaned) with the sent reminder. Written raw into the
// record statement's JSON, PostgreSQL refused the whole statement: a
// reminder that was delivered stayed pending and then became "unknown".
func TestReminderRecordsOddRefusal(t *testing.T) {
	t.Parallel()
	d := newTwoDue(t)
	r := &Reminder{Log: d.st, Sender: latin1Relay{}, From: "postvakt@bergen.kommune.no", Logger: slog.New(slog.DiscardHandler)}
	c := r.Courier()
	defer c.Close()
	for i, res := range c.Deliver(context.Background(), d.gs, d.now, false) {
		if res.Err != nil || res.Outcome.Status != StatusSent {
			t.Fatalf("org %d: %+v %v", i, res.Outcome, res.Err)
		}
		var lastError string
		if err := d.st.DB().Get(&lastError, `SELECT last_error FROM notifications WHERE id = $1`, res.Outcome.NotificationID); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(lastError, "ukjent mottakar") {
			t.Errorf("org %d: last_error %q, want the relay's answer", i, lastError)
		}
	}
}
