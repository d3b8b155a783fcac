package remind

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"postvakt/internal/remind/mailpittest"
)

func testMessage(to ...string) *Message {
	return Compose("974760673", "", sampleShipments(), to, "postvakt@bergen.kommune.no", "feedbeef", time.Date(2026, 11, 24, 9, 0, 0, 0, oslo))
}

func TestSMTPSendsThroughMailpit(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t)
	s, err := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	if err != nil {
		t.Fatal(err)
	}
	m := testMessage("post@firma.no", "leder@firma.no")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mp.Messages(t)
	if len(got) != 1 {
		t.Fatalf("%d messages on the server, want 1", len(got))
	}
	g := got[0]
	if "<"+g.MessageID+">" != m.MessageID || g.Subject != m.Subject || len(g.To) != 2 || g.From.Address != "postvakt@bergen.kommune.no" {
		t.Fatalf("received %+v", g)
	}
	if strings.TrimSpace(strings.ReplaceAll(g.Text, "\r\n", "\n")) != strings.TrimSpace(m.Body) {
		t.Fatalf("text differs:\n%s", g.Text)
	}
}

func TestSMTPFailuresAreNotDeliveries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A refusal (451 to RCPT TO): failed, not unknown.
	mp := mailpittest.Start(t, "--enable-chaos")
	mp.SetChaos(t, 451)
	s, _ := NewSMTP(SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no"})
	err := s.Send(ctx, testMessage("post@firma.no"))
	if err == nil || errors.Is(err, ErrOutcomeUnknown) || !strings.Contains(err.Error(), "451") {
		t.Fatalf("chaos 451: err = %v, want a refusal", err)
	}
	mp.SetChaos(t, 0)
	if err := s.Send(ctx, testMessage("post@firma.no")); err != nil {
		t.Fatalf("after chaos off: %v", err)
	}
	// A server that is not there: failed.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	s, _ = NewSMTP(SMTPConfig{Addr: closed, From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
	if err := s.Send(ctx, testMessage("post@firma.no")); err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("closed port: err = %v, want a plain failure", err)
	}
}

// TestSMTPConnectionLostAfterDataIsUnknown uses a minimal SMTP server that
// takes the whole message and hangs up instead of answering: whether it was
// delivered cannot be known.
func TestSMTPConnectionLostAfterDataIsUnknown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		converse(c, "220 fake ESMTP", func(rc relayConn, _, cmd string) bool {
			switch {
			case strings.HasPrefix(cmd, "EHLO"):
				rc.reply("250 fake")
			case cmd == "DATA":
				rc.reply("354 go ahead")
				_, _ = rc.ReadDotLines()
				return false // hang up without the 250
			default:
				rc.reply("250 ok")
			}
			return true
		})
	}()
	s, _ := NewSMTP(SMTPConfig{Addr: l.Addr().String(), From: "postvakt@bergen.kommune.no", Timeout: 5 * time.Second})
	if err := s.Send(context.Background(), testMessage("post@firma.no")); !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	mp, tc := tlsMailpit(t, "--smtp-require-starttls")
	cfg := SMTPConfig{Addr: mp.SMTPAddr, From: "postvakt@bergen.kommune.no", User: "postvakt", Password: "hemmelig", TLS: tc}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testMessage("post@firma.no")); err != nil {
		t.Fatalf("STARTTLS + AUTH PLAIN: %v", err)
	}
	cfg.Password = "feil"
	s, _ = NewSMTP(cfg)
	if err := s.Send(context.Background(), testMessage("post@firma.no")); err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("wrong password: err = %v, want a refusal", err)
	}
	if n := len(mp.Messages(t)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

// POSTVAKT_SMTP_TLS: require refuses a server without STARTTLS (nothing
// sent), none never starts TLS (a server that requires it refuses), the
// default uses it when offered (TestSMTPStartTLSAndAuth).
func TestSMTPTLSModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	plain := mailpittest.Start(t)
	s, _ := NewSMTP(SMTPConfig{Addr: plain.SMTPAddr, From: "postvakt@bergen.kommune.no", TLSMode: TLSRequire})
	if err := s.Send(ctx, testMessage("post@firma.no")); err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("require without STARTTLS: %v", err)
	}
	s, _ = NewSMTP(SMTPConfig{Addr: plain.SMTPAddr, From: "postvakt@bergen.kommune.no", TLSMode: TLSStartTLS})
	if err := s.Send(ctx, testMessage("post@firma.no")); err != nil {
		t.Fatalf("starttls, not offered: %v", err)
	}
	if n := len(plain.Messages(t)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for f, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tlsOnly := mailpittest.Start(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	tc := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	s, _ = NewSMTP(SMTPConfig{Addr: tlsOnly.SMTPAddr, From: "postvakt@bergen.kommune.no", TLS: tc, TLSMode: TLSNone})
	if err := s.Send(ctx, testMessage("post@firma.no")); err == nil {
		t.Fatal("none: sent in plain text to a server that requires STARTTLS")
	}
	s, _ = NewSMTP(SMTPConfig{Addr: tlsOnly.SMTPAddr, From: "postvakt@bergen.kommune.no", TLS: tc, TLSMode: TLSRequire})
	if err := s.Send(ctx, testMessage("post@firma.no")); err != nil {
		t.Fatalf("require with STARTTLS: %v", err)
	}
	if n := len(tlsOnly.Messages(t)); n != 1 {
		t.Fatalf("%d messages over TLS, want 1", n)
	}
	if err := (SMTPConfig{Addr: "127.0.0.1:25", From: "a@b.no", TLSMode: "maybe"}).Check(); err == nil {
		t.Fatal("TLS mode maybe accepted")
	}
}

func TestSMTPConfigCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []SMTPConfig{
		{From: "a@b.no"},
		{Addr: "nohostport", From: "a@b.no"},
		{Addr: "127.0.0.1:25"},
		{Addr: "127.0.0.1:25", From: "not an address"},
		{Addr: "127.0.0.1:25", From: "a@b.no", User: "u"},
	} {
		if err := c.Check(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// tlsMailpit starts mailpit with a self-signed certificate for 127.0.0.1,
// TLS as tlsFlag says (--smtp-require-starttls, --smtp-require-tls) and
// one login, postvakt with the password hemmelig; it returns it and the
// TLS configuration that trusts its certificate.
func tlsMailpit(t *testing.T, tlsFlag string) (*mailpittest.Server, *tls.Config) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile, authFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "auth")
	hash, err := bcrypt.GenerateFromPassword([]byte("hemmelig"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for f, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM, authFile: []byte("postvakt:" + string(hash) + "\n")} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mp := mailpittest.Start(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, tlsFlag, "--smtp-auth-file", authFile)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	return mp, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

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
