// Command pvchaos is postvakt's crash test, run by `make chaos`: serve is
// SIGKILLed at random moments (100 times by default) while it polls,
// escalates, reminds and prints against the simulator, and the simulator's
// and mailpit's records are compared with the database afterwards (see
// internal/chaos). It prints the counts and exits 1 on any duplicate or
// loss.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"postvakt/internal/chaos"
)

func main() {
	var cfg chaos.Config
	flag.StringVar(&cfg.Postvakt, "postvakt", "bin/postvakt", "the postvakt binary")
	flag.StringVar(&cfg.Mailpit, "mailpit", "", "the mailpit binary (scripts/mailpit.sh)")
	flag.StringVar(&cfg.PGScript, "pg-script", "scripts/pg.sh", "scripts/pg.sh, which runs the test's own PostgreSQL cluster")
	flag.IntVar(&cfg.Kills, "kills", 100, "SIGKILLs")
	flag.IntVar(&cfg.Letters, "letters", 3000, "letters in the simulated world")
	flag.IntVar(&cfg.Orgs, "orgs", 300, "receiving organisations")
	flag.DurationVar(&cfg.MaxGap, "max-gap", 2500*time.Millisecond, "longest time a replica runs before a kill")
	flag.Float64Var(&cfg.Speed, "speed", 120, "the simulator's clock speed")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed (kill moments, world)")
	keep := flag.Bool("keep", false, "keep the work folder (logs, the cluster)")
	flag.Parse()
	cfg.Seed = *seed
	cfg.Log = os.Stderr
	if cfg.Mailpit == "" {
		fmt.Fprintln(os.Stderr, "pvchaos: --mailpit is required (scripts/chaos.sh passes it)")
		os.Exit(2)
	}
	for _, p := range []*string{&cfg.Postvakt, &cfg.PGScript} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pvchaos:", err)
			os.Exit(2)
		}
		*p = abs
	}
	work, err := os.MkdirTemp("", "pvchaos")
	if err == nil {
		err = os.Chmod(work, 0o755) // the cluster may run as another user (scripts/pg.sh)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pvchaos:", err)
		os.Exit(1)
	}
	cfg.Work = work
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "pvchaos: seed %d, work folder %s\n", cfg.Seed, work)
	rep, err := chaos.Run(ctx, cfg)
	if !*keep && err == nil && !rep.Failed() {
		os.RemoveAll(work)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pvchaos:", err)
		os.Exit(1)
	}
	fmt.Print(rep.String())
	if rep.Failed() {
		fmt.Fprintln(os.Stderr, "pvchaos: logs kept in", work)
		os.Exit(1)
	}
}
