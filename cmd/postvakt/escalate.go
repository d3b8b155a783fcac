package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/jobs"
	"postvakt/internal/notice"
	"postvakt/internal/printing"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

func runEscalate(ctx context.Context, cfg config.Config, args []string) error {
	fs := newOnceFlags("escalate", "run the escalation once and exit (the scheduled run is part of serve)", "run")
	dry := fs.dryRun("print what would be sent; change nothing")
	show := fs.Bool("show-messages", false, "with --dry-run: print every message in full")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *show && !*dry {
		// Taken for a preview, it would be a run that sends.
		return usageError{fmt.Sprintf("--show-messages goes with --dry-run\n%s", usageOf("escalate"))}
	}
	now := fs.clock.Now()
	a, err := open(ctx, cfg, withPolicies|withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	// The first Ctrl-C or SIGTERM stops taking new work: what is claimed
	// is sent and recorded, or given back for the next run, as serve's
	// stop does (a second signal stops at once).
	ctx, cancel := jobs.SoftStop(ctx, stopGrace)
	defer cancel()
	smtp := needSMTP
	if *dry {
		smtp = dryRun
	}
	esc, err := a.escalator(smtp)
	if err != nil {
		return err
	}
	var printer *printing.Service
	if !*dry {
		if printer, err = a.printer(50); err != nil {
			return err
		}
		esc.Printer = printer
	}
	var sum escalate.Summary
	if *dry {
		esc.OnOutcome = func(o remind.Outcome) { printPreview(stdout, o, *show) }
		sum, err = esc.Preview(ctx, now)
	} else {
		sum, err = esc.Run(ctx, now)
	}
	fmt.Fprintln(stdout, sum.String())
	printSteps(sum.Steps, *dry)
	if len(sum.AddressUnknown) > 0 {
		fmt.Fprintf(stdout, "organisations whose address lookup in Altinn failed (tried again next run): %s\n",
			strings.Join(sum.AddressUnknown, " "))
	}
	if len(sum.NoAddress) > 0 {
		fmt.Fprintf(stdout, "organisations without an e-mail address (add them with `postvakt contacts import`): %s\n",
			strings.Join(sum.NoAddress, " "))
	}
	if err != nil {
		return err
	}
	var ps printing.Summary
	var printErr error // a run in which the provider knew none of the orders: the notices still go out
	if printer != nil {
		ps, err = printer.RunOnce(ctx, now)
		fmt.Fprintf(stdout, "print: %s\n", ps)
		if errors.Is(err, printing.ErrProviderKnowsNone) {
			printErr, err = err, nil
		}
		if err != nil {
			return err
		}
	}
	notices, err := a.notifier()
	if err != nil {
		return err
	}
	if *dry {
		notices.OnNotice = func(o notice.Outcome) { printNotice(o, *show) }
	}
	ns, err := notices.Run(ctx, now, *dry)
	fmt.Fprintln(stdout, ns.String())
	if err != nil {
		return errors.Join(printErr, err)
	}
	if err := printUnresolved(ctx, a.st); err != nil {
		return errors.Join(printErr, err)
	}
	if !*dry {
		return errors.Join(printErr, undelivered(sum, ps, ns), stoppedEarly(sum))
	}
	return printErr
}

// stoppedEarly is the error of a run a signal stopped before it was done
// (it gave back what it had claimed and not begun; the organisations not
// reached wait for the next run): a run from cron must not look fine.
func stoppedEarly(sum escalate.Summary) error {
	if !sum.StoppedEarly {
		return nil
	}
	return fmt.Errorf("stopped before the run was done: %d reminders given back, the rest waits for the next run", sum.GivenBack)
}

// maxUndelivered is how many references the error of undelivered names.
const maxUndelivered = 20

// undelivered is the error of a run in which something due to go out did
// not (a reminder, a notification order, a print order, a notice: the next
// run tries again; a reminder whose outcome is unknown; an organisation
// without a reminder address: escalate.Summary.NotSent; a notice whose
// outcome is unknown or without any address: notice.Summary.NotSent),
// naming them by reference only (notification ids, organisation numbers,
// shipment ids; never a title, unit or address): a run from cron must not
// look fine. nil when everything went out.
func undelivered(sum escalate.Summary, ps printing.Summary, ns notice.Summary) error {
	refs := sum.NotSent()
	for _, id := range ps.NotPlaced {
		refs = append(refs, "print order of shipment "+id)
	}
	refs = append(refs, ns.NotSent()...)
	return notSent(refs)
}

// notSent is the error of a run that left the references' messages
// unsent (at most maxUndelivered named, then how many more); nil when
// there are none.
func notSent(refs []string) error {
	if len(refs) == 0 {
		return nil
	}
	more := ""
	if len(refs) > maxUndelivered {
		more = fmt.Sprintf(" and %d more (see the log)", len(refs)-maxUndelivered)
		refs = refs[:maxUndelivered]
	}
	return fmt.Errorf("not sent this run (see the log): %s%s", strings.Join(refs, ", "), more)
}

// printSteps prints what the run decided (or, dry, would decide), per step,
// sending organisation and unit.
func printSteps(steps []escalate.StepCount, dry bool) {
	if len(steps) == 0 {
		return
	}
	if dry {
		fmt.Fprintln(stdout, "the next run would do, per step, organisation and unit:")
	} else {
		fmt.Fprintln(stdout, "steps due, per step, organisation and unit:")
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "  STEP\tORGANISATION\tUNIT\tPOLICY\tSHIPMENTS\tNOTE\n")
	for _, s := range steps {
		var note []string
		if s.Waiting {
			note = append(note, "waits for the send window")
		}
		if s.Approval {
			note = append(note, "held for approval")
		}
		if s.Unheard {
			note = append(note, "not sent: the channel has never heard of the letter; print follows the policy")
		}
		if s.Person && !s.Unheard {
			note = append(note, "not sent: reminders do not reach persons; print follows the policy")
		}
		if s.Siblings {
			note = append(note, "waits for the organisation's letters not yet answered about by their channel")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\n", s.Step, s.SenderOrg, s.SenderUnit, s.Policy, s.Shipments, strings.Join(note, "; "))
	}
	tw.Flush()
}

// printNotice prints a notice a dry run would send.
func printNotice(o notice.Outcome, full bool) {
	switch o.Status {
	case remind.StatusPreview:
		fmt.Fprintf(stdout, "would send %s notice to %s (%s): %d item(s)\n", o.Kind, o.Group,
			strings.Join(append(append([]string(nil), o.Message.To...), o.Message.Cc...), ", "), o.Refs)
		if full {
			fmt.Fprintf(stdout, "  Subject: %s\n\n%s\n", o.Message.Subject, o.Message.Body)
		}
	case remind.StatusNoAddress:
		fmt.Fprintf(stdout, "cannot send %s notice to %s: no e-mail address; %d item(s) wait\n", o.Kind, o.Group, o.Refs)
	}
}

// printPreview prints what a dry run would send to one organisation.
func printPreview(w io.Writer, o remind.Outcome, full bool) {
	switch o.Status {
	case remind.StatusPreview:
		to := strings.Join(o.Message.To, ", ")
		if o.SMS != "" {
			to = "no e-mail address: through Altinn Notifications, by organisation number"
		}
		fmt.Fprintf(w, "would remind %s (%s): %d shipment(s)\n", o.Org, to, len(o.Shipments))
		for _, s := range o.Shipments {
			fmt.Fprintf(w, "  %s %s %s (reminder %d)\n", s.ShipmentID, s.Channel, s.ChannelID, s.Reminder)
		}
		if full && o.SMS != "" {
			fmt.Fprintf(w, "  SMS (where Altinn has no e-mail address): %s\n", o.SMS)
		}
		if full {
			fmt.Fprintf(w, "  Subject: %s\n  Message-ID: %s\n\n%s\n", o.Message.Subject, o.Message.MessageID, o.Text())
		}
	case remind.StatusNoAddress:
		fmt.Fprintf(w, "cannot remind %s: no e-mail address; %d shipment(s) wait\n", o.Org, len(o.Shipments))
	}
	for _, d := range o.Dropped {
		fmt.Fprintf(w, "  left out %s (reminder %d): %s\n", d.ShipmentID, d.Reminder, d.Detail)
	}
}

// printUnresolved lists reminders whose outcome is unknown: they are never
// sent again by themselves.
func printUnresolved(ctx context.Context, st *store.Store) error {
	un, err := st.UnresolvedNotifications(ctx)
	if err != nil {
		return err
	}
	for _, n := range un {
		if n.Status != store.NotifyUnknown {
			continue
		}
		what, count := listed(n)
		fmt.Fprintf(stdout, "%s %d to %s (%s, claimed %s): outcome unknown, not sent again: %s\n",
			what, n.ID, n.Org, count, n.ClaimedAt.Format(time.RFC3339), n.LastError)
	}
	return nil
}
