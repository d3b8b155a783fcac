package digitalpost

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/httpclient"
	"postvakt/internal/sim"
)

// TestCertificateSetUpErrors: the usual mistakes in turning MitID
// Erhverv's .p12 into the two PEM files stop the start naming the variable
// of the file at fault and what is wrong with it: a key written with a
// pass phrase (openssl pkcs12 -nocerts without -nodes), the certificate
// given for the key too, the public part as MitID Erhverv hands it out
// (DER, not PEM), the two files swapped.
func TestCertificateSetUpErrors(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := shortLivedCert(t, dir, time.Now().Add(300*24*time.Hour))
	certPEM, _ := os.ReadFile(certFile)
	keyPEM, _ := os.ReadFile(keyFile)
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	kb, _ := pem.Decode(keyPEM)
	//nolint:staticcheck // an encrypted legacy PEM key, as OpenSSL writes one
	legacy, err := x509.EncryptPEMBlock(rand.Reader, kb.Type, kb.Bytes, []byte("kodeord"), x509.PEMCipherAES256) //lint:ignore SA1019 the form to refuse
	if err != nil {
		t.Fatal(err)
	}
	legacyKey := write("legacy-key.pem", pem.EncodeToMemory(legacy))
	// OpenSSL 3's pkcs12 -nocerts without -nodes: PKCS #8, encrypted.
	pkcs8Key := write("pkcs8-key.pem", append([]byte("Bag Attributes\n    localKeyID: 01 \n"),
		pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}})...))
	cb, _ := pem.Decode(certPEM)
	derCert := write("cert.cer", cb.Bytes)
	// MitID Erhverv's download as is (openssl pkcs12 -export, pass
	// phrase "kodeord"): given for either file, the error says it is a
	// PKCS #12 bundle and the openssl command that makes the PEM file.
	p12 := "testdata/oces3-test.p12"

	for _, c := range []struct {
		name, cert, key, variable, says string
	}{
		{"legacy encrypted key", certFile, legacyKey, keyVar, "pass phrase"},
		{"PKCS #8 encrypted key", certFile, pkcs8Key, keyVar, "pass phrase"},
		{"the certificate as the key", certFile, certFile, keyVar, "no private key"},
		{"a DER certificate", derCert, keyFile, certVar, "not PEM"},
		{"the files swapped", keyFile, certFile, certVar, "swapped"},
		{"the .p12 as the key", certFile, p12, keyVar, "PKCS #12 bundle (.p12), not a PEM key; convert it: openssl pkcs12 -in " + p12 + " -nocerts -nodes -out "},
		{"the .p12 as the certificate", p12, keyFile, certVar, "PKCS #12 bundle (.p12); convert it: openssl pkcs12 -in " + p12 + " -clcerts -nokeys -out "},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"POSTVAKT_DIGITALPOST_URL": "https://api.test.digitalpost.dk/apis/v1",
				"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok",
				certVar: c.cert, keyVar: c.key}
			r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			configure(config.Config{}, r)
			err := r.Err()
			if err == nil || !strings.HasPrefix(err.Error(), c.variable+":") || !strings.Contains(err.Error(), c.says) {
				t.Errorf("start error %v; want one naming %s and saying %q", err, c.variable, c.says)
			}
			if err != nil && strings.Contains(err.Error(), "kodeord") {
				t.Errorf("the error quotes the pass phrase: %v", err)
			}
		})
	}
}

