package digitalpost

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"strings"
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

// readPair reads the two files; on a problem it also returns the variable
// of the file at fault.
func readPair(certFile, keyFile string) (certPEM, keyPEM []byte, variable string, err error) {
	if certPEM, err = os.ReadFile(certFile); err != nil {
		return nil, nil, certVar, fmt.Errorf("read the OCES3 certificate: %w", err)
	}
	if keyPEM, err = os.ReadFile(keyFile); err != nil {
		return nil, nil, keyVar, fmt.Errorf("read the OCES3 certificate's key: %w", err)
	}
	return certPEM, keyPEM, "", nil
}

// parsePair is the one place that makes a certificate of the files'
// content, with its Leaf (for its end) set. On a problem it also returns
// the variable of the file at fault (pairFault).
func parsePair(certPEM, keyPEM []byte, certFile, keyFile string) (tls.Certificate, string, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		variable, why := pairFault(certPEM, keyPEM, certFile, keyFile)
		return tls.Certificate{}, variable, fmt.Errorf("the OCES3 certificate %s with key %s: %s%w", certFile, keyFile, why, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, certVar, fmt.Errorf("the OCES3 certificate %s: %w", certFile, err)
		}
	}
	return cert, "", nil
}

// pairFault says which file of a pair tls.X509KeyPair refused is at fault,
// and why in words that say what to do: the usual mistakes in turning
// MitID Erhverv's .p12 into the two PEM files (README) are a key written
// with a pass phrase (pkcs12 -nocerts without -nodes), the certificate
// given for the key too, the public part as handed out (DER), and the two
// files swapped, or the .p12 itself given for either file. A key that is
// not the certificate's is the certificate file's (the error names both).
func pairFault(certPEM, keyPEM []byte, certFile, keyFile string) (variable, why string) {
	certs, certKeys, _ := pemBlocks(certPEM)
	switch {
	case certs == 0 && isPKCS12(certPEM):
		return certVar, "it is a PKCS #12 bundle (.p12); convert it: openssl pkcs12 -in " + certFile + " -clcerts -nokeys -out digitalpost-cert.pem (README): "
	case certs == 0 && certKeys > 0:
		return certVar, "it holds a private key, not the certificate (the two files swapped?): "
	case certs == 0 && !bytes.Contains(certPEM, []byte("-----BEGIN")):
		return certVar, "it is not PEM (a DER .cer or the .p12 itself? convert it with openssl, README): "
	case certs == 0:
		return certVar, ""
	}
	_, keys, encrypted := pemBlocks(keyPEM)
	switch {
	case keys == 0 && isPKCS12(keyPEM):
		return keyVar, "it is a PKCS #12 bundle (.p12), not a PEM key; convert it: openssl pkcs12 -in " + keyFile + " -nocerts -nodes -out digitalpost-key.pem (README): "
	case encrypted:
		return keyVar, "the key is encrypted with a pass phrase; postvakt reads it unencrypted (openssl pkcs12 -nocerts -nodes): "
	case keys == 0:
		return keyVar, "the key file holds no private key: "
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil && strings.Contains(err.Error(), "parse private key") {
		return keyVar, ""
	}
	return certVar, ""
}

// isPKCS12 says whether data is a PKCS #12 bundle (a .p12 or .pfx, as
// MitID Erhverv hands out the certificate with its key): a DER PFX, a
// SEQUENCE that begins with version 3 and an authenticated safe
// (RFC 7292).
func isPKCS12(data []byte) bool {
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  asn1.RawValue `asn1:"optional"`
	}
	_, err := asn1.Unmarshal(data, &pfx)
	return err == nil && pfx.Version == 3 && pfx.AuthSafe.Tag == asn1.TagSequence
}

// pemBlocks counts data's PEM certificates and private keys, and says
// whether a key is encrypted (PKCS #8's ENCRYPTED PRIVATE KEY, or the
// legacy Proc-Type header).
func pemBlocks(data []byte) (certs, keys int, encrypted bool) {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return certs, keys, encrypted
		}
		switch {
		case b.Type == "CERTIFICATE":
			certs++
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			keys++
			if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
				encrypted = true
			}
		}
	}
}

