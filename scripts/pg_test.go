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
// which cannot enter /root. pg.sh says so before initdb, naming the folder
// that is closed to that user and what to do.
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
	cmd := exec.Command("bash", "pg.sh", "start", dir)
	out, err := cmd.CombinedOutput()
	if err == nil {
		exec.Command("bash", "pg.sh", "stop", dir).Run()
		t.Fatalf("pg.sh start in %s went on:\n%s", dir, out)
	}
	said := string(out)
	if !strings.Contains(said, "cannot enter "+home+" ") || !strings.Contains(said, "clone") {
		t.Errorf("pg.sh said:\n%s\nwant it to name %s as the folder the cluster's user cannot enter, and where to clone instead", said, home)
	}
	if _, err := os.Stat(filepath.Join(dir, "initdb.log")); err == nil {
		t.Errorf("pg.sh ran initdb where its user cannot reach:\n%s", said)
	}
}
