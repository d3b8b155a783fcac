package main

import (
	"context"
	"os"

	"postvakt/internal/config"
	"postvakt/internal/sim"
)

func runSim(ctx context.Context, _ config.Config, args []string) error {
	fs := newFlags("sim")
	var rc sim.RunConfig
	fs.StringVar(&rc.Addr, "addr", sim.DefaultAddr, "listen address (port 0 picks a free one)")
	fs.StringVar(&rc.Scenario, "scenario", "demo", "shipped scenario (demo, bergen, faults) or a YAML file")
	fs.Int64Var(&rc.Seed, "seed", 1, "seed: the same seed gives the same world")
	fs.Float64Var(&rc.Speed, "speed", 0, "simulated seconds per real second (0: the scenario's own)")
	fs.IntVar(&rc.Options.MaxRequestLog, "request-log", 0, "requests kept in the request log /sim/requests (0: 100,000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rc.Out = os.Stdout
	return sim.RunWith(ctx, rc)
}
