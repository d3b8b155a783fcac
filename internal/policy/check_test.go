package policy

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// want is one expected problem: its file, line (0: no line) and a
// substring of its message.
type want struct {
	file string
	line int
	text string
}

var wantRE = regexp.MustCompile("want `([^`]*)`")

// readWants collects the expectations of a fixture directory: every
// "# want `substring`" comment expects a problem on its own line of its
// file; the WANT file lists problems without a line as "file: substring"
// ("." for the directory itself).
func readWants(t *testing.T, dir string) []want {
	t.Helper()
	var out []want
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "WANT" {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				line := sc.Text()
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				file, text, ok := strings.Cut(line, ": ")
				if !ok {
					t.Fatalf("%s: bad line %q", path, line)
				}
				if file == "." {
					out = append(out, want{file: dir, text: text})
				} else {
					out = append(out, want{file: filepath.Join(dir, file), text: text})
				}
			}
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range wantRE.FindAllStringSubmatch(line, -1) {
				out = append(out, want{file: path, line: i + 1, text: m[1]})
			}
		}
	}
	return out
}

// TestBadFixtures proves that every kind of problem is reported, with the
// right file and line, and nothing else.
func TestBadFixtures(t *testing.T) {
	dirs, err := filepath.Glob("testdata/bad/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			set, problems := LoadDir(dir)
			if set != nil {
				t.Error("LoadDir returned a set despite problems")
			}
			matchProblems(t, problems, readWants(t, dir))
		})
	}
}

// matchProblems pairs each expectation with a distinct problem at its file
// and line whose message contains the text, and reports the leftovers on
// either side.
func matchProblems(t *testing.T, problems []Problem, wants []want) {
	t.Helper()
	used := make([]bool, len(problems))
	for _, w := range wants {
		found := false
		for i, p := range problems {
			if !used[i] && p.File == w.file && p.Line == w.line && strings.Contains(p.Message, w.text) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %s:%d: ...%s...", w.file, w.line, w.text)
		}
	}
	for i, p := range problems {
		if !used[i] {
			t.Errorf("unexpected problem %s", p)
		}
	}
}