// TestCertificateHalfGiven: one of the two files given without the other
// stops the start naming the one missing (an https URL's error named
// POSTVAKT_DIGITALPOST_CERT_FILE when the key's variable was the one
// unset; over http the key's read failed as "open : no such file").
func TestCertificateHalfGiven(t *testing.T) {
	certFile, keyFile := shortLivedCert(t, t.TempDir(), time.Now().Add(300*24*time.Hour))
	for _, c := range []struct{ url, cert, key, missing string }{
		{"https://api.test.digitalpost.dk/apis/v1", certFile, "", keyVar},
		{"https://api.test.digitalpost.dk/apis/v1", "", keyFile, certVar},
		{"http://127.0.0.1:8080/apis/v1", certFile, "", keyVar},
		{"http://127.0.0.1:8080/apis/v1", "", keyFile, certVar},
	} {
		env := map[string]string{"POSTVAKT_DIGITALPOST_URL": c.url,
			"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok",
			certVar: c.cert, keyVar: c.key}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		configure(config.Config{}, r)
		err := r.Err()
		if err == nil || !strings.HasPrefix(err.Error(), c.missing+":") || strings.Contains(err.Error(), "no such file") {
			t.Errorf("%s with only %q %q: %v; want a start error naming %s as not set", c.url, c.cert, c.key, err, c.missing)
		}
	}
}

// TestRefusedCredentialsNameTheSettings: the event log's declared answers
// are 200, 401 and 403 (the notes): a 401 refuses the Basic header (the
// sender system's id and API token), a 403 the caller (the OCES3
// certificate not registered on that sender system, or the system not
// allowed the log). Either refuses every read and look-up until the
// settings change; the error said "HTTP 401" and a body's size, naming no
// setting. It names them now (never the token), and is still the
// StatusError it was (the poller's stop-asking and backoff read it).
func TestRefusedCredentialsNameTheSettings(t *testing.T) {
	const systemID, token = "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "hemmeligt-api-token"
	for _, c := range []struct {
		code int
		want []string
	}{
		{http.StatusUnauthorized, []string{"POSTVAKT_DIGITALPOST_SYSTEM_ID", "POSTVAKT_DIGITALPOST_API_TOKEN"}},
		{http.StatusForbidden, []string{"OCES3 certificate", "POSTVAKT_DIGITALPOST_CERT_FILE", "POSTVAKT_DIGITALPOST_SYSTEM_ID"}},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != systemID || p != token || r.URL.Path != "/apis/v1/events/" {
				t.Errorf("asked %s as %q", r.URL.Path, r.Header.Get("Authorization"))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.code)
			w.Write([]byte(`{"timestamp":"2023-08-25T00:49:34.437+00:00","status":` + http.StatusText(c.code) + `,"path":"/apis/v1/events/"}`))
		}))
		defer srv.Close()
		cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: systemID, APIToken: token, Logger: quiet},
			httpclient.Options{MaxRetries: -1, BreakerThreshold: -1, Secrets: []string{token}})
		readErr := cl.Events(context.Background(), time.Now().Add(-time.Hour), time.Time{}, func([]channel.FeedEvent) error { return nil })
		_, lookupErr := cl.Status(context.Background(), []string{"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e8f"})
		for what, err := range map[string]error{"read": readErr, "look-up": lookupErr} {
			var se *httpclient.StatusError
			if !errors.As(err, &se) || se.StatusCode != c.code || httpclient.StopAsking(err) == nil {
				t.Errorf("%d %s: %v; want the log's HTTP %d, which stops the asking", c.code, what, err, c.code)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%d %s: %v; want it to name %s", c.code, what, err, w)
				}
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("%d %s: the error quotes the token: %v", c.code, what, err)
			}
		}
	}
}

// TestRefusedCallerStopsTheBatch: a 401 or 403 on one letter's look-up
// refuses the caller, not the letter (the log's refusals are about the
// sender system and its certificate), so the batch's other letters are not
// asked: each was refused the same, a batch of 50 made 50 refused calls a
// cycle. They get the first refusal, as after the log's rate limit.
func TestRefusedCallerStopsTheBatch(t *testing.T) {
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		var asked atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked.Add(1)
			w.WriteHeader(code)
		}))
		defer srv.Close()
		cl := newClient(t, Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok",
			Concurrency: 1, Logger: quiet}, httpclient.Options{MaxRetries: -1, BreakerThreshold: -1})
		ids := []string{"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e80", "2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e81",
			"2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e82", "2f1d7c0e-8a51-4c55-9c1e-3f4b5a6d7e83"}
		_, err := cl.Status(context.Background(), ids)
		var se *httpclient.StatusError
		if !errors.As(err, &se) || se.StatusCode != code {
			t.Errorf("%d: %v; want the call's refusal", code, err)
		}
		if n := asked.Load(); n != 1 {
			t.Errorf("%d: the log was asked %d times for %d letters; want once", code, n, len(ids))
		}
	}
}

