package main

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"postvakt/internal/auth"
	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/health"
	"postvakt/internal/jobs"
	"postvakt/internal/opsmetrics"
	"postvakt/internal/poll"
	"postvakt/internal/store"
	"postvakt/internal/upkeep"
	"postvakt/internal/web"
)

// stopGrace bounds each step of a graceful stop: in-flight requests and
// jobs finish (soft stop), then are cancelled (hard stop).
const stopGrace = 20 * time.Second

func runServe(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("serve")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (POSTVAKT_ADDR)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := config.CheckListenAddr(cfg.Addr); err != nil {
		// Before the database is opened and migrated, as POSTVAKT_ADDR's.
		return usageError{fmt.Sprintf("--addr: %v\n%s", err, usageLine(fs))}
	}
	// starting is what a step of the start that failed returns: nil when
	// it was stopped (waiting for the database, migrating, reading what
	// the jobs need before they start), an ordinary stop, nothing begun (a
	// migration is a transaction; no job runs yet), the error else.
	starting := func(err error) error {
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "postvakt serve: stopped before it started:", err)
			return nil
		}
		return err
	}
	a, err := open(ctx, cfg, withPolicies|withMigrate|withMetrics|withSchedule)
	if err != nil {
		return starting(err)
	}
	defer a.Close()
	// The UI's and the API's requests go through a pool of their own, whose
	// statements the database ends after POSTVAKT_STATEMENT_TIMEOUT (the
	// request then answers 503); the jobs keep a.st, without it.
	requests, err := a.st.Interactive(ctx, cfg.StatementTimeout)
	if err != nil {
		return starting(err)
	}
	defer requests.Close()
	a.reg.MustRegister(collectors.NewDBStatsCollector(requests.DB().DB, "postvakt_requests"))
	sched, opts, err := a.background(ctx, requests)
	if err != nil {
		return starting(err)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (POSTVAKT_ADDR, or serve --addr): %w", cfg.Addr, err)
	}
	mux := http.NewServeMux()
	ui := web.New(requests, a.log, nil, append(opts, web.WithSecureCookies(cfg.SecureCookies), web.WithFollowUpDays(cfg.FollowUpDays),
		web.WithLiveness(sched), web.WithStopping(ctx.Done()), web.WithPolicies(a.set))...)
	mux.Handle("GET /metrics", ui.Protect(promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}), auth.ViewOperations))
	mux.Handle("/", ui)
	srv := httpServer(mux, a.log)
	sched.Start()
	// What runs, as `postvakt version` says it: the commit only where
	// version control information was kept.
	built := thisBuild()
	serving := []any{"addr", "http://" + ln.Addr().String(), "schema", a.schema, "policies", len(a.set.Policies()), "version", built.Version}
	if built.Revision != "" {
		serving = append(serving, "revision", built.Revision)
	}
	a.log.Info("postvakt serving", serving...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		sched.Stop(stopGrace)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: no new work; letting what runs finish", "grace", stopGrace, "drain", cfg.StopDrain)
	stopping := time.Now()
	sched.Stop(stopGrace)
	// The listener stays open for the drain at least, /readyz answering
	// stopping, also when no job had anything to finish: a load balancer
	// learns of the stop only from its probes, and sends requests here
	// until they fail (closed at once, those were refused).
	if wait := time.Until(stopping.Add(cfg.StopDrain)); wait > 0 {
		time.Sleep(wait)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shut down: %w", err)
		}
		// A request still running after the grace (a long export, a
		// client that never sends its body) is cut: the stop is an
		// ordinary one all the same, not a failure.
		a.log.Warn("HTTP requests still running after the grace period: cutting them", "grace", stopGrace)
		_ = srv.Close()
	}
	// The last line of a clean stop: without it, the log of a process
	// killed during the stop (an orchestrator's too short stop timeout)
	// would end as this one's does.
	a.log.Info("postvakt stopped", "took", time.Since(stopping).Round(time.Millisecond))
	return nil
}

// httpServer is serve's HTTP server for h. What the server itself reports
// (a handler's panic, a superfluous WriteHeader, an accept error) is an
// error record of log, as everything else serve says: not a line of the
// standard logger on stderr, which a JSON log's reader cannot parse.
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ErrorLog:          stdlog.New(serverErrors{log}, "", 0),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
}

// serverErrors writes each line the HTTP server logs as an error record,
// the text under error and a panic's stack, when there is one, under stack.
type serverErrors struct{ log *slog.Logger }

func (w serverErrors) Write(p []byte) (int, error) {
	text, stack, _ := strings.Cut(strings.TrimRight(string(p), "\n"), "\n")
	attrs := []any{"error", text}
	if stack != "" {
		attrs = append(attrs, "stack", stack)
	}
	w.log.Error("the HTTP server reports an error", attrs...)
	return len(p), nil
}

