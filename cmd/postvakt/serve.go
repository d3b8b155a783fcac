package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/robfig/cron/v3"

	"postvakt/internal/auth"
	"postvakt/internal/channel/setup"
	"postvakt/internal/config"
	"postvakt/internal/escalate"
	"postvakt/internal/policy"
	"postvakt/internal/poll"
	"postvakt/internal/printing"
	"postvakt/internal/store"
	"postvakt/internal/web"
)

func runServe(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("serve")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (POSTVAKT_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := cfg.Logger()
	if err != nil {
		return err
	}
	set, err := loadPolicies(cfg.Policies)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var printer *printing.Service
	if cfg.PrintURL != "" {
		if printer, err = newPrintService(st, log, set, 50); err != nil {
			return err
		}
	} else {
		log.Warn("POSTVAKT_PRINT_URL is not set: no print fallback; print-due shipments wait in stage print_due")
	}
	jobs := cron.New()
	if err := scheduleJobs(ctx, jobs, cfg, st, log, reg); err != nil {
		return err
	}
	if err := scheduleEscalation(ctx, jobs, cfg, st, set, printer, log); err != nil {
		return err
	}
	jobs.Start()
	defer func() { <-jobs.Stop().Done() }()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	mux := http.NewServeMux()
	opts := []web.Option{web.WithSecureCookies(cfg.SecureCookies), web.WithFollowUpDays(cfg.FollowUpDays)}
	if printer != nil {
		opts = append(opts, web.WithPrintApprovals(printer))
	}
	ui := web.New(st, log, nil, opts...)
	mux.Handle("GET /metrics", ui.Protect(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), auth.ViewOperations))
	mux.Handle("/", ui)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("postvakt serving", "addr", "http://"+ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// scheduleJobs adds the background work to the cron scheduler: polling per
// configured channel.
func scheduleJobs(ctx context.Context, jobs *cron.Cron, cfg config.Config, st *store.Store, log *slog.Logger, reg prometheus.Registerer) error {
	chans, err := setup.Build(cfg, log, reg)
	if err != nil {
		return err
	}
	if len(chans) == 0 {
		log.Warn("no channel configured: nothing is polled (set POSTVAKT_SVARUT_URL and/or POSTVAKT_ALTINN_URL)")
		return nil
	}
	poller := poll.New(st, log, poll.Options{Metrics: poll.NewMetrics(reg)})
	if err := poll.Schedule(ctx, jobs, cfg.PollSchedule, poller, chans, log); err != nil {
		return err
	}
	for _, ch := range chans {
		log.Info("polling scheduled", "channel", ch.Name(), "schedule", cfg.PollSchedule)
	}
	return nil
}

// scheduleEscalation adds the jobs that must run once cluster-wide: the
// escalation run (reminders, print due), the print outbox and status poll,
// the list rollups, follow-up creation, and the nightly retention purge.
func scheduleEscalation(ctx context.Context, jobs *cron.Cron, cfg config.Config, st *store.Store, set *policy.Set, printer *printing.Service, log *slog.Logger) error {
	esc, err := buildEscalator(cfg, st, set, log, false)
	if err != nil {
		return err
	}
	if printer != nil {
		esc.Printer = printer
	}
	once := func(name string, fn func(ctx context.Context) error) func() {
		return func() {
			if _, err := st.TryExclusive(ctx, name, fn); err != nil {
				log.Error("scheduled job failed", "job", name, "err", err)
			}
		}
	}
	add := func(spec, name string, fn func(ctx context.Context) error) error {
		if _, err := jobs.AddFunc(spec, once(name, fn)); err != nil {
			return fmt.Errorf("schedule %s with %q: %w", name, spec, err)
		}
		return nil
	}
	// The escalation run takes its own cluster-wide lock (escalate.ErrBusy).
	if _, err := jobs.AddFunc(cfg.EscalateSchedule, func() {
		sum, err := esc.Run(ctx, time.Now())
		switch {
		case err == nil:
			log.Info("escalation run", "summary", sum.String())
		case !errors.Is(err, escalate.ErrBusy):
			log.Error("scheduled job failed", "job", "escalate", "err", err)
		}
	}); err != nil {
		return fmt.Errorf("schedule escalate with %q: %w", cfg.EscalateSchedule, err)
	}
	if printer != nil {
		if err := add("@every 1m", "print", func(ctx context.Context) error {
			_, err := printer.RunOnce(ctx, time.Now())
			return err
		}); err != nil {
			return err
		}
	}
	if err := add("@every 1m", "list-rollups", st.RefreshListSummaries); err != nil {
		return err
	}
	if err := add("@hourly", "follow-ups", func(ctx context.Context) error {
		now := time.Now()
		_, err := st.OpenFollowUps(ctx, now.AddDate(0, 0, -cfg.FollowUpUnread), now.AddDate(0, 0, cfg.FollowUpDays))
		return err
	}); err != nil {
		return err
	}
	return add("30 2 * * *", "retention", func(ctx context.Context) error {
		now := time.Now()
		p, err := st.PurgeBefore(ctx, now.AddDate(-cfg.RetentionYears, 0, 0), "system:retention")
		if err != nil {
			return err
		}
		log.Info("retention purge", "purged", fmt.Sprintf("%+v", p))
		_, err = st.PurgeSessions(ctx, now)
		return err
	})
}
