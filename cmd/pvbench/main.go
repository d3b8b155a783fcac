// Command pvbench is postvakt's load tool, run by `make bench`. It measures
// the SPEC targets that need real processes and prints one table: each
// figure beside its anchor measured in the same run (a bare HTTP loop, a
// bare COPY) and its target, met or not met by how much. It writes the same
// table to bench/results.md.
//
// It needs a throwaway PostgreSQL cluster (--pg, the admin URL; it creates
// and drops its own databases there and uses server-side COPY, so the user
// must be a superuser, as in scripts/pg.sh's clusters), the postvakt binary
// and mailpit. scripts/bench.sh provides them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

type options struct {
	postvakt string
	pg       string
	mailpit  string
	out      string
	quick    bool
	only     string
	keep     bool
}

// sizes are the figures' sizes: full, or a tenth with --quick. replicas
// is 16 batches of SvarUt's 500 ids at both sizes: one, two and four
// replicas with four workers each then poll in whole rounds of batches
// (four, two, one), and a last round half used by one replica count does
// not blur the ratio (10,000 letters, 20 batches, gave 1.66× at two
// replicas where 8,000 gave 1.93× and 16,000 nearly 2×, in twice the time).
type sizes struct {
	letters, orgs, poll, replicas, feed int
}

func main() {
	var opt options
	flag.StringVar(&opt.postvakt, "postvakt", "bin/postvakt", "the postvakt binary")
	flag.StringVar(&opt.pg, "pg", "", "admin URL of a throwaway PostgreSQL cluster (superuser), e.g. postgres://pvadmin@/postgres?host=/tmp/pg")
	flag.StringVar(&opt.mailpit, "mailpit", "", "the mailpit binary (scripts/mailpit.sh)")
	flag.StringVar(&opt.out, "out", "bench/results.md", "where the table is written too (\"\" = nowhere)")
	flag.BoolVar(&opt.quick, "quick", false, "a tenth of the size (100,000 letters instead of 1,000,000, …)")
	flag.StringVar(&opt.only, "only", "", "comma-separated sections to run: import,escalate,lists,poll,replicas,feed,health (later = feed,health; default all), and sending (not in the default)")
	flag.BoolVar(&opt.keep, "keep", false, "keep the work folder (logs of every process)")
	flag.Parse()
	if opt.pg == "" {
		fmt.Fprintln(os.Stderr, "pvbench: --pg is required (scripts/bench.sh starts a cluster)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opt); err != nil {
		fmt.Fprintln(os.Stderr, "pvbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opt options) error {
	started := time.Now()
	work, err := os.MkdirTemp("", "pvbench")
	if err != nil {
		return err
	}
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}
	if opt.keep {
		fmt.Fprintln(os.Stderr, "pvbench: work folder (logs):", work)
	} else {
		defer os.RemoveAll(work)
	}
	if opt.postvakt, err = filepath.Abs(opt.postvakt); err != nil {
		return err
	}
	b := &bench{opt: opt, work: work, rss: map[string]int64{}, size: sizes{letters: 1000000, orgs: 10000, poll: 100000, replicas: 8000, feed: 25000}}
	if opt.quick {
		b.size = sizes{letters: 100000, orgs: 1000, poll: 10000, replicas: 8000, feed: 5000}
	}
	want := b.want
	if b.mail, err = b.startMailpit(ctx); err != nil {
		return err
	}
	defer b.mail.close()

	var figs []figure
	section := func(name string, fn func() []figure) {
		if !want(name) || ctx.Err() != nil {
			return
		}
		fmt.Fprintf(os.Stderr, "pvbench: %s …\n", name)
		t := time.Now()
		got := fn()
		for _, f := range got {
			fmt.Fprintf(os.Stderr, "  %s: %s %s %s\n", f.What, f.Value, f.Ratio, f.Verdict)
		}
		fmt.Fprintf(os.Stderr, "pvbench: %s took %s\n", name, time.Since(t).Round(time.Second))
		figs = append(figs, got...)
	}
	var big *bigDB
	needBig := want("import") || want("escalate") || want("lists") || want("health")
	if needBig {
		section("import", func() []figure {
			var f []figure
			big, f = b.benchImport(ctx)
			return f
		})
		if big == nil && !want("import") {
			// escalate, lists or the health figures alone still need the large database.
			big, _ = b.benchImport(ctx)
		}
	}
	b.big = big
	if big != nil {
		section("escalate", func() []figure { return b.benchEscalation(ctx, big, want("sending")) })
		// Holding the run's 20,000 messages, mailpit went on using a
		// quarter of a core: it would take it from the sections after.
		b.mail.close()
		section("lists", func() []figure { return b.benchLists(ctx, big) })
	}
	section("poll", func() []figure { return b.benchPoll(ctx) })
	section("replicas", func() []figure { return b.benchReplicas(ctx) })
	section("feed", func() []figure { return benchDigitalPostFeed(ctx, b) })
	section("health", func() []figure { return benchHealth(ctx, b) })
	figs = append(figs, b.memoryFigure())

	table := render(figs, machine(started), opt.quick)
	fmt.Print(table)
	if opt.out != "" {
		if err := os.MkdirAll(filepath.Dir(opt.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(opt.out, []byte(table), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "pvbench: table written to", opt.out)
	}
	return ctx.Err()
}

// optional are the sections only --only runs: sending (the many-due
// escalation run that sends, 50 s at full size) measures nothing that the
// reminders and deciding figures do not already bound.
var optional = map[string]bool{"sending": true}

// want says whether a section runs: all but the optional ones by default,
// else those --only names (later = feed,health; sending comes after the
// escalate section's runs, so it brings them).
func (b *bench) want(s string) bool {
	only := "," + b.opt.only + ","
	switch {
	case strings.Contains(only, ","+s+","):
		return true
	case s == "escalate" && strings.Contains(only, ",sending,"):
		return true
	case b.opt.only == "":
		return !optional[s]
	default:
		return (s == "feed" || s == "health") && strings.Contains(only, ",later,")
	}
}

// scaled is an absolute time target at the run's size: a tenth with
// --quick.
func (b *bench) scaled(d time.Duration) time.Duration {
	if b.opt.quick {
		return d / 10
	}
	return d
}

// memoryFigure is the largest peak RSS of any postvakt process of the run.
func (b *bench) memoryFigure() figure {
	what := fmt.Sprintf("peak RSS of postvakt at %s letters", thousands(b.size.letters))
	target := "< 200 MB"
	var top string
	var max int64
	var parts []string
	labels := make([]string, 0, len(b.rss))
	for label := range b.rss {
		labels = append(labels, label)
	}
	sort.Strings(labels)
	for _, label := range labels {
		rss := b.rss[label]
		parts = append(parts, fmt.Sprintf("%s %d MB", label, rss>>20))
		if rss > max {
			max, top = rss, label
		}
	}
	if max == 0 {
		return figure{What: what, Target: target, Verdict: "FAILED", Note: "no process measured"}
	}
	return figure{What: what, Value: fmt.Sprintf("%d MB (%s)", max>>20, top), Target: target,
		Verdict: verdict(max < 200<<20, fmt.Sprintf("%d MB over", (max-200<<20)>>20)),
		Note:    "largest peak RSS (kernel rusage) of each process: " + strings.Join(parts, ", ")}
}
