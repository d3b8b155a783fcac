package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"postvakt/internal/config"
	"postvakt/internal/sim"
)

func runSim(ctx context.Context, _ config.Config, args []string) error {
	fs := newFlags("sim")
	var rc sim.RunConfig
	fs.StringVar(&rc.Addr, "addr", sim.DefaultAddr, "listen address (port 0 picks a free one)")
	fs.StringVar(&rc.Scenario, "scenario", "demo", "shipped scenario ("+strings.Join(sim.ShippedScenarios(), ", ")+") or a YAML file")
	fs.Int64Var(&rc.Seed, "seed", 1, "seed: the same seed gives the same world")
	fs.Float64Var(&rc.Speed, "speed", 0, "simulated seconds per real second (0: the scenario's own)")
	fs.DurationVar(&rc.Behind, "behind", 0, "start the simulated time this far behind the real time (e.g. 48h): it catches up at the "+
		"speed, then keeps to the real time, never ahead of it (postvakt refuses statuses dated in the future); the scenario's "+
		"times count from the real time, so the letters of that lead are sent while it catches up. "+
		"0: start at the real time (or the scenario's start) and run ahead")
	fs.IntVar(&rc.Options.MaxRequestLog, "request-log", 0, "requests kept in the request log /sim/requests (0: 100,000)")
	fs.StringVar(&rc.KeyDir, "key-dir", "", "folder of the Maskinporten client key the simulator accepts (maskinporten.pem, "+
		"made when missing); default a new temporary folder. Printed as POSTVAKT_MASKINPORTEN_KEY_FILE")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return unexpectedArg(fs, fs.Arg(0))
	case rc.Speed < 0:
		return usageError{fmt.Sprintf("--speed: %g is not a speed (simulated seconds per real second, 0: the scenario's own)", rc.Speed)}
	case rc.Behind < 0:
		return usageError{fmt.Sprintf("--behind: %s is not a lead (e.g. 48h: how far the clock starts behind the real time)", rc.Behind)}
	case rc.Options.MaxRequestLog < 0:
		return usageError{fmt.Sprintf("--request-log: %d is not a number of requests (0: 100,000)", rc.Options.MaxRequestLog)}
	}
	if rc.KeyDir == "" {
		dir, err := os.MkdirTemp("", "postvakt-sim-")
		if err != nil {
			return fmt.Errorf("simulator: key folder: %w", err)
		}
		rc.KeyDir = dir
	}
	// Each API checks a token's scopes as the real service does (403
	// without a body when its policy refuses them), so the demo and the
	// benchmarks run postvakt's own scopes past them.
	rc.Options.RequireScopes = true
	rc.Out = os.Stdout
	return sim.RunWith(ctx, rc)
}
