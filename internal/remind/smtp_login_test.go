package remind

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// exchangeRelay is a relay that logs in as Exchange's client connector
// does: it offers AUTH NTLM LOGIN, not PLAIN (504 to AUTH PLAIN), asks
// for the user and the password in two steps (base64 "Username:",
// "Password:"), and takes no mail before a login (530).
type exchangeRelay struct {
	l        net.Listener
	user     string
	password string

	mu        sync.Mutex
	logins    int // AUTH commands
	plain     int // AUTH PLAIN among them
	delivered int
	seen      []string // what the client sent in the login, decoded
}

func startExchangeRelay(t *testing.T, addr, user, password string) *exchangeRelay {
	t.Helper()
	l := listenRelay(t, addr)
	s := &exchangeRelay{l: l, user: user, password: password}
	go acceptEach(l, s.serve)
	return s
}

func (s *exchangeRelay) serve(c net.Conn) {
	authed := false
	converse(c, "220 mail.bergen.kommune.no Microsoft ESMTP MAIL Service ready", func(rc relayConn, line, u string) bool {
		decoded := func() (string, bool) {
			line, err := rc.ReadLine()
			if err != nil {
				return "", false
			}
			b, err := base64.StdEncoding.DecodeString(line)
			if err != nil {
				rc.reply("501 5.5.2 Cannot Base64-decode Client responses")
				return "", false
			}
			s.mu.Lock()
			s.seen = append(s.seen, string(b))
			s.mu.Unlock()
			return string(b), true
		}
		switch {
		case strings.HasPrefix(u, "EHLO"):
			rc.reply("250-mail.bergen.kommune.no Hello\r\n250-SIZE 37748736\r\n250-AUTH NTLM LOGIN\r\n250 8BITMIME")
		case strings.HasPrefix(u, "AUTH"):
			s.mu.Lock()
			s.logins++
			if strings.HasPrefix(u, "AUTH PLAIN") {
				s.plain++
			}
			s.mu.Unlock()
			if u != "AUTH LOGIN" {
				rc.reply("504 5.7.4 Unrecognized authentication type")
				return true
			}
			rc.reply("334 %s", base64.StdEncoding.EncodeToString([]byte("Username:")))
			user, ok := decoded()
			if !ok {
				return true
			}
			rc.reply("334 %s", base64.StdEncoding.EncodeToString([]byte("Password:")))
			password, ok := decoded()
			if !ok {
				return true
			}
			if user != s.user || password != s.password {
				rc.reply("535 5.7.3 Authentication unsuccessful")
				return true
			}
			authed = true
			rc.reply("235 2.7.0 Authentication successful")
		case u == "QUIT":
			rc.reply("221 2.0.0 Service closing transmission channel")
			return false
		case !authed && (strings.HasPrefix(u, "MAIL") || strings.HasPrefix(u, "RCPT") || u == "DATA"):
			rc.reply("530 5.7.1 Client was not authenticated")
		case u == "DATA":
			rc.reply("354 Start mail input; end with <CRLF>.<CRLF>")
			if _, err := rc.ReadDotLines(); err != nil {
				return false
			}
			s.mu.Lock()
			s.delivered++
			s.mu.Unlock()
			rc.reply("250 2.6.0 Queued mail for delivery")
		default:
			rc.reply("250 2.1.0 OK")
		}
		return true
	})
}

// TestSMTPAuthLogin: Exchange's client connector (an on-premises relay
// at many municipalities) offers AUTH LOGIN and no PLAIN. postvakt logged
// in with PLAIN all the same, which the relay refused (504): with
// POSTVAKT_SMTP_USER set, not one reminder or alert ever went out. It
// logs in with LOGIN when the relay offers LOGIN and not PLAIN; a
// password refused (535) is not tried again in the session, as with
// PLAIN; and the password goes unencrypted to localhost only, as with
// PLAIN.
func TestSMTPAuthLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("logs in", func(t *testing.T) {
		t.Parallel()
		relay := startExchangeRelay(t, "127.0.0.1:0", "postvakt@bergen.kommune.no", "hemmelig")
		s, err := NewSMTP(SMTPConfig{Addr: relay.l.Addr().String(), From: "postvakt@bergen.kommune.no",
			User: "postvakt@bergen.kommune.no", Password: "hemmelig", TLSMode: TLSNone, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ss := s.Session()
		for i, m := range messages(2) {
			if err := ss.Send(ctx, m); err != nil {
				t.Fatalf("message %d: %v", i+1, err)
			}
		}
		ss.Close()
		relay.mu.Lock()
		defer relay.mu.Unlock()
		if relay.delivered != 2 || relay.logins != 1 || relay.plain != 0 {
			t.Fatalf("delivered %d, logins %d (PLAIN %d); want 2 delivered after one AUTH LOGIN", relay.delivered, relay.logins, relay.plain)
		}
		if want := []string{"postvakt@bergen.kommune.no", "hemmelig"}; strings.Join(relay.seen, "|") != strings.Join(want, "|") {
			t.Fatalf("the login sent %q, want %q", relay.seen, want)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		t.Parallel()
		relay := startExchangeRelay(t, "127.0.0.1:0", "postvakt@bergen.kommune.no", "hemmelig")
		s, _ := NewSMTP(SMTPConfig{Addr: relay.l.Addr().String(), From: "postvakt@bergen.kommune.no",
			User: "postvakt@bergen.kommune.no", Password: "feil", TLSMode: TLSNone, Timeout: 5 * time.Second})
		ss := s.Session()
		defer ss.Close()
		for i, m := range messages(3) {
			err := ss.Send(ctx, m)
			if err == nil || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "535") {
				t.Fatalf("message %d: err = %v, want the relay's 535", i+1, err)
			}
			if !strings.Contains(err.Error(), "AUTH LOGIN") {
				t.Errorf("message %d: the error does not name the mechanism: %v", i+1, err)
			}
		}
		relay.mu.Lock()
		defer relay.mu.Unlock()
		if relay.logins != 1 || relay.delivered != 0 {
			t.Fatalf("%d logins, %d delivered; want 1 login, nothing delivered", relay.logins, relay.delivered)
		}
	})
	t.Run("no password in clear", func(t *testing.T) {
		t.Parallel()
		// a loopback address net/smtp does not take for localhost
		relay := startExchangeRelay(t, "127.0.0.2:0", "postvakt@bergen.kommune.no", "hemmelig")
		s, _ := NewSMTP(SMTPConfig{Addr: relay.l.Addr().String(), From: "postvakt@bergen.kommune.no",
			User: "postvakt@bergen.kommune.no", Password: "hemmelig", TLSMode: TLSStartTLS, Timeout: 5 * time.Second})
		err := s.Send(ctx, testMessage("post@firma.no"))
		if err == nil || !strings.Contains(err.Error(), "POSTVAKT_SMTP_TLS") {
			t.Fatalf("err = %v, want a refusal to log in unencrypted that says what to set", err)
		}
		relay.mu.Lock()
		defer relay.mu.Unlock()
		for _, s := range relay.seen {
			if strings.Contains(s, "hemmelig") {
				t.Fatalf("the password went over a plain connection: %q", relay.seen)
			}
		}
		if relay.delivered != 0 {
			t.Fatalf("%d delivered, want none", relay.delivered)
		}
	})
}
