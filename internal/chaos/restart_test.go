package chaos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"postvakt/internal/pgtest"
)

// TestRestartThatDidNotHappenFails: scripts/pg.sh stop ignores a pg_ctl
// that failed to stop the server, and start leaves a running server alone;
// the run must not count such a non-restart as its PostgreSQL restart. A
// script whose stop and start do nothing stands in for it here.
func TestRestartThatDidNotHappenFails(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "pg.sh")
	body := "#!/usr/bin/env bash\ncase $1 in db) echo '" + pgtest.Empty(t) + "' ;; esac\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := startCluster(script, filepath.Join(dir, "pg"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.restart()
	if err == nil || !strings.Contains(err.Error(), "not restarted") {
		t.Fatalf("a restart that did not happen: %v", err)
	}
}
