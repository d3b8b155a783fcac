package digitalpost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"postvakt/internal/logtest"
)

// shortLivedCert writes a self-signed client certificate valid until
// notAfter and its key into dir, and returns their files.
func shortLivedCert(t *testing.T, dir string, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Sagssystem (funktionscertifikat)"},
		NotBefore: notAfter.Add(-400 * 24 * time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestCertificateExpiry: the OCES3 certificate's end is read when the
// channel is built. The gauge postvakt_certificate_expiry_seconds
// {channel="digitalpost"} gives the seconds left; one that ends within 30
// days is warned of at start and again once a day (not on every read), one
// that has ended is an error, one that ends later is not warned of.
func TestCertificateExpiry(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name    string
		left    time.Duration
		want    string // in the log at start; "" for nothing
		daysArg string
	}{
		{"ends in 10 days", 10*day + time.Hour, `level=WARN msg="the OCES3 certificate of Digital Post ends soon`, "days_left=10"},
		{"ended yesterday", -day, `level=ERROR msg="the OCES3 certificate of Digital Post has ended`, "not_after="},
		{"ends in 90 days", 90 * day, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			notAfter := time.Now().Add(tc.left).Truncate(time.Second)
			certFile, keyFile := shortLivedCert(t, t.TempDir(), notAfter)
			c, logs, reg := certClient(t, certFile, keyFile)
			got := expirySeconds(t, reg)
			if want := time.Until(notAfter).Seconds(); math.Abs(got-want) > 60 {
				t.Errorf("postvakt_certificate_expiry_seconds = %.0f, want %.0f", got, want)
			}
			warnings := func() int { return strings.Count(logs.String(), "the OCES3 certificate of Digital Post") }
			if tc.want == "" {
				if warnings() != 0 {
					t.Errorf("a certificate with %v left was warned of:\n%s", tc.left, logs)
				}
				return
			}
			if !strings.Contains(logs.String(), tc.want) || !strings.Contains(logs.String(), tc.daysArg) ||
				!strings.Contains(logs.String(), "file="+certFile) {
				t.Errorf("start log lacks %q with %s and the file:\n%s", tc.want, tc.daysArg, logs)
			}
			// Each read checks; within a day nothing more is said, the
			// next day it is said again.
			now := time.Now()
			c.cert.check(now.Add(time.Hour))
			if n := warnings(); n != 1 {
				t.Errorf("%d warnings within the day, want 1:\n%s", n, logs)
			}
			c.cert.check(now.Add(25 * time.Hour))
			if n := warnings(); n != 2 {
				t.Errorf("%d warnings the next day, want 2:\n%s", n, logs)
			}
		})
	}
}

// expirySeconds is the value of the one certificate gauge on reg, which
// must be labelled channel="digitalpost".
// certClient builds a client over certFile and keyFile (no server behind
// it) with its log and its metrics' registry.
func certClient(t *testing.T, certFile, keyFile string) (*Client, *logtest.Buffer, *prometheus.Registry) {
	t.Helper()
	log, logs := logtest.New()
	reg := prometheus.NewRegistry()
	c, err := Build(Config{BaseURL: "http://127.0.0.1:1/apis/v1", SystemID: "s", APIToken: "t",
		CertFile: certFile, KeyFile: keyFile, Logger: log}, reg)
	if err != nil {
		t.Fatal(err)
	}
	return c, logs, reg
}

func expirySeconds(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "postvakt_certificate_expiry_seconds" {
			continue
		}
		if len(mf.GetMetric()) != 1 {
			t.Fatalf("%d series", len(mf.GetMetric()))
		}
		m := mf.GetMetric()[0]
		if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "channel" || l[0].GetValue() != Name {
			t.Errorf("labels %v, want channel=%q", l, Name)
		}
		return m.GetGauge().GetValue()
	}
	t.Fatal("no postvakt_certificate_expiry_seconds")
	return 0
}

// TestCertificateRenewedWithoutRestart: the certificate's files are read
// again at each use, postvakt not restarted. A renewed pair put in place of
// the old one is what the gauge (at scrape), CertificateEnd (the health
// rule) and the TLS handshake see from then on; a pair replaced halfway
// (the new certificate, the old key) leaves the old one in use, said once;
// a replacement that has already ended shows a negative gauge.
func TestCertificateRenewedWithoutRestart(t *testing.T) {
	day := 24 * time.Hour
	dir := t.TempDir()
	soon := time.Now().Add(10 * day).Truncate(time.Second)
	renewed := time.Now().Add(400 * day).Truncate(time.Second)
	ended := time.Now().Add(-day).Truncate(time.Second)
	for _, sub := range []string{"soon", "renewed", "ended", "live"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	soonCert, soonKey := shortLivedCert(t, filepath.Join(dir, "soon"), soon)
	renewedCert, renewedKey := shortLivedCert(t, filepath.Join(dir, "renewed"), renewed)
	endedCert, endedKey := shortLivedCert(t, filepath.Join(dir, "ended"), ended)
	live := filepath.Join(dir, "live")
	certFile, keyFile := filepath.Join(live, "cert.pem"), filepath.Join(live, "key.pem")
	put := func(src, dst string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dst+".new", dst); err != nil { // as a mounted secret is replaced
			t.Fatal(err)
		}
	}
	put(soonCert, certFile)
	put(soonKey, keyFile)

	c, logs, reg := certClient(t, certFile, keyFile)
	presented := func() time.Time {
		t.Helper()
		cert, err := c.cert.clientCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		return cert.Leaf.NotAfter
	}
	sees := func(what string, want time.Time) {
		t.Helper()
		if got, want := expirySeconds(t, reg), time.Until(want).Seconds(); math.Abs(got-want) > 60 {
			t.Errorf("%s: postvakt_certificate_expiry_seconds = %.0f, want %.0f", what, got, want)
		}
		if end, ok := c.CertificateEnd(); !ok || !end.Equal(want) {
			t.Errorf("%s: CertificateEnd = %v, %v; want %v", what, end, ok, want)
		}
		if got := presented(); !got.Equal(want) {
			t.Errorf("%s: the handshake presents the certificate ending %v, want %v", what, got, want)
		}
	}
	sees("at start", soon)

	put(renewedCert, certFile) // the key not yet
	sees("the certificate replaced, not its key", soon)
	sees("and read again", soon)
	if n := strings.Count(logs.String(), "cannot be read again"); n != 1 {
		t.Errorf("a half-replaced pair said %d times, want once:\n%s", n, logs)
	}

	put(renewedKey, keyFile)
	sees("renewed", renewed)
	if !strings.Contains(logs.String(), "the OCES3 certificate of Digital Post was replaced") {
		t.Errorf("the renewal is not in the log:\n%s", logs)
	}

	put(endedCert, certFile)
	put(endedKey, keyFile)
	sees("replaced by one that has ended", ended)
	if got := expirySeconds(t, reg); got >= 0 {
		t.Errorf("an ended certificate's gauge is %.0f, want negative", got)
	}
}
