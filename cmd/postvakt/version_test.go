package main_test

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"postvakt/migrations"
)

// `postvakt version` and `postvakt --version` say the same on standard
// output, exit 0, with neither a database nor a valid configuration: the
// module version, the revision line, the Go release that built it and the
// schema version (newest migration) it expects.
func TestVersion(t *testing.T) {
	known, err := migrations.Latest()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"DATABASE_URL=", "POSTVAKT_RETENTION_YEARS=five"}
	var first string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, errOut, code := runEnv(t, env, args...)
		if code != 0 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q; want 0 and nothing on stderr", args, code, errOut)
		}
		for _, want := range []string{"postvakt ", "\nrevision ", "\ngo " + runtime.Version() + "\n", fmt.Sprintf("\nschema %05d\n", known)} {
			if !strings.Contains(out, want) {
				t.Errorf("%v lacks %q:\n%s", args, want, out)
			}
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("%v says otherwise than version:\n%s\n---\n%s", args, out, first)
		}
	}
	// A binary built with version control information names its commit.
	vcsBin := t.TempDir() + "/postvakt"
	build := exec.Command("go", "build", "-buildvcs=true", "-o", vcsBin, ".")
	head, herr := exec.Command("git", "rev-parse", "HEAD").Output()
	if herr != nil {
		t.Skipf("no git here: %v", herr)
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	out, err := exec.Command(vcsBin, "version").Output()
	if want := "\nrevision " + strings.TrimSpace(string(head)); err != nil || !strings.Contains(string(out), want) {
		t.Errorf("version of a build from commit %s: %v\n%s", head, err, out)
	}
	// Arguments are a wrong invocation.
	if _, errOut, code := runEnv(t, env, "version", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d, %q; want 2 naming the argument", code, errOut)
	}
}