// background schedules serve's jobs: polling per configured channel (every
// replica), and once cluster-wide the escalation run (reminders, print
// due), the print outbox and status poll, the names job (organisation names
// from the registers) and the store's upkeep. It
// returns the web options the jobs imply (print approvals, the preview of
// the next escalation run and its schedule), and the health alerts' pages, all reading and
// writing through requests (the requests' store, with its statement
// timeout): the jobs themselves keep a.st.
func (a *app) background(ctx context.Context, requests *store.Store) (*jobs.Scheduler, []web.Option, error) {
	sched := jobs.New(a.log, a.st)
	sched.Require(a.st.SchemaCurrent)
	if err := sched.Instrument(a.registerer()); err != nil {
		return nil, nil, fmt.Errorf("job metrics: %w", err)
	}
	chans, err := a.channels()
	if err != nil {
		return nil, nil, err
	}
	if len(chans) == 0 {
		a.log.Warn("no channel configured: nothing is polled (set a channel's POSTVAKT_<CHANNEL>_URL)")
	}
	poller := poll.New(a.st, a.log, poll.Options{Metrics: poll.NewMetrics(a.reg), Lease: a.cfg.PollLease, MaxWait: a.cfg.PollMaxWait, Activity: a.st})
	if err := poller.Schedule(sched, a.cfg.PollSchedule, chans); err != nil {
		return nil, nil, err
	}
	// The UI offers the configured channels only (all of them when none is).
	names := make([]string, len(chans))
	for i, c := range chans {
		names[i] = c.Name()
	}
	orders, err := a.notificationOrders(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts := []web.Option{web.WithChannels(names), web.WithNotificationOrders(orders)}
	printer, err := a.printer(50)
	if err != nil {
		return nil, nil, err
	}
	esc, err := a.escalator(waitSMTP)
	if err != nil {
		return nil, nil, err
	}
	esc.Printer = printer
	if printer.HasProvider() {
		opts = append(opts, web.WithPrintApprovals(printer.Over(requests)))
	} else {
		a.log.Warn("POSTVAKT_PRINT_URL is not set: no print provider; print-due shipments of print.via: provider policies wait in stage print_due " +
			"(print.via: digitalpost still goes to the sending unit's manual-handling list)")
	}
	if err := sched.Once(a.cfg.PrintSchedule, "print", printer.Job); err != nil {
		return nil, nil, err
	}
	// The escalation run holds the lock a one-off `escalate --once` takes.
	// The UI is told its schedule (when a reminder waiting for the next
	// run goes out).
	if err := sched.Once(a.cfg.EscalateSchedule, escalate.LockName, esc.Job); err != nil {
		return nil, nil, err
	}
	runs, err := escalate.NewRuns(a.cfg.EscalateSchedule, a.set)
	if err != nil {
		return nil, nil, err
	}
	if err := reachesWindows(runs, a.cfg.EscalateSchedule, time.Now()); err != nil {
		// Said, not refused: a schedule that never fires in a window
		// also keeps a replica's escalation idle (0 0 1 1 *).
		a.log.Error("reminders never go out under this escalation schedule", "error", err)
	}
	opts = append(opts, web.WithPreview(previewOver(esc, requests)), web.WithAlerts(web.StoreAlerts(requests)), web.WithEscalationRuns(runs))
	if err := a.scheduleNames(sched); err != nil {
		return nil, nil, err
	}
	notices, err := a.notifier()
	if err != nil {
		return nil, nil, err
	}
	if err := sched.Once(a.cfg.NoticeSchedule, "notices", notices.Job); err != nil {
		return nil, nil, err
	}
	ev, err := a.health(chans)
	if err != nil {
		return nil, nil, err
	}
	if err := sched.Once(a.cfg.Health.Schedule, health.LockName, ev.Job); err != nil {
		return nil, nil, err
	}
	// GET /rules shows the rules the evaluation runs by.
	opts = append(opts, web.WithHealthRules(ev.Config))
	a.reg.MustRegister(health.NewCollector(a.st, a.log, nil), opsmetrics.New(a.st, a.log, nil, channelNames(chans)))
	up := &upkeep.Upkeep{Store: a.st, Log: a.log, Policies: a.set, RetentionYears: a.cfg.RetentionYears}
	if err := up.Schedule(sched); err != nil {
		return nil, nil, err
	}
	return sched, opts, nil
}

// channelNames are the configured channels' names.
func channelNames(chans []channel.Adapter) []string {
	names := make([]string, len(chans))
	for i, ch := range chans {
		names[i] = ch.Name()
	}
	return names
}

// notificationOrders is whether the menu links to the orders Altinn
// Notifications refused (/refused): with POSTVAKT_NOTIFICATIONS_URL set,
// and without it as long as orders placed before it was unset are still
// listed there, so that a compliance officer is not left without the way
// to them. Without the URL no order is placed, so the list cannot grow
// after the start.
func (a *app) notificationOrders(ctx context.Context) (bool, error) {
	if a.cfg.Altinn.NotificationsURL != "" {
		return true, nil
	}
	refused, err := a.st.RefusedOrdersIn(ctx, store.Scope{}, 1)
	if err != nil {
		return false, fmt.Errorf("look for refused Altinn Notifications orders: %w", err)
	}
	return refused.Total > 0, nil
}

// reachesWindows says what is wrong with an escalation schedule none of
// whose runs falls inside a policy's send window (escalate.Runs.Unreached):
// every reminder under it would wait at every run, for ever, and its
// letters go to print unreminded.
func reachesWindows(runs *escalate.Runs, spec string, now time.Time) error {
	ps := runs.Unreached(now)
	if len(ps) == 0 {
		return nil
	}
	var names []string
	for _, p := range ps {
		w := p.SendWindow
		days := ""
		if w.BusinessDaysOnly {
			days = " on business days"
		}
		names = append(names, fmt.Sprintf("%s (%s-%s%s, %s)", p.Name, w.From, w.To, days, w.Location))
	}
	return fmt.Errorf("POSTVAKT_ESCALATE_SCHEDULE: %q: no escalation run falls inside the send window of policy %s within a year: "+
		"its reminders would never go out; run the escalation inside the window (the default */15 * * * * does)", spec, strings.Join(names, ", policy "))
}
