package remind

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

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