// TestRereadSettings: POSTVAKT_DIGITALPOST_REREAD and _REREAD_EVERY are
// read with the channel's other settings (default: two days back, once a
// day), and a setting that would miss what the re-read is for (reaching
// no further back than the overlap, or starting no more often than it
// reaches, so late entries fall between two re-reads) or read the log to
// no end (more than a month back, more often than hourly) stops the start,
// naming its variable.
func TestRereadSettings(t *testing.T) {
	base := map[string]string{"POSTVAKT_DIGITALPOST_URL": "http://127.0.0.1:1/apis/v1",
		"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok"}
	read := func(set map[string]string) (Config, error) {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range set {
			env[k] = v
		}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		op := configure(config.Config{}, r)
		if err := r.Err(); err != nil || op == nil {
			return Config{}, err
		}
		a, err := op(channel.Deps{Log: quiet})
		if err != nil {
			return Config{}, err
		}
		return a.(*Client).cfg, nil
	}
	cfg, err := read(nil)
	if err != nil || cfg.Reread != 48*time.Hour || cfg.RereadEvery != 24*time.Hour {
		t.Fatalf("defaults: re-read %s every %s (%v); want 48h every 24h", cfg.Reread, cfg.RereadEvery, err)
	}
	if back, every := (&Client{cfg: Config{Reread: 72 * time.Hour, RereadEvery: 12 * time.Hour}}).Reread(); back != 72*time.Hour || every != 12*time.Hour {
		t.Errorf("Reread gives %s every %s, not the configuration's 72h every 12h", back, every)
	}
	cfg, err = read(map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "72h", "POSTVAKT_DIGITALPOST_REREAD_EVERY": "12h"})
	if err != nil || cfg.Reread != 72*time.Hour || cfg.RereadEvery != 12*time.Hour {
		t.Errorf("72h every 12h read as %s every %s (%v)", cfg.Reread, cfg.RereadEvery, err)
	}
	for _, bad := range []struct {
		set  map[string]string
		name string
	}{
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "two days"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "10m"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "1h", "POSTVAKT_DIGITALPOST_OVERLAP": "2h"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD": "4800h"}, "POSTVAKT_DIGITALPOST_REREAD"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD_EVERY": "48h"}, "POSTVAKT_DIGITALPOST_REREAD_EVERY"},
		{map[string]string{"POSTVAKT_DIGITALPOST_REREAD_EVERY": "10m"}, "POSTVAKT_DIGITALPOST_REREAD_EVERY"},
	} {
		_, err := read(bad.set)
		if err == nil || !strings.Contains(err.Error(), bad.name+":") {
			t.Errorf("%v: %v; want an error naming %s", bad.set, err, bad.name)
		}
	}
}

// TestRefusedHandshakeNamesTheCertificate: Digital Post authenticates the
// caller by its OCES3 certificate, one per environment (the notes). A
// service that checks it in the TLS handshake refuses a certificate it
// does not take (the test environment's in production, one of another
// issuer, one ended) with an alert, and every read failed with "remote
// error: tls: unknown certificate authority", naming no setting (read as
// postvakt's trust in the server, it sends the operator to the wrong
// end). The error names the certificate's setting now.
func TestRefusedHandshakeNamesTheCertificate(t *testing.T) {
	err := handshakeRefusedRead(t, time.Now().Add(300*24*time.Hour)) // of no issuer the service takes
	if err == nil || !strings.Contains(err.Error(), "tls") || !strings.Contains(err.Error(), "POSTVAKT_DIGITALPOST_CERT_FILE") {
		t.Errorf("a certificate refused in the handshake: %v; want the handshake's error naming POSTVAKT_DIGITALPOST_CERT_FILE", err)
	}
}

