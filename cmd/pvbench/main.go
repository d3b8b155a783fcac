// Command pvbench is postvakt's load tool, run by `make bench`. It measures
// the SPEC targets that need real processes: registering 1,000,000
// shipments from CSV (time and peak memory), and one poll cycle over
// 100,000 open shipments against the simulator compared with a bare HTTP
// loop that makes the same requests. It prints figures; it asserts nothing.
//
// It needs DATABASE_URL_IMPORT and DATABASE_URL_POLL (two empty databases)
// and the postvakt binary (--postvakt). scripts/bench.sh provides them.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	pv := flag.String("postvakt", ".data/bin/postvakt", "the postvakt binary")
	rows := flag.Int("import-rows", 1000000, "rows in the CSV import benchmark (0 skips it)")
	orgs := flag.Int("orgs", 10000, "receiving organisations in the import benchmark")
	ships := flag.Int("poll-shipments", 100000, "open shipments in the poll benchmark (0 skips it)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "pvbench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	if *rows > 0 {
		if err := benchImport(*pv, dir, *rows, *orgs); err != nil {
			fail(fmt.Errorf("import benchmark: %w", err))
		}
	}
	if *ships > 0 {
		if err := benchPoll(*pv, dir, *ships); err != nil {
			fail(fmt.Errorf("poll benchmark: %w", err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pvbench:", err)
	os.Exit(1)
}

// measured is one subprocess run: wall time and peak resident memory.
type measured struct {
	wall   time.Duration
	maxRSS int64 // bytes
	stdout string
}

// runMeasured runs the postvakt binary with extra environment and returns
// its wall time and peak RSS (from the kernel's rusage).
func runMeasured(bin string, env []string, args ...string) (measured, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	m := measured{wall: time.Since(start), stdout: out.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	return m, nil
}

// writeCSV writes n registration rows to n/orgs organisations each.
func writeCSV(path string, n, orgs int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "channel,channel_id,sender_org,sender_unit,recipient_kind,recipient_id,title,confidential,class,sent_at")
	numbers := orgNumbers(orgs)
	base := time.Now().Add(-400 * 24 * time.Hour).UTC()
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "svarut,%08x-0000-4000-8000-%012x,964338531,Enhet %d,org,%s,Brev %d,true,taushetsbelagt,%s\n",
			i/65536, i, i%50, numbers[i%len(numbers)], i, base.Add(time.Duration(i)*30*time.Second).Format(time.RFC3339))
	}
	return w.Flush()
}

// orgNumbers makes n valid Norwegian organisation numbers.
func orgNumbers(n int) []string {
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	var out []string
	for x := 91000000; len(out) < n; x++ {
		s := fmt.Sprintf("%08d", x)
		sum := 0
		for i, w := range weights {
			sum += int(s[i]-'0') * w
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		out = append(out, s+string(rune('0'+c)))
	}
	return out
}

func benchImport(bin, dir string, rows, orgs int) error {
	path := filepath.Join(dir, "import.csv")
	if err := writeCSV(path, rows, orgs); err != nil {
		return err
	}
	db := os.Getenv("DATABASE_URL_IMPORT")
	if db == "" {
		return fmt.Errorf("DATABASE_URL_IMPORT is not set")
	}
	env := []string{"DATABASE_URL=" + db}
	if _, err := runMeasured(bin, env, "migrate"); err != nil {
		return err
	}
	m, err := runMeasured(bin, env, "import", path)
	if err != nil {
		return err
	}
	fmt.Printf("import  %d rows (%d organisations): %.1f s, %.0f rows/s, peak RSS %d MB   [target < 60 s, RSS < 200 MB]\n",
		rows, orgs, m.wall.Seconds(), float64(rows)/m.wall.Seconds(), m.maxRSS>>20)
	return nil
}
