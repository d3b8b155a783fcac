// Package upkeep holds the store's housekeeping jobs, each run once
// cluster-wide: refreshing the list rollups, opening due follow-ups, and the
// nightly retention purge.
package upkeep

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/store"
)

// Store is what the jobs need of the store.
type Store interface {
	RefreshListSummaries(ctx context.Context) error
	OpenFollowUps(ctx context.Context, unreadBefore, deadline time.Time) (int64, error)
	PurgeBefore(ctx context.Context, cutoff time.Time, actor string) (store.Purged, error)
	PurgeSessions(ctx context.Context, now time.Time) (int64, error)
}

// Upkeep is the housekeeping of one deployment.
type Upkeep struct {
	Store          Store
	Log            *slog.Logger
	RetentionYears int // evidence and audit older than this are purged
	FollowUpDays   int // a follow-up's deadline, in days from its opening
	FollowUpUnread int // days unread after which a confidential letter needs a follow-up
	Now            func() time.Time
}

func (u *Upkeep) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

// Schedule adds the jobs to s, each once cluster-wide.
func (u *Upkeep) Schedule(s *jobs.Scheduler) error {
	for _, j := range []struct {
		spec, name string
		fn         jobs.Func
	}{
		{"@every 1m", "list-rollups", u.Store.RefreshListSummaries},
		{"@hourly", "follow-ups", u.FollowUps},
		{"30 2 * * *", "retention", u.Retention},
	} {
		if err := s.Once(j.spec, j.name, j.fn); err != nil {
			return err
		}
	}
	return nil
}

// FollowUps opens the follow-ups that are due.
func (u *Upkeep) FollowUps(ctx context.Context) error {
	now := u.now()
	n, err := u.Store.OpenFollowUps(ctx, now.AddDate(0, 0, -u.FollowUpUnread), now.AddDate(0, 0, u.FollowUpDays))
	if err == nil && n > 0 {
		u.Log.Info("follow-ups opened", "count", n)
	}
	return err
}

// Retention purges what is older than the retention period, and expired
// sessions.
func (u *Upkeep) Retention(ctx context.Context) error {
	now := u.now()
	p, err := u.Store.PurgeBefore(ctx, now.AddDate(-u.RetentionYears, 0, 0), "system:retention")
	if err != nil {
		return err
	}
	u.Log.Info("retention purge", "events", p.Events, "audit", p.Audit)
	if _, err := u.Store.PurgeSessions(ctx, now); err != nil {
		return fmt.Errorf("purge expired sessions: %w", err)
	}
	return nil
}
