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
			log, logs := logtest.New()
			reg := prometheus.NewRegistry()
			c, err := Build(Config{BaseURL: "http://127.0.0.1:1/apis/v1", SystemID: "s", APIToken: "t",
				CertFile: certFile, KeyFile: keyFile, Logger: log}, reg)
			if err != nil {
				t.Fatal(err)
			}
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
