package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// figure is one row of the table: what was measured, beside the anchor
// measured in the same run, against its target.
type figure struct {
	What    string // e.g. "import 1,000,000 CSV rows"
	Value   string // e.g. "41.2 s"
	Anchor  string // e.g. "bare COPY 20.1 s" ("" when the target is absolute)
	Ratio   string // e.g. "2.05×" or "84 %"
	Target  string // e.g. "≤ 2× the bare COPY"
	Verdict string // "met", "NOT MET: 0.05× over", "failed: …", "pending: …"
	Note    string // how it was measured, counts
}

// verdict says met, or not met by how much.
func verdict(met bool, by string) string {
	if met {
		return "met"
	}
	return "NOT MET (" + by + ")"
}

// againstLoop fills a figure's ratio and verdict from postvakt's share of
// its bare loop's throughput, whose target is 80 %.
func (f figure) againstLoop(share float64) figure {
	f.Ratio = fmt.Sprintf("%.0f %%", 100*share)
	f.Verdict = verdict(share >= 0.8, fmt.Sprintf("%.0f points short", 100*(0.8-share)))
	return f
}

// failed is the row of a figure whose measurement broke.
func failed(what, target string, err error) figure {
	return figure{What: what, Target: target, Verdict: "FAILED", Note: err.Error()}
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// thousands writes n with thin separators: 1,000,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}

// machine describes where the run happened.
func machine(started time.Time) []string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, v, _ := strings.Cut(l, ":")
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %d GiB RAM", (kb+512*1024)>>20)
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			load = fmt.Sprintf("load average at the end %s %s %s", f[0], f[1], f[2])
		}
	}
	pg := ""
	if out, err := exec.Command("postgres", "--version").Output(); err == nil {
		pg = strings.TrimSpace(string(out))
	}
	return []string{
		fmt.Sprintf("date: %s (took %s)", started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second)),
		fmt.Sprintf("machine: %d cores (%s)%s, %s/%s, %s%s", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH,
			runtime.Version(), map[bool]string{true: ", " + pg, false: ""}[pg != ""]),
		load,
	}
}

// render writes the table as Markdown.
func render(figs []figure, head []string, quick bool) string {
	var b strings.Builder
	size := "full size"
	if quick {
		size = "--quick: a tenth of the size; absolute time targets scaled to it, ratios and p95 unscaled"
	}
	fmt.Fprintf(&b, "# postvakt bench (%s)\n\n", size)
	for _, h := range head {
		if h != "" {
			fmt.Fprintf(&b, "- %s\n", h)
		}
	}
	b.WriteString("\n| what | measured | anchor (same run) | ratio | target | verdict |\n|---|---|---|---|---|---|\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", cell(f.What), cell(f.Value), cell(f.Anchor), cell(f.Ratio), cell(f.Target), cell(f.Verdict))
	}
	b.WriteString("\nNotes:\n\n")
	for _, f := range figs {
		if f.Note != "" {
			fmt.Fprintf(&b, "- %s: %s\n", f.What, f.Note)
		}
	}
	return b.String()
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
}
