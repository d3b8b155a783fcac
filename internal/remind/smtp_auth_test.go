package remind

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAuthWithoutTLSSaysWhatToFix: a relay that offers AUTH but no
// STARTTLS, reached by a name other than localhost, with a user set
// (TLS none, or starttls and the server offering none). net/smtp sends no
// password in plain text: nothing is sent, and the error says why and what
// to change. (The configuration refuses a user with TLS none at start:
// internal/config.)
func TestAuthWithoutTLSSaysWhatToFix(t *testing.T) {
	// a loopback address net/smtp does not take for localhost
	l := authRelay(t, "127.0.0.2:0", func(line string) string { return fmt.Sprintf("235 ok (password seen in clear: %q)", line) })
	for _, mode := range []string{TLSNone, TLSStartTLS} {
		cfg := SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", User: "postvakt", Password: "hemmelig", TLSMode: mode, Timeout: 5 * time.Second}
		s, err := NewSMTP(cfg)
		if err != nil {
			t.Fatalf("mode %s: NewSMTP: %v", mode, err)
		}
		err = s.Send(context.Background(), testMessage("post@firma.no"))
		if err == nil {
			t.Errorf("mode %s: sent with AUTH over plain text", mode)
			continue
		}
		if !strings.Contains(err.Error(), "POSTVAKT_SMTP_TLS") || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("mode %s: the error does not say that the relay must offer STARTTLS (or what to set): %v", mode, err)
		}
	}
}

// authRelay is a relay on addr that offers AUTH and answers each AUTH
// line with auth(line) (a reply without CRLF), every other command but
// EHLO and QUIT with 250; it closes when the test ends.
func authRelay(t *testing.T, addr string, auth func(line string) string) net.Listener {
	t.Helper()
	l := listenRelay(t, addr)
	go acceptEach(l, func(c net.Conn) {
		converse(c, "220 relay ESMTP", func(rc relayConn, line, u string) bool {
			switch {
			case strings.HasPrefix(u, "EHLO"):
				rc.reply("250-relay\r\n250 AUTH PLAIN LOGIN")
			case strings.HasPrefix(u, "AUTH"):
				rc.reply("%s", auth(line))
			case u == "QUIT":
				rc.reply("221 bye")
				return false
			default:
				rc.reply("250 ok")
			}
			return true
		})
	})
	return l
}

// TestAuthRefusedOnLocalhostSaysSo: a relay on localhost without TLS
// (POSTVAKT_SMTP_TLS=none, allowed there) that refuses the password
// answers with its own refusal; the error said as well that the
// connection is not encrypted and that a password goes unencrypted only to
// localhost, which sent the operator after the TLS setting instead of the
// password. That is said only when postvakt itself did not send the
// password.
func TestAuthRefusedOnLocalhostSaysSo(t *testing.T) {
	t.Parallel()
	l := authRelay(t, "127.0.0.1:0", func(string) string { return "535 5.7.8 Authentication credentials invalid" })
	s, err := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", User: "postvakt",
		Password: "feil", TLSMode: TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testMessage("post@firma.no"))
	if err == nil || !strings.Contains(err.Error(), "535 ") {
		t.Fatalf("err = %v, want the relay's 535", err)
	}
	if strings.Contains(err.Error(), "not encrypted") || strings.Contains(err.Error(), "POSTVAKT_SMTP_TLS") {
		t.Errorf("a refused password is blamed on the missing encryption: %v", err)
	}
}

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
