package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mailKeyRE is a mail text's key as a string literal in Go code.
var mailKeyRE = regexp.MustCompile(`"(mail\.[a-z0-9_.]+[a-z0-9_])"`)

// TestMailKeysInEveryLanguage reads the Go code of postvakt (not the
// tests) for the keys of the e-mails' texts ("mail.…"): each must be in
// the catalogue of every language, and every mail key of a catalogue must
// be used, so that a reminder, notice or alert never goes out with a
// missing text (⟦key⟧) or an English one in a Danish block.
func TestMailKeysInEveryLanguage(t *testing.T) {
	used := map[string][]string{} // key: the files using it
	for _, root := range []string{"..", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range mailKeyRE.FindAllStringSubmatch(string(src), -1) {
				used[m[1]] = append(used[m[1]], path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) < 60 {
		t.Fatalf("only %d mail keys found in the code: %v", len(used), used)
	}
	for _, lang := range Languages {
		have := Keys(lang)
		for k, files := range used {
			if !slices.Contains(have, k) {
				t.Errorf("%s.yaml lacks %q (used in %s)", lang, k, strings.Join(files, ", "))
			}
		}
		for _, k := range have {
			if strings.HasPrefix(k, "mail.") && used[k] == nil {
				t.Errorf("%s.yaml has %q, which no code uses", lang, k)
			}
		}
	}
}

// The catalogues say their keys are sorted: they are, one entry per key.
func TestCataloguesAreSorted(t *testing.T) {
	top := regexp.MustCompile(`^([a-z][a-z0-9_.]*):`)
	for _, lang := range Languages {
		src, err := files.ReadFile("catalogue/" + lang + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.SplitN(string(src), "\n", 2)[0], "Keys are sorted") {
			t.Errorf("%s.yaml: the header no longer states the convention", lang)
		}
		var keys []string
		for _, line := range strings.Split(string(src), "\n") {
			if m := top.FindStringSubmatch(line); m != nil {
				keys = append(keys, m[1])
			}
		}
		for i := 1; i < len(keys); i++ {
			if keys[i-1] >= keys[i] {
				t.Errorf("%s.yaml: %q comes after %q", lang, keys[i], keys[i-1])
			}
		}
	}
}

func TestMailLanguages(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"NO"}, "nb,en"},
		{[]string{"DK"}, "da,en"},
		{[]string{"DK", "NO", "DK"}, "nb,da,en"},
		{[]string{"SE", ""}, "en"},
		{nil, "en"},
	} {
		if got := strings.Join(MailLanguages(tc.in...), ","); got != tc.want {
			t.Errorf("MailLanguages(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	m := NewMail([]string{"da", "en"})
	body := m.Body(func(l *Localizer, w func(string)) { w(l.T("mail.followup.letters")) })
	if body != "Breve:\n\n-- English --\n\nLetters:\n" || m.Joined(func(l *Localizer) string { return l.T("mail.auto") }) !=
		"Denne e-mail er sendt automatisk af postvakt. / This e-mail was sent automatically by postvakt." {
		t.Errorf("body %q", body)
	}
	if !For("nb", nil).Has("mail.auto") || For("nb", nil).Has("mail.nothing") {
		t.Error("Has")
	}
}
