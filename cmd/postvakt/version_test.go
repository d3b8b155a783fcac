package main_test

import (
	"fmt"
	"os"
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
	// make build (scripts/build.sh) stamps the version git describe gives,
	// which wins over Go's own, and keeps the version control information
	// Go records: the binary names its commit. (GOFLAGS here may turn that
	// information off; the build asks for it.)
	head, herr := exec.Command("git", "rev-parse", "HEAD").Output()
	describe, derr := exec.Command("git", "describe", "--always", "--dirty").Output()
	if herr != nil || derr != nil {
		t.Skipf("no git here: %v %v", herr, derr)
	}
	made := t.TempDir() + "/postvakt"
	build := exec.Command("bash", "../../scripts/build.sh", made)
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	out, err := exec.Command(made, "version").Output()
	for _, want := range []string{"postvakt " + strings.TrimSpace(string(describe)) + "\n", "\nrevision " + strings.TrimSpace(string(head))} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("version of make build's binary, from commit %s: %v, lacks %q\n%s", head, err, want, out)
		}
	}
	// A version given by hand (make build VERSION=…, a source archive has
	// no git to ask) is stamped instead of git's; one that is not a
	// version stops the build with a message naming it, building nothing.
	given := t.TempDir() + "/postvakt"
	if out, err := exec.Command("bash", "../../scripts/build.sh", given, "v9.1.0-archive").CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh with a version: %v\n%s", err, out)
	}
	if out, err := exec.Command(given, "version").Output(); err != nil || !strings.HasPrefix(string(out), "postvakt v9.1.0-archive\n") {
		t.Errorf("version of a build given v9.1.0-archive: %v\n%s", err, out)
	}
	bad := t.TempDir() + "/postvakt"
	out, err = exec.Command("bash", "../../scripts/build.sh", bad, "1.0 beta").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `VERSION "1.0 beta" is not a version`) {
		t.Errorf("scripts/build.sh with version \"1.0 beta\": %v, %q; want a failure naming it", err, out)
	}
	if _, serr := os.Stat(bad); serr == nil {
		t.Errorf("a build with a bad version left a binary")
	}
	// Arguments are a wrong invocation.
	if _, errOut, code := runEnv(t, env, "version", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("version extra: exit %d, %q; want 2 naming the argument", code, errOut)
	}
}
