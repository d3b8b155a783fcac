package main

import (
	"context"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	rc.Out = os.Stdout
	return sim.RunWith(ctx, rc)
}
