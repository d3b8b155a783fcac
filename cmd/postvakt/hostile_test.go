package main_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"postvakt/internal/pgtest"
	"postvakt/internal/sim"
)

// TestPollOnceAgainstHostileChannels: poll --once exits 0 when the channel
// answered, even though some letters' answers were bad (each is counted as
// an error or as unknown to the channel), with SvarUt v2, v3 and v1.
func TestPollOnceAgainstHostileChannels(t *testing.T) {
	s, env := scenarioEnv(t, "hostile", sim.Options{})
	s.Advance(6 * time.Hour)
	csvFile, _ := simFile(t, env, "/shipments.csv")
	for _, api := range []string{"v2", "v3", "v1"} {
		t.Run("svarut "+api, func(t *testing.T) {
			env := append(env, "DATABASE_URL="+pgtest.New(t), "POSTVAKT_SVARUT_API="+api)
			if out, stderr, code := runEnv(t, env, "import", csvFile); code != 0 {
				t.Fatalf("import: %d %s %s", code, out, stderr)
			}
			out, stderr, code := runEnv(t, env, "poll", "--once")
			if code != 0 {
				t.Fatalf("poll --once against channels that answered: exit %d\n%s\n%s", code, out, stderr)
			}
			for _, ch := range []string{"svarut", "altinn"} {
				m := regexp.MustCompile(ch + `: polled=(\d+) changed=(\d+) errors=(\d+) unknown=(\d+)`).FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("no summary for %s:\n%s", ch, out)
				}
				changed, errs, unknown := atoi(m[2]), atoi(m[3]), atoi(m[4])
				if changed < 20 || errs < 3 || unknown < 2 {
					t.Errorf("%s: %s; want many changes, the poisoned letters' errors and the never-sent ones unknown", ch, m[0])
				}
			}
		})
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// TestImportEncodingsAndErrorCap: a CSV saved by Excel in Windows-1252 is
// read (and said so); a file with many bad rows shows the first 1,000
// problems as FILE: line N, column C and counts the rest.
func TestImportEncodingsAndErrorCap(t *testing.T) {
	db := pgtest.New(t)
	dir := t.TempDir()
	row := func(i int, title string) string {
		return "svarut,00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(strconv.Itoa(i))) + strconv.Itoa(i) +
			",964338531,Barnevernstjenesten,org,974760673," + title + ",true,taushetsbelagt,2024-11-20T10:00:00+01:00\r\n"
	}
	latin, err := charmap.Windows1252.NewEncoder().String(header + row(1, "Vedtak for Bjørn på Ærøy") + row(2, "Særskilt"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "excel.csv")
	os.WriteFile(f, []byte(latin), 0o644)
	out, stderr, code := run(t, db, "import", f)
	if code != 0 || !strings.Contains(stderr, "read as Windows-1252") || !strings.Contains(out, "2 new shipments") {
		t.Fatalf("Windows-1252 import: %d\n%s\n%s", code, out, stderr)
	}
	if out, stderr, code := run(t, db, "import", "--encoding", "utf-8", f); code == 0 || !strings.Contains(stderr, "excel.csv: line 2, column title: not valid UTF-8") {
		t.Fatalf("--encoding utf-8 on a Windows-1252 file: %d\n%s\n%s", code, out, stderr)
	}
	// The flag after the file, as the README writes it, works the same.
	if out, stderr, code := run(t, db, "import", f, "--encoding", "utf-8"); code == 0 || !strings.Contains(stderr, "excel.csv: line 2, column title: not valid UTF-8") {
		t.Fatalf("import FILE --encoding utf-8: %d\n%s\n%s", code, out, stderr)
	}
	var b bytes.Buffer
	b.WriteString(header)
	for i := 0; i < 1200; i++ {
		b.WriteString(row(i, "T\x00"))
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, b.Bytes(), 0o644)
	_, stderr, code = run(t, db, "import", bad)
	if code == 0 || strings.Count(stderr, "bad.csv: line ") != 1000 || !strings.Contains(stderr, "bad.csv: line 2, column title: contains the control character U+0000") ||
		!strings.Contains(stderr, "… and 200 more problem(s) not shown") || strings.Contains(stderr, "pq:") {
		t.Fatalf("bad file: exit %d, %d problem lines\n%.600s", code, strings.Count(stderr, "bad.csv: line "), stderr)
	}
}
