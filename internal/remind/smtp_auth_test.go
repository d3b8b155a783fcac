package remind

import (
	"context"
	"fmt"
	"net"
	"strings"
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
