package remind

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSMTPImplicitTLS: a relay on port 465 (submissions, RFC 8314) speaks
// TLS from the first byte and sends its greeting only after the
// handshake. postvakt waited for the greeting in plain text: every
// reminder and alert waited its whole time (30 s) and failed as "SMTP
// greeting … i/o timeout", nothing saying why. On port 465 it starts with
// TLS (but with POSTVAKT_SMTP_TLS=none), as require asks and with the
// login over it; the certificate is checked as for STARTTLS.
func TestSMTPImplicitTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mp, tc := tlsMailpit(t, "--smtp-require-tls")
	for _, mode := range []string{TLSRequire, TLSStartTLS} {
		cfg := SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no", User: "postvakt", Password: "hemmelig",
			TLS: tc, TLSMode: mode, Timeout: 5 * time.Second}
		s, err := NewSMTP(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.implicitTLS = true // as for port 465, which a test cannot take
		ss := s.Session()
		for i, m := range messages(2) {
			if err := ss.Send(ctx, m); err != nil {
				t.Fatalf("mode %s, message %d: %v", mode, i+1, err)
			}
		}
		ss.Close()
	}
	if n := len(mp.Messages(t)); n != 4 {
		t.Fatalf("%d messages, want 4", n)
	}
	// A certificate it does not trust: nothing sent.
	s, _ := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no", TLSMode: TLSRequire, Timeout: 5 * time.Second})
	s.implicitTLS = true
	if err := s.Send(ctx, testMessage("post@firma.no")); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("an untrusted certificate: err = %v, want a TLS error", err)
	}
}

// Port 465 is TLS from the first byte, unless POSTVAKT_SMTP_TLS is none;
// another port begins in plain text (STARTTLS).
func TestSMTPImplicitTLSByPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, mode string
		want       bool
	}{
		{"smtp.bergen.kommune.no:465", "", true},
		{"smtp.bergen.kommune.no:465", TLSRequire, true},
		{"smtp.bergen.kommune.no:465", TLSStartTLS, true},
		{"smtp.bergen.kommune.no:465", TLSNone, false},
		{"smtp.bergen.kommune.no:587", TLSRequire, false},
		{"smtp.bergen.kommune.no:25", "", false},
	} {
		s, err := NewSMTP(SMTPConfig{Addr: tc.addr, From: "postvakt@bergen.kommune.no", TLSMode: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		if s.implicitTLS != tc.want {
			t.Errorf("%s, TLS %q: implicit TLS %v, want %v", tc.addr, tc.mode, s.implicitTLS, tc.want)
		}
	}
}
