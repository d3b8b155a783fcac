package main_test

import (
	"strings"
	"testing"

	"postvakt/internal/sim"
)

// TestHealthOnceCertificateExpiring: `health --once` reads the Digital
// Post client certificate from POSTVAKT_DIGITALPOST_CERT_FILE (the
// simulator's ends within a day): certificate_expiring fires for
// channel=digitalpost, about no letters, and the line names neither file.
func TestHealthOnceCertificateExpiring(t *testing.T) {
	db := migrated(t)
	certs, err := sim.DigitalPostCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=" + db, "POSTVAKT_POLICIES=../../policies",
		"POSTVAKT_DIGITALPOST_URL=http://127.0.0.1:1/apis/v1", "POSTVAKT_DIGITALPOST_SYSTEM_ID=b07b2252-5b92-40ce-9349-c82fd6d059af",
		"POSTVAKT_DIGITALPOST_API_TOKEN=t", "POSTVAKT_DIGITALPOST_CERT_FILE=" + certs.ClientCertFile,
		"POSTVAKT_DIGITALPOST_KEY_FILE=" + certs.ClientKeyFile}
	stdout, stderr, code := runEnv(t, env, "health", "--once", "--dry-run")
	want := "FIRING rule=certificate_expiring severity=warning channel=digitalpost affected=0"
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("health --once --dry-run: exit %d, stdout %q, want %q\n%s", code, stdout, want, stderr)
	}
	if strings.Contains(stdout, certs.ClientCertFile) || strings.Contains(stdout, certs.ClientKeyFile) {
		t.Errorf("the alert line names a certificate file: %q", stdout)
	}
	// Without Digital Post there is no certificate to watch.
	if stdout, stderr, code := run(t, db, "health", "--once", "--dry-run"); code != 0 || strings.Contains(stdout, "certificate_expiring") {
		t.Errorf("without Digital Post: exit %d, %q\n%s", code, stdout, stderr)
	}
}
