package notice

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// oddRelay answers as an old relay does, in Latin-1 (ø as the byte 0xf8)
// and with a NUL byte: refusing the manager's address while the unit gets
// the notice, or refusing the whole message.
type oddRelay struct{ refuseAll bool }

const oddReply = "550 5.1.1 ukjent mottakar \xf8\x00"

func (r oddRelay) Send(_ context.Context, m *remind.Message) error {
	if r.refuseAll {
		return fmt.Errorf("SMTP RCPT TO %s: %s", m.To[0], oddReply)
	}
	m.Refused = []remind.Refusal{{Address: m.Cc[0], Reply: oddReply}}
	return nil
}

// TestNoticeRecordsOddRelayReply: a relay's answer that is not UTF-8, or
// holds a NUL byte, is recorded (cleaned) with the notice's outcome, as a
// reminder's is. Written raw, PostgreSQL refused it: a notice the unit got
// stayed pending and then became "unknown", one refused was never
// recorded as failed (and so never sent again), and the run failed.
func TestNoticeRecordsOddRelayReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		relay  oddRelay
		status string
	}{
		{"manager refused", oddRelay{}, "sent"},
		{"all refused", oddRelay{refuseAll: true}, "failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
			f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
			if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no",
				ManagerEmail: "leder.nav@bergen.kommune.no"}}); err != nil {
				t.Fatal(err)
			}
			f.n.Sender = tc.relay
			var ids []int64
			f.n.OnNotice = func(o Outcome) { ids = append(ids, o.Notification) }
			sum, err := f.n.Run(ctx, now, false)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if len(ids) == 0 {
				t.Fatalf("no notice sent: %s", sum)
			}
			for _, id := range ids {
				var status, lastError string
				if err := f.st.DB().QueryRowContext(ctx, `SELECT status, last_error FROM notifications WHERE id = $1`, id).Scan(&status, &lastError); err != nil {
					t.Fatal(err)
				}
				if status != tc.status || !strings.Contains(lastError, "ukjent mottakar") {
					t.Errorf("notice %d: %s, %q; want %s with the relay's answer", id, status, lastError, tc.status)
				}
			}
		})
	}
}
