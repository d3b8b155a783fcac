package remind

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"postvakt/internal/store"
)

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