// certificate is the OCES3 certificate as its files hold it now. The TLS
// handshake presents it, and the warnings, the gauge
// postvakt_certificate_expiry_seconds{channel="digitalpost"} and the
// health rule certificate_expiring read its end through it, each use
// reading the files again: a renewed certificate (the files replaced,
// postvakt not restarted) is the one presented and shown from its next
// use. Files that do not hold a valid pair (one replaced and not yet the
// other, say) leave the pair read last in use, said once in the log.
type certificate struct {
	certFile, keyFile string
	log               *slog.Logger

	mu              sync.Mutex
	cert            tls.Certificate // the last valid pair
	certPEM, keyPEM []byte          // the files' content when last read
	bad             string          // the last problem with the files, said once; "": none
	warned          time.Time       // the last warning of its end; zero: none yet
}

// openCertificate reads the pair once (it must be valid) and watches the
// files from then on.
func openCertificate(certFile, keyFile string, log *slog.Logger) (*certificate, string, error) {
	certPEM, keyPEM, variable, err := readPair(certFile, keyFile)
	if err != nil {
		return nil, variable, err
	}
	cert, variable, err := parsePair(certPEM, keyPEM, certFile, keyFile)
	if err != nil {
		return nil, variable, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &certificate{certFile: certFile, keyFile: keyFile, log: log, cert: cert, certPEM: certPEM, keyPEM: keyPEM}, "", nil
}

// current is the pair to present now: the files' when they changed and
// hold a valid pair, else the one read last.
func (c *certificate) current() tls.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	certPEM, keyPEM, _, err := readPair(c.certFile, c.keyFile)
	if err == nil && bytes.Equal(certPEM, c.certPEM) && bytes.Equal(keyPEM, c.keyPEM) {
		c.bad = ""
		return c.cert
	}
	var cert tls.Certificate
	if err == nil {
		c.certPEM, c.keyPEM = certPEM, keyPEM // a bad content is parsed (and said) once
		cert, _, err = parsePair(certPEM, keyPEM, c.certFile, c.keyFile)
	}
	if err != nil {
		if err.Error() != c.bad {
			c.bad = err.Error()
			c.log.Error("the OCES3 certificate's files cannot be read again; still presenting the one read before",
				"not_after", c.cert.Leaf.NotAfter.UTC().Format(time.RFC3339), "error", err)
		}
		return c.cert
	}
	c.bad = ""
	if !cert.Leaf.NotAfter.Equal(c.cert.Leaf.NotAfter) {
		c.log.Info("the OCES3 certificate of Digital Post was replaced; presenting the new one", "file", c.certFile,
			"not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
		c.warned = time.Time{}
	}
	c.cert = cert
	return c.cert
}

// notAfter is when the certificate presented now ends.
func (c *certificate) notAfter() time.Time { return c.current().Leaf.NotAfter }

// clientCertificate is the handshake's tls.Config.GetClientCertificate.
func (c *certificate) clientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	cert := c.current()
	return &cert, nil
}

// register adds the gauge postvakt_certificate_expiry_seconds
// {channel="digitalpost"} to reg (may be nil), read at scrape.
func (c *certificate) register(reg prometheus.Registerer) error {
	if reg == nil {
		return nil
	}
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "postvakt_certificate_expiry_seconds",
		Help:        "Seconds until the channel's client certificate ends (negative: it has ended); its file read at scrape",
		ConstLabels: prometheus.Labels{"channel": Name}},
		func() float64 { return time.Until(c.notAfter()).Seconds() })
	if err := reg.Register(g); err != nil {
		return fmt.Errorf("digitalpost: certificate expiry metric: %w", err)
	}
	return nil
}

// check warns when the certificate ends within ExpiryWarning (an error
// once it has ended), at most once a day. A nil certificate (none: plain
// HTTP) says nothing.
func (c *certificate) check(now time.Time) {
	if c == nil {
		return
	}
	end := c.notAfter()
	left := end.Sub(now)
	if left > ExpiryWarning {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.warned.IsZero() && now.Sub(c.warned) < 24*time.Hour {
		return
	}
	c.warned = now
	days := int(left.Hours() / 24)
	if left <= 0 {
		c.log.Error("the OCES3 certificate of Digital Post has ended: the event log refuses every read; renew it in MitID Erhverv and register it on the sender system",
			"file", c.certFile, "not_after", end.UTC().Format(time.RFC3339))
		return
	}
	c.log.Warn("the OCES3 certificate of Digital Post ends soon: renew it in MitID Erhverv and register it on the sender system before then",
		"file", c.certFile, "not_after", end.UTC().Format(time.RFC3339), "days_left", days)
}
