package main

import "context"

// Figures of capabilities that live on other branches. Each is a hook with
// the figure's name: when its branch is merged, the hook measures it (with
// its anchor measured in the same run, like the others) instead of
// reporting it pending.
var laterFigures = []struct {
	what, target string
	run          func(ctx context.Context, b *bench) []figure
}{
	{"Digital Post feed throughput (branch dp)", "≥ 80 % of a bare HTTP loop reading the same feed", benchDigitalPostFeed},
	{"health-rule evaluation and incident report (branch health)", "to be set with the feature", benchHealth},
}

// benchDigitalPostFeed is the hook for the Danish Digital Post feed: read
// the simulator's feed of N letters' events with `postvakt poll --once
// --channel digitalpost` beside a bare loop reading the same pages.
func benchDigitalPostFeed(ctx context.Context, b *bench) []figure { return nil }

// benchHealth is the hook for the health rules: evaluate them over the
// large database and render the incident report.
func benchHealth(ctx context.Context, b *bench) []figure { return nil }

// pending is the row of a hook that measures nothing yet.
func pending(what, target string) figure {
	return figure{What: what, Target: target, Verdict: "pending",
		Note: "the feature is not on this branch yet; its hook is in cmd/pvbench/hooks.go"}
}
