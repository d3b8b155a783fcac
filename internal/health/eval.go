package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Store is what an evaluation needs of the store.
type Store interface {
	TryExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)
	DeliveryTimes(ctx context.Context, since, now time.Time, q float64, scheduled []string) ([]store.DeliveryTime, error)
	ChannelActivities(ctx context.Context, since, until time.Time) ([]store.ChannelActivity, error)
	UnitFacts(ctx context.Context, q store.UnitQuery) ([]store.UnitFacts, error)
	SystemFacts(ctx context.Context, q store.UnitQuery) ([]store.SystemFacts, error)
	RejectionFacts(ctx context.Context, now time.Time, window, baseline time.Duration) ([]store.RejectionFacts, error)
	NeverOpeningOrgs(ctx context.Context, now time.Time, over, minAge time.Duration, letters int) ([]store.OrgFacts, error)
	SilencesEnded(ctx context.Context, since time.Time) (map[string]store.Silence, error)
	CountIncidents(ctx context.Context, fs []store.IncidentFilter) ([]int, error)
	FiringAlerts(ctx context.Context) ([]store.Alert, error)
	ApplyAlerts(ctx context.Context, c store.AlertChanges) ([]store.Alert, error)
	PruneChannelCalls(ctx context.Context, before time.Time) error
	PrintProviderFacts(ctx context.Context, bound, unprinted time.Time) (store.PrintProviderFacts, error)
	UnitID(ctx context.Context, senderOrg, unit string) (int64, error)
	NoticeStore
}

// ErrBusy is returned by Run when another evaluation holds the
// cluster-wide lock.
var ErrBusy = errors.New("another health evaluation is in progress")

// Evaluator evaluates the health rules: the scheduled job in serve and
// `postvakt health --once` both call Run.
type Evaluator struct {
	Store    Store
	Config   *policy.Health
	Notifier *Notifier // nil: alerts are recorded, not sent
	// Channels are the channels to learn delivery times for; default every
	// registered channel.
	Channels []string
	// Certificates are the opened channels that present a client
	// certificate (certificate_expiring reads their files at each
	// evaluation); none: the rule finds nothing.
	Certificates []channel.Certified
	// PrintProvider is the print provider's host (POSTVAKT_PRINT_URL's);
	// "" without a print provider: print_provider_silent then reads
	// nothing.
	PrintProvider string
	Logger        *slog.Logger
}

// Result is what one evaluation found and did.
type Result struct {
	Now    time.Time
	DryRun bool
	// Firing are the alerts firing after the evaluation (a dry run: those
	// that would), Fired the ones that started, Resolved the ones that
	// cleared.
	Firing, Fired, Resolved []store.Alert
	Notices                 NotifyResult
}

// Run evaluates the rules as of now, records what fires and resolves, and
// notifies. With dryRun it records and sends nothing and reports what it
// would do. It returns ErrBusy when another evaluation is running.
func (e *Evaluator) Run(ctx context.Context, now time.Time, dryRun bool) (Result, error) {
	if dryRun {
		return e.run(ctx, now, true)
	}
	var res Result
	err := jobs.Exclusive(ctx, e.Store, LockName, ErrBusy, func(ctx context.Context) (err error) {
		res, err = e.run(ctx, now, false)
		return err
	})
	return res, err
}

// LockName is the cluster-wide lock an evaluation runs under.
const LockName = "health"

// Job is the scheduled evaluation as of now, logged. Schedule it with
// jobs.Scheduler.Once under LockName: Once holds the lock Run takes, so a
// scheduled evaluation and `postvakt health --once` never run together.
func (e *Evaluator) Job(ctx context.Context) error {
	res, err := e.run(ctx, time.Now(), false)
	if err != nil {
		return fmt.Errorf("health evaluation: %w", err)
	}
	e.logger().Info("health evaluation", "firing", len(res.Firing), "fired", len(res.Fired), "resolved", len(res.Resolved),
		"sent", res.Notices.Sent, "failed", res.Notices.Failed, "unknown", res.Notices.Unknown, "not_sent", len(res.Notices.NotSent()))
	return nil
}

func (e *Evaluator) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

