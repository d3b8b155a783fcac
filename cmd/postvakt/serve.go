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

	"postvakt/internal/channel/setup"
	"postvakt/internal/config"
	"postvakt/internal/poll"
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
	if _, err := loadPolicies(cfg.Policies); err != nil {
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

	jobs := cron.New()
	if err := scheduleJobs(ctx, jobs, cfg, st, log, reg); err != nil {
		return err
	}
	jobs.Start()
	defer func() { <-jobs.Stop().Done() }()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", web.New(st, log, nil))
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
