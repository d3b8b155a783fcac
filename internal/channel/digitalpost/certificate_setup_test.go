package digitalpost

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"postvakt/internal/config"
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
