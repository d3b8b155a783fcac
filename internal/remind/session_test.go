package remind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"postvakt/internal/remind/mailpittest"
)

// loopSMTP is a real SMTP server on a loopback port, speaking just enough
// SMTP for net/smtp, that misbehaves the way relays do: it stops taking
// messages after perConn of them on one connection (hanging up while
// idle, or answering "421" to the next MAIL FROM), or takes one whole
// message and hangs up without answering. It counts what it took, by
// Message-ID, and every DATA it saw.
type loopSMTP struct {
	addr    string
	perConn int    // messages per connection; 0 = no limit
	mode    string // "close": hang up after perConn; "421": refuse the next MAIL FROM; "silent": stop answering (a dropped connection)
	hangup  int    // hang up instead of answering the final dot of the n-th message overall (0: never)

	mu        sync.Mutex
	conns     int
	data      int            // messages whose DATA ended (taken or not answered)
	delivered map[string]int // Message-ID -> times the server took it
}

func startLoopSMTP(t *testing.T, perConn int, mode string, hangup int) *loopSMTP {
	t.Helper()
	l := listenRelay(t, "127.0.0.1:0")
	s := &loopSMTP{addr: l.Addr().String(), perConn: perConn, mode: mode, hangup: hangup, delivered: map[string]int{}}
	go acceptEach(l, func(c net.Conn) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.serve(c)
	})
	return s
}

func (s *loopSMTP) serve(c net.Conn) {
	n := 0 // messages taken over this connection
	converse(c, "220 loop ESMTP", func(rc relayConn, line, cmd string) bool {
		if s.perConn > 0 && n >= s.perConn && s.mode == "silent" {
			return true // black-holed: reads, never answers
		}
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			rc.reply("250 loop")
		case strings.HasPrefix(cmd, "MAIL"):
			if s.perConn > 0 && n >= s.perConn && s.mode == "421" {
				rc.reply("421 4.7.0 too many messages on this connection")
				return false
			}
			rc.reply("250 ok")
		case cmd == "DATA":
			rc.reply("354 go ahead")
			body, err := rc.ReadDotLines()
			if err != nil {
				return false
			}
			id := ""
			for _, h := range body {
				if strings.HasPrefix(strings.ToLower(h), "message-id:") {
					id = strings.TrimSpace(h[len("message-id:"):])
				}
				if h == "" {
					break
				}
			}
			s.mu.Lock()
			s.data++
			s.delivered[id]++ // the server took it, whether or not it answers
			hang := s.data == s.hangup
			s.mu.Unlock()
			if hang {
				return false // the whole message was handed over; no answer
			}
			rc.reply("250 2.0.0 queued")
			n++
			if s.perConn > 0 && n >= s.perConn && s.mode == "close" {
				return false // idle timeout or limit: the server hangs up
			}
		case cmd == "QUIT":
			rc.reply("221 bye")
			return false
		default: // RCPT, RSET, NOOP
			rc.reply("250 ok")
		}
		return true
	})
}

func (s *loopSMTP) counts() (conns, data int, delivered map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.delivered))
	for k, v := range s.delivered {
		out[k] = v
	}
	return s.conns, s.data, out
}

// messages returns n messages with distinct Message-IDs.
func messages(n int) []*Message {
	out := make([]*Message, n)
	for i := range out {
		out[i] = Compose("974760673", "", sampleShipments(), []string{"post@firma.no"}, "postvakt@bergen.kommune.no",
			fmt.Sprintf("key-%03d", i), time.Date(2026, 11, 24, 9, 0, 0, 0, oslo))
	}
	return out
}

// Several messages over one Session all arrive at a real SMTP server.
func TestSessionSendsManyThroughMailpit(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	s, err := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.Session()
	ms := messages(4)
	for _, m := range ms {
		if err := ss.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	ss.Close()
	got := mp.Messages(t)
	if len(got) != len(ms) {
		t.Fatalf("%d messages on the server, want %d", len(got), len(ms))
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen["<"+g.MessageID+">"] = true
	}
	for _, m := range ms {
		if !seen[m.MessageID] {
			t.Errorf("%s did not arrive", m.MessageID)
		}
	}
}

// A server that stops taking messages on a connection (hangs up while
// idle, or answers 421 to the next MAIL FROM) makes the session reconnect;
// every message is delivered exactly once. A session opens a new
// connection after maxPerConnection messages on its own.
func TestSessionReconnects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		perConn   int
		mode      string
		send      int
		wantConns int
	}{
		{"server hangs up after 3", 3, "close", 8, 3},
		{"server answers 421 after 3", 3, "421", 8, 3},
		{"maxPerConnection", 0, "", maxPerConnection + 5, 2},
		{"connection silently dropped after 2", 2, "silent", 5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startLoopSMTP(t, tc.perConn, tc.mode, 0)
			// A message's time is 2 s; a silent connection's RSET gets 500 ms.
			s, err := NewSMTP(SMTPConfig{Addr: srv.addr, From: "postvakt@bergen.kommune.no", Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ss := s.Session()
			ms := messages(tc.send)
			for i, m := range ms {
				if err := ss.Send(context.Background(), m); err != nil {
					t.Fatalf("message %d: %v", i+1, err)
				}
			}
			ss.Close()
			conns, data, delivered := srv.counts()
			if data != tc.send || len(delivered) != tc.send {
				t.Fatalf("server saw %d DATA, %d distinct messages; want %d", data, len(delivered), tc.send)
			}
			for _, m := range ms {
				if delivered[m.MessageID] != 1 {
					t.Errorf("%s delivered %d times", m.MessageID, delivered[m.MessageID])
				}
			}
			if conns != tc.wantConns {
				t.Errorf("%d connections, want %d", conns, tc.wantConns)
			}
		})
	}
}

// A connection lost after the whole message was handed over (DATA taken,
// no answer to the final dot) is not retried: the outcome is unknown, the
// message is not sent again — no duplicate. The next message goes over a
// new connection.
func TestSessionDoesNotRetryAfterData(t *testing.T) {
	t.Parallel()
	srv := startLoopSMTP(t, 0, "", 2)
	s, err := NewSMTP(SMTPConfig{Addr: srv.addr, From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ss := s.Session()
	defer ss.Close()
	ms := messages(3)
	ctx := context.Background()
	if err := ss.Send(ctx, ms[0]); err != nil {
		t.Fatal(err)
	}
	if err := ss.Send(ctx, ms[1]); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("hang-up after DATA on a reused connection: err = %v, want ErrOutcomeUnknown", err)
	}
	if err := ss.Send(ctx, ms[2]); err != nil {
		t.Fatalf("after the hang-up: %v", err)
	}
	conns, data, delivered := srv.counts()
	if data != 3 {
		t.Fatalf("server saw %d DATA, want 3 (the unknown one must not be sent again)", data)
	}
	for _, m := range ms {
		if delivered[m.MessageID] != 1 {
			t.Errorf("%s delivered %d times", m.MessageID, delivered[m.MessageID])
		}
	}
	if conns != 2 {
		t.Errorf("%d connections, want 2", conns)
	}
}
