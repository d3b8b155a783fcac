package remind

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fqdnRelay is a relay as Postfix with reject_non_fqdn_helo_hostname
// (and reject_invalid_helo_hostname) is: it takes any EHLO, then refuses
// every RCPT TO with 504 when the EHLO name was neither a domain name with
// a dot nor an address literal ("[10.0.0.5]").
type fqdnRelay struct {
	l         net.Listener
	mu        sync.Mutex
	helos     []string
	delivered int
}

func startFQDNRelay(t *testing.T) *fqdnRelay {
	t.Helper()
	l := listenRelay(t, "127.0.0.1:0")
	s := &fqdnRelay{l: l}
	go acceptEach(l, s.serve)
	return s
}

func (s *fqdnRelay) serve(c net.Conn) {
	helo := ""
	converse(c, "220 relay.bergen.kommune.no ESMTP Postfix", func(rc relayConn, line, u string) bool {
		switch {
		case strings.HasPrefix(u, "EHLO "):
			helo = line[len("EHLO "):]
			s.mu.Lock()
			s.helos = append(s.helos, helo)
			s.mu.Unlock()
			rc.reply("250-relay.bergen.kommune.no\r\n250 8BITMIME")
		case strings.HasPrefix(u, "RCPT"):
			literal := strings.HasPrefix(helo, "[") && strings.HasSuffix(helo, "]") && net.ParseIP(strings.TrimPrefix(helo[1:len(helo)-1], "IPv6:")) != nil
			if !literal && (!strings.Contains(strings.Trim(helo, "."), ".") || net.ParseIP(helo) != nil) {
				rc.reply("504 5.5.2 <%s>: Helo command rejected: need fully-qualified hostname", helo)
				return true
			}
			rc.reply("250 2.1.5 Ok")
		case u == "DATA":
			rc.reply("354 End data with <CR><LF>.<CR><LF>")
			if _, err := rc.ReadDotLines(); err != nil {
				return false
			}
			s.mu.Lock()
			s.delivered++
			s.mu.Unlock()
			rc.reply("250 2.0.0 Ok: queued")
		case u == "QUIT":
			rc.reply("221 2.0.0 Bye")
			return false
		default:
			rc.reply("250 2.0.0 Ok")
		}
		return true
	})
}

// TestHeloNameIsFullyQualified: postvakt greeted the relay with the
// host's name as it is, in a container its id ("5c632f939fd4"), else
// "localhost". A Postfix relay with reject_non_fqdn_helo_hostname, common
// in hardened setups, refuses then every recipient (504 at RCPT TO):
// every reminder failed with its addresses "refused permanently", the
// operator sent to fix addresses that were right. Without a configured
// name, a host name that is no domain name gives way to the address
// literal of the connection's own address (RFC 5321 4.1.4); a domain name
// is given as it is.
func TestHeloNameIsFullyQualified(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		hostname string
		want     string // the EHLO name; "" the address literal
	}{
		{"5c632f939fd4", ""},
		{"localhost", ""},
		{"", ""},
		{"postvakt-1.drift.bergen.kommune.no", "postvakt-1.drift.bergen.kommune.no"},
	} {
		t.Run(tc.hostname, func(t *testing.T) {
			t.Parallel()
			relay := startFQDNRelay(t)
			s, err := NewSMTP(SMTPConfig{Addr: relay.l.Addr().String(), From: "postvakt@bergen.kommune.no", TLSMode: TLSNone, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			s.hostname = func() (string, error) { return tc.hostname, nil }
			if err := s.Send(context.Background(), testMessage("post@firma.no")); err != nil {
				t.Fatalf("send: %v", err)
			}
			relay.mu.Lock()
			defer relay.mu.Unlock()
			want := tc.want
			if want == "" {
				want = "[127.0.0.1]"
			}
			if relay.delivered != 1 || len(relay.helos) != 1 || relay.helos[0] != want {
				t.Fatalf("delivered %d after EHLO %q, want 1 after EHLO %s", relay.delivered, relay.helos, want)
			}
		})
	}
}

func TestHeloName(t *testing.T) {
	t.Parallel()
	v4 := &net.TCPAddr{IP: net.ParseIP("10.20.30.40"), Port: 51234}
	v6 := &net.TCPAddr{IP: net.ParseIP("2001:db8::5"), Port: 51234}
	for _, tc := range []struct {
		configured, hostname string
		local                net.Addr
		want                 string
	}{
		{"relay-client.bergen.kommune.no", "5c632f939fd4", v4, "relay-client.bergen.kommune.no"},
		{"", "app01.drift.kommune.no", v4, "app01.drift.kommune.no"},
		{"", "app01.drift.kommune.no.", v4, "app01.drift.kommune.no."},
		{"", "5c632f939fd4", v4, "[10.20.30.40]"},
		{"", "5c632f939fd4", v6, "[IPv6:2001:db8::5]"},
		{"", "localhost", v4, "[10.20.30.40]"},
		{"", "localhost.localdomain", v4, "[10.20.30.40]"},
		{"", "10.20.30.40", v4, "[10.20.30.40]"},
		{"", "", nil, "localhost"},
	} {
		if got := heloName(tc.configured, tc.hostname, tc.local); got != tc.want {
			t.Errorf("heloName(%q, %q, %v) = %q, want %q", tc.configured, tc.hostname, tc.local, got, tc.want)
		}
	}
}
