package remind

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// limitSMTP is a relay on a loopback port that takes at most limit
// recipients a transaction and answers the next RCPT TO with "452 4.5.3
// too many recipients" (Postfix's smtpd_recipient_limit, Exchange,
// Google), as RFC 5321 4.5.3.1.10 says it must. It refuses the addresses
// in refuse with a 550, those in full with "452 4.2.2 mailbox full", and, when hangMail is n, hangs up at the n-th MAIL
// FROM. It records who got each message.
type limitSMTP struct {
	addr     string
	limit    int
	refuse   map[string]bool
	full     map[string]bool
	hangMail int

	mu    sync.Mutex
	mails int
	got   map[string]int // address -> messages it got
}

func startLimitSMTP(t *testing.T, limit int, refuse ...string) *limitSMTP {
	t.Helper()
	l := listenRelay(t, "127.0.0.1:0")
	s := &limitSMTP{addr: l.Addr().String(), limit: limit, refuse: map[string]bool{}, full: map[string]bool{}, got: map[string]int{}}
	for _, a := range refuse {
		s.refuse[a] = true
	}
	go acceptEach(l, s.serve)
	return s
}

func (s *limitSMTP) serve(c net.Conn) {
	var rcpts []string
	converse(c, "220 limit ESMTP", func(rc relayConn, line, cmd string) bool {
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			rc.reply("250 limit")
		case strings.HasPrefix(cmd, "MAIL"):
			s.mu.Lock()
			s.mails++
			hang := s.mails == s.hangMail
			s.mu.Unlock()
			if hang {
				return false
			}
			rcpts = nil
			rc.reply("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			to := strings.TrimSuffix(strings.TrimPrefix(line[len("RCPT TO:"):], "<"), ">")
			switch {
			case s.refuse[to]:
				rc.reply("550 5.1.1 no such user")
			case s.full[to]:
				rc.reply("452 4.2.2 mailbox full")
			case len(rcpts) >= s.limit:
				rc.reply("452 4.5.3 Error: too many recipients")
			default:
				rcpts = append(rcpts, to)
				rc.reply("250 ok")
			}
		case cmd == "DATA":
			if len(rcpts) == 0 {
				rc.reply("554 5.5.1 no valid recipients")
				return true
			}
			rc.reply("354 go ahead")
			if _, err := rc.ReadDotLines(); err != nil {
				return false
			}
			s.mu.Lock()
			for _, a := range rcpts {
				s.got[a]++
			}
			s.mu.Unlock()
			rcpts = nil
			rc.reply("250 2.0.0 queued")
		case cmd == "RSET":
			rcpts = nil
			rc.reply("250 ok")
		case cmd == "QUIT":
			rc.reply("221 bye")
			return false
		default:
			rc.reply("250 ok")
		}
		return true
	})
}

func (s *limitSMTP) received() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// TestSMTPTooManyRecipients: a relay that takes only so many recipients
// a message answers the next RCPT TO with 452 (RFC 5321 4.5.3.1.10: the
// client sends to those taken, the rest in another transaction). Every
// address gets the message once, over one session, a second message too;
// answered as a failure instead, the reminder was tried again at every
// run and failed the same way, reaching no one ever.
func TestSMTPTooManyRecipients(t *testing.T) {
	t.Parallel()
	to := []string{"a@firma.no", "b@firma.no", "c@firma.no", "d@firma.no", "e@firma.no"}
	for _, tc := range []struct {
		name        string
		limit       int
		refuse      []string
		full        []string // answered 452 mailbox full
		hangMail    int      // the relay hangs up at this MAIL FROM
		wantGot     []string
		wantRefused []string
	}{
		{name: "limit 2", limit: 2, wantGot: to},
		{name: "limit 1", limit: 1, wantGot: to},
		{name: "limit 2, one refused for good", limit: 2, refuse: []string{"c@firma.no"},
			wantGot: []string{"a@firma.no", "b@firma.no", "d@firma.no", "e@firma.no"}, wantRefused: []string{"c@firma.no"}},
		// A full mailbox beyond the limit answers 452 too: it alone is
		// left out, the address after it still gets the message.
		{name: "limit 2, a full mailbox beyond it", limit: 2, full: []string{"d@firma.no"},
			wantGot: []string{"a@firma.no", "b@firma.no", "c@firma.no", "e@firma.no"}, wantRefused: []string{"d@firma.no"}},
		// The relay hangs up at the second transaction: the first two got
		// it and must not get it again; the others are listed as not
		// reached, the reminder counts as sent.
		{name: "hang-up at the second transaction", limit: 2, hangMail: 2,
			wantGot: []string{"a@firma.no", "b@firma.no"}, wantRefused: []string{"c@firma.no", "d@firma.no", "e@firma.no"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startLimitSMTP(t, tc.limit, tc.refuse...)
			srv.hangMail = tc.hangMail
			for _, a := range tc.full {
				srv.full[a] = true
			}
			s, err := NewSMTP(SMTPConfig{Addr: srv.addr, From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ss := s.Session()
			defer ss.Close()
			m := testMessage(to...)
			if err := ss.Send(context.Background(), m); err != nil {
				t.Fatalf("send: %v", err)
			}
			var refused []string
			for _, r := range m.Refused {
				refused = append(refused, r.Address)
			}
			if strings.Join(refused, " ") != strings.Join(tc.wantRefused, " ") {
				t.Errorf("refused %q, want %q", refused, tc.wantRefused)
			}
			got := srv.received()
			for _, a := range tc.wantGot {
				if got[a] != 1 {
					t.Errorf("%s got the message %d times, want once", a, got[a])
				}
			}
			if len(got) != len(tc.wantGot) {
				t.Errorf("received by %v, want %v", got, tc.wantGot)
			}
			if tc.hangMail != 0 {
				return
			}
			// The session goes on: the next message reaches everyone too.
			if err := ss.Send(context.Background(), testMessage(to...)); err != nil {
				t.Fatalf("second message: %v", err)
			}
			for _, a := range tc.wantGot {
				if got := srv.received()[a]; got != 2 {
					t.Errorf("%s got %d messages, want 2", a, got)
				}
			}
		})
	}
}
