package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A second `make run` in a checkout where a demo runs stops before it
// touches anything: it dropped the first's database, removed its passwords
// and token, and stopped its cluster on its way out (from an independent
// review of a newcomer's first hour). run.sh runs from a copy, so the
// checkout's own .data is left alone.
func TestRunRefusesASecondDemoInOneCheckout(t *testing.T) {
	root := t.TempDir()
	script, err := os.ReadFile("run.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "scripts", "run.sh"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(root, ".data", "demo-password")
	if err := os.WriteFile(keep, []byte("the first run's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The first demo: holds the lock as run.sh does.
	lock, err := os.OpenFile(filepath.Join(root, ".data", "run.lock"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "run.sh"))
	// Ports no one uses, so that only the lock can stop it.
	cmd.Env = append(os.Environ(), "POSTVAKT_ADDR=127.0.0.1:1", "POSTVAKT_DEMO_MAIL_PORT=2", "POSTVAKT_DEMO_SMTP_PORT=3")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a second run went on:\n%s", out)
	}
	if !strings.Contains(string(out), "a demo runs in this checkout already") || strings.Contains(string(out), "building") {
		t.Errorf("output:\n%s\nwant the lock's message, before building", out)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "the first run's\n" {
		t.Errorf("the first run's password file: %q %v", b, err)
	}
}
