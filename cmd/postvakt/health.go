package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"postvakt/internal/config"
	"postvakt/internal/health"
	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// runHealth is `postvakt health --once [--now T] [--dry-run]`: one
// evaluation of the health rules as of T. It records and sends what fires
// or resolves (with --dry-run: nothing), and prints one line per firing
// alert and per resolution:
//
//	FIRING rule=stuck severity=critical channel=svarut sender=964338531 unit_id=17 affected=57
//	RESOLVED rule=channel_silent severity=critical channel=altinn affected=0
//
// A muted (inhibited) alert's line ends in "inhibited=true". It exits 1
// when an alert notice (e-mail, webhook) failed or its outcome is unknown
// (this evaluation's, or an earlier one's found expired), or an alert due
// to be told has a route that reaches no one (health.NotifyResult.NotSent),
// naming them by reference only (notSent): a run from cron must not look
// fine.
func runHealth(ctx context.Context, cfg config.Config, args []string) error {
	fs := newOnceFlags("health", "evaluate once and exit (serve evaluates on POSTVAKT_HEALTH_SCHEDULE)", "evaluate")
	dry := fs.dryRun("record and send nothing; print what would fire, resolve and be sent")
	if err := fs.parse(args); err != nil {
		return err
	}
	now := fs.clock.Now()
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	// The channels, for the client certificates certificate_expiring
	// reads (opening one calls nothing).
	chans, err := a.channels()
	if err != nil {
		return err
	}
	ev, err := a.health(chans)
	if err != nil {
		return err
	}
	// The first Ctrl-C or SIGTERM stops claiming alert notices: the one
	// being sent is sent and recorded, the others wait for the next
	// evaluation, as serve's stop does (a second signal stops at once).
	// Before, the signal cancelled the run: it exited on the next claim's
	// "context canceled".
	work, cancel := jobs.SoftStop(ctx, stopGrace)
	defer cancel()
	res, err := ev.Run(work, now, *dry)
	if errors.Is(err, health.ErrBusy) {
		return fmt.Errorf("%w: try again when it is done", err)
	}
	if jobs.Draining(work) {
		// A run from cron must not look complete.
		err = errors.Join(err, errors.New("stopped before the evaluation was done: the alert notices not sent wait for the next evaluation"))
	}
	for _, l := range alertLines(res) {
		fmt.Fprintln(stdout, l)
	}
	n := res.Notices
	for _, p := range n.Planned {
		what := p.Status
		if *dry {
			what = "would send"
		}
		if what != "" {
			fmt.Fprintf(os.Stderr, "notice %s to %s: %s\n", what, p.Destination, p.Subject)
		}
	}
	if *dry {
		return err
	}
	fmt.Fprintf(os.Stderr, "notices: sent=%d failed=%d unknown=%d\n", n.Sent, n.Failed, n.Unknown)
	if err != nil {
		return err
	}
	return notSent(n.NotSent())
}

// alertLines are the FIRING and RESOLVED lines of an evaluation, in the
// rules' order, then by labels.
func alertLines(res health.Result) []string {
	line := func(status string, a store.Alert) string {
		s := fmt.Sprintf("%s rule=%s severity=%s %s affected=%d", status, a.Rule, a.Severity, health.OutwardLabels(a), a.Affected)
		if a.Inhibited && status == "FIRING" {
			s += " inhibited=true"
		}
		return s
	}
	order := func(as []store.Alert) []store.Alert {
		as = slices.Clone(as)
		sort.SliceStable(as, func(i, j int) bool {
			ri, rj := slices.Index(policy.HealthRules, as[i].Rule), slices.Index(policy.HealthRules, as[j].Rule)
			if ri != rj {
				return ri < rj
			}
			return health.OutwardLabels(as[i]).String() < health.OutwardLabels(as[j]).String()
		})
		return as
	}
	var out []string
	for _, a := range order(res.Firing) {
		out = append(out, line("FIRING", a))
	}
	for _, a := range order(res.Resolved) {
		out = append(out, line("RESOLVED", a))
	}
	return out
}

// healthSummary says which health rules `policy check` found on.
func healthSummary(h *policy.Health) string {
	var on []string
	for _, r := range policy.HealthRules {
		if h.Common(r).Enabled {
			on = append(on, r)
		}
	}
	src := h.File
	if src == "" {
		src = "health rules (no " + policy.HealthFile + ": defaults)"
	}
	return fmt.Sprintf("%s: %d of %d health rules on (%s), all valid", src, len(on), len(policy.HealthRules), strings.Join(on, ", "))
}
