package digitalpost

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The variables that name the OCES3 certificate's files.
const (
	certVar = "POSTVAKT_DIGITALPOST_CERT_FILE"
	keyVar  = "POSTVAKT_DIGITALPOST_KEY_FILE"
)

// ExpiryWarning is how long before the OCES3 certificate ends postvakt
// starts warning of it: MitID Erhverv issues a new one in days, and the
// sender system must have its public part registered before the old one
// ends, or the event log refuses every read.
const ExpiryWarning = 30 * 24 * time.Hour

// loadCertificate reads the OCES3 certificate and its key (PEM): the one
// place that does, at start (configure) and for the transport. On a
// problem it also returns the variable of the file at fault.
func loadCertificate(certFile, keyFile string) (tls.Certificate, string, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, certVar, fmt.Errorf("read the OCES3 certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, keyVar, fmt.Errorf("read the OCES3 certificate's key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, certVar, fmt.Errorf("the OCES3 certificate %s with key %s: %w", certFile, keyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, certVar, fmt.Errorf("the OCES3 certificate %s: %w", certFile, err)
		}
	}
	return cert, "", nil
}

// expiry watches when the OCES3 certificate ends: a warning at start and
// again once a day from ExpiryWarning before, and the gauge
// postvakt_certificate_expiry_seconds{channel="digitalpost"}.
type expiry struct {
	notAfter time.Time
	file     string
	log      *slog.Logger

	mu     sync.Mutex
	warned time.Time // the last warning; zero: none yet
}

// newExpiry watches cert (from file), registering its gauge on reg (may be
// nil), and warns at once when it ends within ExpiryWarning.
func newExpiry(cert *x509.Certificate, file string, log *slog.Logger, reg prometheus.Registerer, now time.Time) (*expiry, error) {
	e := &expiry{notAfter: cert.NotAfter, file: file, log: log}
	if reg != nil {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "postvakt_certificate_expiry_seconds",
			Help:        "Seconds until the channel's client certificate ends (negative: it has ended); read at start",
			ConstLabels: prometheus.Labels{"channel": Name}},
			func() float64 { return time.Until(e.notAfter).Seconds() })
		if err := reg.Register(g); err != nil {
			return nil, fmt.Errorf("digitalpost: certificate expiry metric: %w", err)
		}
	}
	e.check(now)
	return e, nil
}

// check warns when the certificate ends within ExpiryWarning (an error
// once it has ended), at most once a day. A nil expiry (no certificate:
// plain HTTP) says nothing.
func (e *expiry) check(now time.Time) {
	if e == nil {
		return
	}
	left := e.notAfter.Sub(now)
	if left > ExpiryWarning {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.warned.IsZero() && now.Sub(e.warned) < 24*time.Hour {
		return
	}
	e.warned = now
	days := int(left.Hours() / 24)
	if left <= 0 {
		e.log.Error("the OCES3 certificate of Digital Post has ended: the event log refuses every read; renew it in MitID Erhverv and register it on the sender system",
			"file", e.file, "not_after", e.notAfter.UTC().Format(time.RFC3339))
		return
	}
	e.log.Warn("the OCES3 certificate of Digital Post ends soon: renew it in MitID Erhverv and register it on the sender system before then",
		"file", e.file, "not_after", e.notAfter.UTC().Format(time.RFC3339), "days_left", days)
}
