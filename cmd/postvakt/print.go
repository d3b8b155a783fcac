package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"postvakt/internal/config"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/printing"
	"postvakt/internal/store"
)

func runPrintList(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	asJSON := fs.Bool("json", false, `print {"orders":[…],"manual":[…],"batches":[…]} as JSON`)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return unexpectedArg(fs, fs.Arg(0))
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	l, err := st.PrintList(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "BATCH\tSTATE\tPOLICY\tPRINTS\tCREATED\tDECIDED BY\n")
	for _, b := range l.Batches {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", b.ID, b.State, b.Policy, b.Count, b.CreatedAt.Format(time.RFC3339), b.DecidedBy)
	}
	fmt.Fprintf(tw, "\nMANUAL HANDLING\tREASON\tDETAIL\n")
	for _, m := range l.Manual {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ShipmentID, m.Reason, m.Detail)
	}
	fmt.Fprintf(tw, "\nPRINT ORDER FOR\tSTATE\tORDER\tPOLICY\n")
	for _, o := range l.Orders {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ShipmentID, o.State, o.OrderID, o.Policy)
	}
	return tw.Flush()
}

// runPrintDecide is print approve and print reject.
func runPrintDecide(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	by := fs.String("by", actor(), "who decides (recorded in the evidence log)")
	arg, err := parseOneArg(fs, args)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return usageError{fmt.Sprintf("BATCH must be a batch number (see postvakt print list), not %q", arg)}
	}
	if strings.TrimSpace(*by) == "" {
		return usageError{"--by must name who decides"}
	}
	if model.HoldsNationalID(*by) {
		return usageError{"--by: a national id is no name (who decides is shown in the batch list and the evidence)"}
	}
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	st := a.st
	svc := printing.New(st, printing.Options{Logger: slog.New(slog.DiscardHandler)})
	// A released print goes back to its address lookup first (the batch
	// may have waited weeks): the next print run queues and sends it, or
	// sends it to manual handling when the organisation ceased meanwhile.
	decide, did := svc.Approve, "released: %d print(s), their addresses looked up again and sent by the next print run"
	left := "; %d of the batch's %d not printed: %s"
	if v.name == "reject" {
		decide, did = svc.Reject, "rejected: %d print order(s) will not be sent"
		left = "; %d of the batch's %d called off before: %s"
	}
	d, err := decide(ctx, id, *by, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no print batch %d", id)
	}
	if err != nil {
		return err
	}
	action := map[string]store.AuditAction{"approve": store.ActPrintRelease, "reject": store.ActPrintReject}[v.name]
	if err := st.Audit(ctx, store.AuditEntry{Actor: actor(), Action: action, Object: "print_batch " + strconv.FormatInt(id, 10),
		Detail: d.AuditDetail() + ", by " + *by, SubjectOrg: store.SubjectAll}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "batch %d "+did, id, d.Decided)
	if d.Skipped > 0 {
		why := "its letter opened, or printed or closed by its channel, since it was held (print_skipped)"
		if d.Skipped > 1 {
			why = "their letters opened, or printed or closed by their channel, since they were held (print_skipped)"
		}
		fmt.Fprintf(stdout, left, d.Skipped, d.Prints, why)
	}
	fmt.Fprintln(stdout)
	return nil
}

func runPrintDrain(ctx context.Context, cfg config.Config, v verbCall, args []string) error {
	fs := v.flags()
	once := fs.Bool("once", false, "send the outbox and poll order statuses once, then exit")
	every := fs.Duration("every", time.Minute, "without --once: how often to run")
	at := nowFlag(fs, "with --once: act")
	batch := fs.Int("batch", 50, "rows claimed at a time")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return unexpectedArg(fs, fs.Arg(0))
	case at.Given() && !*once:
		return usageError{fmt.Sprintf("--now goes with --once\n%s", v.usage())}
	case *every <= 0:
		return usageError{fmt.Sprintf("--every: %s is not a length of time (e.g. 1m)\n%s", *every, v.usage())}
	case *batch <= 0:
		return usageError{fmt.Sprintf("--batch: %d is not a number of rows (at least 1)\n%s", *batch, v.usage())}
	}
	if err := at.check(time.Now(), false, false); err != nil {
		return err
	}
	now := at.Now
	a, err := open(ctx, cfg, withPolicies|withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	svc, err := a.needPrinter(*batch)
	if err != nil {
		return err
	}
	// The first Ctrl-C or SIGTERM stops taking new work: the order in
	// flight is answered and recorded, what is claimed and not sent is
	// given back, as serve's stop does (a second signal stops at once).
	work, cancel := jobs.SoftStop(ctx, stopGrace)
	defer cancel()
	for {
		sum, err := svc.RunOnce(work, now())
		if *once {
			// What the run did, also when it failed (a provider that knows
			// none of the orders fails the run after every answer is
			// recorded): the error follows on standard error, exit 1.
			fmt.Fprintln(stdout, sum.String())
			if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
				// A run from cron that a signal stopped must not look fine.
				err = errors.New("stopped before the run was done: the print orders claimed and not sent were given back; the rest waits for the next run")
			}
			return err
		}
		if err != nil && ctx.Err() == nil {
			a.log.Error("print run failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// printCrashHook is for the crash test only. POSTVAKT_TEST_CRASH_AT=POINT[:N]
// makes the process kill itself with SIGKILL (no cleanup, no deferred
// commits) the N-th time (default the first) it reaches POINT, one of
// printing.CrashAfterOutboxCommit and printing.CrashAfterProviderCall.
// Never set it in production.
func printCrashHook(spec string) (func(string), error) {
	if spec == "" {
		return nil, nil
	}
	point, count, _ := strings.Cut(spec, ":")
	n := 1
	if count != "" {
		var err error
		if n, err = strconv.Atoi(count); err != nil || n < 1 {
			return nil, fmt.Errorf("POSTVAKT_TEST_CRASH_AT: %q: the count after ':' must be a whole number >= 1", spec)
		}
	}
	if point != printing.CrashAfterOutboxCommit && point != printing.CrashAfterProviderCall {
		return nil, fmt.Errorf("POSTVAKT_TEST_CRASH_AT: unknown point %q (%s, %s)", point, printing.CrashAfterOutboxCommit, printing.CrashAfterProviderCall)
	}
	reached := 0
	return func(p string) {
		if p != point {
			return
		}
		if reached++; reached < n {
			return
		}
		fmt.Fprintf(os.Stderr, "POSTVAKT_TEST_CRASH_AT: killing myself at %s\n", p)
		self, err := os.FindProcess(os.Getpid())
		if err == nil {
			_ = self.Kill()
		}
		time.Sleep(time.Hour) // SIGKILL to oneself lands before Kill returns; never go on
	}, nil
}
