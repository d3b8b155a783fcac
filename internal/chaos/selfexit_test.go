package chaos

import (
	"path/filepath"
	"testing"
)

// TestReplicaThatExitedByItselfIsReported: a replica that is gone before
// its kill (a panic, a fatal error when PostgreSQL restarted under it)
// is a failure of the run, named with its exit status; one still running
// when it is killed is an ordinary kill. The harness used to SIGKILL the
// dead process without a word and count it as one of its kills, so a
// serve that crashed by itself passed.
func TestReplicaThatExitedByItselfIsReported(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		args       []string
		selfExited int
	}{
		{"exits by itself", []string{"-c", "exit 3"}, 1},
		{"still running", []string{"-c", "sleep 60"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := startProcess("/bin/sh", nil, filepath.Join(dir, "serve.log"), tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.selfExited > 0 {
				<-p.done
			}
			rep := &Report{}
			rep.kill(p)
			if rep.SelfExits != tc.selfExited || rep.Failed() != (tc.selfExited > 0) {
				t.Fatalf("self exits %d, failed %v: %s", rep.SelfExits, rep.Failed(), rep)
			}
		})
	}
}