func (e *Evaluator) run(ctx context.Context, now time.Time, dry bool) (Result, error) {
	res := Result{Now: now, DryRun: dry}
	f, err := e.Gather(ctx, now)
	if err != nil {
		return res, err
	}
	firing, err := e.Store.FiringAlerts(ctx)
	if err != nil {
		return res, err
	}
	f.Firing = make(map[string]bool, len(firing))
	for _, a := range firing {
		f.Firing[a.Fingerprint] = true
	}
	conds := InhibitKept(e.Config.Inhibit, Evaluate(e.Config, f), firing, e.Config.KeepFiringFor, now)
	// The affected letters are counted through each alert's selector, the
	// same conditions the e-mail and the incident report use, so the three
	// agree; every alert's at once (store.CountIncidents).
	sels := make([]store.IncidentFilter, len(conds))
	for i := range conds {
		sels[i] = conds[i].Selector
	}
	counts, err := e.Store.CountIncidents(ctx, sels)
	if err != nil {
		return res, fmt.Errorf("count the letters of %d alerts: %w", len(conds), err)
	}
	for i := range conds {
		conds[i].Affected = counts[i]
	}
	changes := Diff(firing, conds, e.Config.KeepFiringFor, now)
	resolving := map[int64]bool{}
	for _, id := range changes.Resolve {
		resolving[id] = true
	}
	for _, a := range firing {
		if resolving[a.ID] {
			a.Status, a.ResolvedAt = store.AlertResolved, &now
			res.Resolved = append(res.Resolved, a)
		}
	}
	if dry {
		// Read back, an alert has its unit's id (store.Alert.UnitID); a
		// new one not recorded is given it here, for the output.
		for i, a := range changes.Fire {
			if a.Labels["unit"] == "" {
				continue
			}
			if changes.Fire[i].UnitID, err = e.Store.UnitID(ctx, a.Labels["sender"], a.Labels["unit"]); err != nil {
				return res, err
			}
		}
		res.Fired = changes.Fire
		res.Firing = append(changes.Update, changes.Fire...)
		res.Notices, err = e.notify(ctx, res, now, true)
		return res, err
	}
	if res.Fired, err = e.Store.ApplyAlerts(ctx, changes); err != nil {
		return res, err
	}
	res.Firing = append(slices.Clone(changes.Update), res.Fired...)
	sort.SliceStable(res.Firing, func(i, j int) bool { return res.Firing[i].StartedAt.Before(res.Firing[j].StartedAt) })
	for _, a := range res.Fired {
		e.logger().Warn("health alert firing", "alert", a.ID, "rule", a.Rule, "labels", OutwardLabels(a).String(), "affected", a.Affected,
			"severity", a.Severity)
	}
	for _, a := range res.Resolved {
		e.logger().Info("health alert resolved", "alert", a.ID, "rule", a.Rule, "labels", OutwardLabels(a).String())
	}
	if err := e.Store.PruneChannelCalls(ctx, now.Add(-7*24*time.Hour)); err != nil {
		return res, err
	}
	res.Notices, err = e.notify(ctx, res, now, false)
	return res, err
}

func (e *Evaluator) notify(ctx context.Context, res Result, now time.Time, dry bool) (NotifyResult, error) {
	if e.Notifier == nil {
		return NotifyResult{}, nil
	}
	return e.Notifier.Notify(ctx, e.Config, res, now, dry)
}

// Gather reads the facts the rules need as of now.
func (e *Evaluator) Gather(ctx context.Context, now time.Time) (Facts, error) {
	cfg := e.Config
	f := Facts{Now: now, Due: map[string]store.ChannelDue{}, Learned: map[string]store.DeliveryTime{},
		Lookback: cfg.Stuck.Lookback, Window: cfg.Stuck.Window, Settle: cfg.Stuck.Settle}
	var err error
	if f.SilenceEnded, err = e.Store.SilencesEnded(ctx, now.Add(-cfg.Stuck.Settle)); err != nil {
		return f, err
	}
	if f.Channels, err = e.Store.ChannelActivities(ctx, now.Add(-cfg.ChannelSilent.CallsWindow), now); err != nil {
		return f, err
	}
	chans := e.Channels
	if chans == nil {
		chans = model.Channels()
	}
	for _, a := range f.Channels {
		if !slices.Contains(chans, a.Channel) {
			chans = append(chans, a.Channel)
		}
	}
	var scheduled []string
	for _, ch := range chans {
		scheduled = append(scheduled, channel.Scheduled(ch)...)
	}
	learned, err := e.Store.DeliveryTimes(ctx, now.Add(-cfg.Stuck.Learn), now, cfg.Stuck.Percentile, scheduled)
	if err != nil {
		return f, err
	}
	for _, l := range learned {
		f.Learned[l.Channel] = l
	}
	after := Thresholds(cfg.Stuck, learned, chans)
	var dues []store.ChannelDue
	for _, ch := range chans {
		d := store.ChannelDue{Channel: ch, After: after[ch], Scheduled: channel.Scheduled(ch)}
		for _, a := range f.Channels {
			if a.Channel == ch {
				d.LastChange = a.LastChangeAt
			}
		}
		f.Due[ch] = d
		dues = append(dues, d)
	}
	uq := store.UnitQuery{Now: now, Channels: dues, Lookback: cfg.Stuck.Lookback,
		Window: cfg.Stuck.Window, Young: cfg.ChannelSilent.Young, Last: cfg.UnitDrop.Letters}
	if f.Units, err = e.Store.UnitFacts(ctx, uq); err != nil {
		return f, err
	}
	if cfg.UnitDrop.Enabled && cfg.UnitDrop.By("system") {
		if f.Systems, err = e.Store.SystemFacts(ctx, uq); err != nil {
			return f, err
		}
	}
	if cfg.Rejection.Enabled {
		if f.Rejections, err = e.Store.RejectionFacts(ctx, now, cfg.Rejection.Window, cfg.Rejection.Baseline); err != nil {
			return f, err
		}
	}
	if cfg.NeverOpening.Enabled {
		if f.Orgs, err = e.Store.NeverOpeningOrgs(ctx, now, cfg.NeverOpening.Over, cfg.NeverOpening.MinAge, cfg.NeverOpening.Letters); err != nil {
			return f, err
		}
	}
	if cfg.Certificate.Enabled {
		for _, c := range e.Certificates {
			if end, ok := c.CertificateEnd(); ok {
				f.Certificates = append(f.Certificates, Certificate{Channel: c.Name(), NotAfter: end})
			}
		}
	}
	if cfg.PrintSilent.Enabled && e.PrintProvider != "" {
		pf, err := e.Store.PrintProviderFacts(ctx, now.Add(-cfg.PrintSilent.After), now.Add(-cfg.PrintSilent.Unprinted))
		if err != nil {
			return f, err
		}
		f.Print = &PrintProvider{Host: e.PrintProvider, Facts: pf}
	}
	return f, nil
}
