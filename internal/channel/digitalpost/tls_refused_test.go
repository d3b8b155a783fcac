package digitalpost

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
	"postvakt/internal/sim"
)

// TestRefusedHandshakeNamesTheCertificate: Digital Post authenticates the
// caller by its OCES3 certificate, one per environment (the notes). A
// service that checks it in the TLS handshake refuses a certificate it
// does not take (the test environment's in production, one of another
// issuer, one ended) with an alert, and every read failed with "remote
// error: tls: unknown certificate authority", naming no setting (read as
// postvakt's trust in the server, it sends the operator to the wrong
// end). The error names the certificate's setting now.
func TestRefusedHandshakeNamesTheCertificate(t *testing.T) {
	certs, err := sim.DigitalPostCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	if srv.TLS, err = certs.ServerTLS(); err != nil {
		t.Fatal(err)
	}
	srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	certFile, keyFile := shortLivedCert(t, t.TempDir(), time.Now().Add(300*24*time.Hour)) // of no issuer the service takes
	cfg := Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok", Logger: quiet,
		RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, CertFile: certFile, KeyFile: keyFile}
	tr, err := Transport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: Name, BaseURL: cfg.BaseURL, Transport: tr, Logger: quiet, MaxRetries: -1, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Events(context.Background(), time.Now().Add(-time.Hour), time.Time{}, func([]channel.FeedEvent) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "tls") || !strings.Contains(err.Error(), "POSTVAKT_DIGITALPOST_CERT_FILE") {
		t.Errorf("a certificate refused in the handshake: %v; want the handshake's error naming POSTVAKT_DIGITALPOST_CERT_FILE", err)
	}
}

// TestRefusedHandshakeOfAnEndedCertificate: a certificate that has ended
// (at start, or since) is kept presented — serve keeps the UI and the other
// channels running, and a renewed one put in place of the files is taken
// without a restart — but every read is refused in the handshake. The
// read's error (each cycle's, the poll's log line) says the certificate
// ended and when, not a question whether it is this environment's.
func TestRefusedHandshakeOfAnEndedCertificate(t *testing.T) {
	certs, err := sim.DigitalPostCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	if srv.TLS, err = certs.ServerTLS(); err != nil {
		t.Fatal(err)
	}
	srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	end := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	certFile, keyFile := shortLivedCert(t, t.TempDir(), end)
	cfg := Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok", Logger: quiet,
		RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, CertFile: certFile, KeyFile: keyFile}
	tr, cert, err := transport(cfg)
	if err != nil {
		t.Fatalf("an ended certificate stopped the start: %v", err)
	}
	hc, err := httpclient.New(httpclient.Options{Name: Name, BaseURL: cfg.BaseURL, Transport: tr, Logger: quiet, MaxRetries: -1, BreakerThreshold: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	c.cert = cert
	err = c.Events(context.Background(), time.Now().Add(-time.Hour), time.Time{}, func([]channel.FeedEvent) error { return nil })
	if want := "POSTVAKT_DIGITALPOST_CERT_FILE ended " + end.UTC().Format(time.RFC3339); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("an ended certificate refused in the handshake: %v; want %q", err, want)
	}
}
