package remind

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSessionStopsAfterAuthRefused: a relay that refuses the password for
// good (535) is not asked again with it for every message of the
// session: a run of 10,000 reminders made 10,000 failed logins, which
// locks the service account (Microsoft 365's smart lockout) or bans the
// host (fail2ban) until long after the password is fixed. Every message
// fails (the next run tries again); only the first one logs in. So for
// any permanent refusal of the login (5xx: 534, 530, 504 too). A
// temporary refusal (454) is tried again with the next message.
func TestSessionStopsAfterAuthRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply     string
		wantAuths int
	}{
		{"535 5.7.8 Authentication credentials invalid", 1},
		// Google: a password where an app password is needed; a relay
		// that wants encryption first (530); one that takes no such login
		// (504): permanent all, as 535.
		{"534 5.7.9 Application-specific password required", 1},
		{"530 5.7.0 Must issue a STARTTLS command first", 1},
		{"504 5.7.4 Unrecognized authentication type", 1},
		{"454 4.7.0 Temporary authentication failure", 4},
	} {
		t.Run(tc.reply[:3], func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			auths := 0
			// PLAIN without TLS: net/smtp allows it to 127.0.0.1 only
			l := authRelay(t, "127.0.0.1:0", func(string) string {
				mu.Lock()
				defer mu.Unlock()
				auths++
				return tc.reply
			})
			s, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", User: "postvakt",
				Password: "feil", TLSMode: TLSNone, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ss := s.Session()
			defer ss.Close()
			for i, m := range messages(4) {
				err := ss.Send(context.Background(), m)
				if err == nil || !strings.Contains(err.Error(), tc.reply[:3]) {
					t.Errorf("message %d: err = %v, want the relay's %s", i+1, err, tc.reply[:3])
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if auths != tc.wantAuths {
				t.Errorf("%d logins, want %d", auths, tc.wantAuths)
			}
		})
	}
}