// TestBaseURLSettings: POSTVAKT_DIGITALPOST_URL is the API base including
// /apis/v1, to which postvakt appends events/ (the notes' base,
// https://api.digitalpost.dk/apis/v1/). Digital Post's own host without
// that path, or a URL of an endpoint (…/events, …/memos kept from the
// sending system's settings) sent every read to a path the log does not
// serve: every poll failed with a 404 naming no setting. They stop the
// start naming the variable; the notes' bases (with or without the
// trailing slash) and another host's path (a gateway, the simulator) are
// taken.
func TestBaseURLSettings(t *testing.T) {
	read := func(u string) error {
		env := map[string]string{"POSTVAKT_DIGITALPOST_URL": u,
			"POSTVAKT_DIGITALPOST_SYSTEM_ID": "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", "POSTVAKT_DIGITALPOST_API_TOKEN": "tok"}
		r := config.NewReader(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		op := configure(config.Config{}, r)
		if err := r.Err(); err != nil {
			return err
		}
		if op == nil {
			t.Fatalf("%s: Digital Post off", u)
		}
		_, err := op(channel.Deps{Log: quiet})
		return err
	}
	for _, u := range []string{"http://api.digitalpost.dk/apis/v1", "http://api.test.digitalpost.dk/apis/v1/",
		"http://127.0.0.1:8080", "http://gateway.kommune.dk/digitalpost/apis/v1", "http://127.0.0.1:8080/digitalpost"} {
		if err := read(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"https://api.digitalpost.dk", "https://api.test.digitalpost.dk/", "https://api.digitalpost.dk/apis",
		"https://api.digitalpost.dk/apis/v1/events", "https://api.test.digitalpost.dk/apis/v1/events/",
		"http://gateway.kommune.dk/apis/v1/events", "http://gateway.kommune.dk/apis/v1/memos/"} {
		err := read(u)
		if err == nil || !strings.Contains(err.Error(), "POSTVAKT_DIGITALPOST_URL:") || !strings.Contains(err.Error(), "/apis/v1") {
			t.Errorf("%s: %v; want a start error naming POSTVAKT_DIGITALPOST_URL and the base's /apis/v1", u, err)
		}
	}
}

// TestRefusedHandshakeOfAnEndedCertificate: a certificate that has ended
// (at start, or since) is kept presented — serve keeps the UI and the other
// channels running, and a renewed one put in place of the files is taken
// without a restart — but every read is refused in the handshake. The
// read's error (each cycle's, the poll's log line) says the certificate
// ended and when, not a question whether it is this environment's.
func TestRefusedHandshakeOfAnEndedCertificate(t *testing.T) {
	end := time.Now().Add(-72 * time.Hour).Truncate(time.Second)
	err := handshakeRefusedRead(t, end)
	if want := "POSTVAKT_DIGITALPOST_CERT_FILE ended " + end.UTC().Format(time.RFC3339); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("an ended certificate refused in the handshake: %v; want %q", err, want)
	}
}

// handshakeRefusedRead reads the event log of a service that checks the
// caller's certificate in the TLS handshake and takes none of postvakt's
// (a certificate of no issuer it knows, ending at notAfter), presented as
// serve presents it (transport, the certificate watched): the read's error.
// A certificate that has already ended starts all the same.
func handshakeRefusedRead(t *testing.T, notAfter time.Time) error {
	t.Helper()
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
	t.Cleanup(srv.Close)
	certFile, keyFile := shortLivedCert(t, t.TempDir(), notAfter)
	cfg := Config{BaseURL: srv.URL + "/apis/v1", SystemID: "8ec5c261-1feb-4fb2-bf1b-a7f621faf7c6", APIToken: "tok", Logger: quiet,
		RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, CertFile: certFile, KeyFile: keyFile}
	tr, cert, err := transport(cfg)
	if err != nil {
		t.Fatalf("a certificate ending %s stopped the start: %v", notAfter, err)
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
	return c.Events(context.Background(), time.Now().Add(-time.Hour), time.Time{}, func([]channel.FeedEvent) error { return nil })
}
