package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseFiles: whatever a policy, health.yaml or senders.yaml holds, it
// is read without a panic, and it is either usable or refused with
// problems that name the file, each with a message: never both nothing
// usable and nothing said.
func FuzzParseFiles(f *testing.F) {
	files, err := filepath.Glob("../../policies/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no policies to start from: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("name: x\n<<: *a\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		said := func(what string, problems []Problem) {
			for _, p := range problems {
				if p.File != "p.yaml" || p.Message == "" || p.Line < 0 {
					t.Fatalf("%s of %q: a problem %+v without its file or message", what, data, p)
				}
			}
		}
		p := parseFile("p.yaml", data)
		said("a policy", p.problems)
		if p.policy == nil && len(p.problems) == 0 {
			t.Fatalf("a policy of %q: neither usable nor refused", data)
		}
		h, hp := ParseHealth("p.yaml", data)
		said("health.yaml", hp)
		if h == nil && len(hp) == 0 {
			t.Fatalf("health.yaml of %q: neither usable nor refused", data)
		}
		s, sp := ParseSenders("p.yaml", data)
		said("senders.yaml", sp)
		if s == nil && len(sp) == 0 {
			t.Fatalf("senders.yaml of %q: neither usable nor refused", data)
		}
	})
}
