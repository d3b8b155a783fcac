package scripts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make run` as root in a checkout under /root (mode 0700 on Debian, where
// a fresh machine's first login clones it) failed after the build with
// initdb's "could not access directory …/.data/pg/data: Permission
// denied": as root the cluster runs as postgres (initdb refuses root),
// which cannot enter /root. pg.sh keeps such a DIR's cluster in a folder
// that user can reach, says where, and every later command on DIR (db,
// stop) finds it there.
func TestPgStartAsRootInAFolderTheClusterUserCannotEnter(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("pg.sh runs the cluster as another user only as root")
	}
	base := t.TempDir()
	for _, d := range []string{base, filepath.Dir(base)} {
		if err := os.Chmod(d, 0o755); err != nil { // open but for home
			t.Fatal(err)
		}
	}
	home := filepath.Join(base, "root") // as /root: drwx------
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "postvakt", ".data", "pg")
	pg := func(args ...string) (string, string, error) {
		cmd := exec.Command("bash", append([]string{"pg.sh"}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), stderr.String(), err
	}
	url, said, err := pg("start", dir)
	t.Cleanup(func() {
		pg("stop", dir)
		if b, err := os.ReadFile(filepath.Join(dir, "elsewhere")); err == nil {
			os.RemoveAll(strings.TrimSpace(string(b)))
		}
	})
	if err != nil {
		t.Fatalf("pg.sh start in %s: %v\n%s", dir, err, said)
	}
	b, err := os.ReadFile(filepath.Join(dir, "elsewhere"))
	if err != nil {
		t.Fatalf("no note in %s of where its cluster is: %v\n%s", dir, err, said)
	}
	alt := strings.TrimSpace(string(b))
	if !strings.Contains(said, "cannot enter "+home+" ") || !strings.Contains(said, alt) {
		t.Errorf("pg.sh said:\n%s\nwant it to name %s as the folder the cluster's user cannot enter, and %s where the cluster is kept", said, home, alt)
	}
	if !strings.Contains(url, "host="+alt+"&") {
		t.Errorf("admin URL %q does not name the cluster's socket folder %s", url, alt)
	}
	dbURL, said, err := pg("db", dir, "demo")
	if err != nil || !strings.Contains(dbURL, "/demo?host="+alt+"&") {
		t.Fatalf("pg.sh db on %s: %q %v\n%s", dir, dbURL, err, said)
	}
	if _, said, err := pg("stop", dir); err != nil {
		t.Fatalf("pg.sh stop %s: %v\n%s", dir, err, said)
	}
	if _, err := os.Stat(filepath.Join(alt, "postmaster.pid")); err == nil {
		t.Errorf("the cluster in %s still runs after pg.sh stop %s", alt, dir)
	}
	if _, err := os.Stat(filepath.Join(alt, "data", "postmaster.pid")); err == nil {
		t.Errorf("the cluster in %s still runs after pg.sh stop %s", alt, dir)
	}
}
