// Package upkeep holds the store's housekeeping jobs, each run once
// cluster-wide: refreshing the list rollups and the nightly retention
// purge. (Opening follow-ups moved to internal/notice, which also tells the
// units about them.)
package upkeep

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/store"
)

// Store is what the jobs need of the store.
type Store interface {
	RefreshListSummaries(ctx context.Context) error
	RetentionCandidates(ctx context.Context, before time.Time, afterID string, limit int) ([]store.RetentionCandidate, error)
	PurgeShipments(ctx context.Context, due []store.RetentionDue, now time.Time, actor string) (store.ShipmentPurge, error)
	PurgeOrphanPersons(ctx context.Context, now time.Time, actor string) (int64, error)
	PurgeBefore(ctx context.Context, cutoff time.Time, actor string) (store.Purged, error)
	PurgeCaches(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeContacts(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeAlerts(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeNotices(ctx context.Context, cutoff time.Time) (int64, error)
	PurgeAudit(ctx context.Context, cutoff time.Time, actor string) (int64, error)
	PurgeSessions(ctx context.Context, now time.Time) (int64, error)
	PurgeUserEmails(ctx context.Context, cutoff time.Time) (int64, error)
	Audit(ctx context.Context, e store.AuditEntry) error
}

// Upkeep is the housekeeping of one deployment.
type Upkeep struct {
	Store Store
	Log   *slog.Logger
	// Policies give each class its retention (policy retention.years);
	// nil: RetentionYears for every letter.
	Policies *policy.Set
	// RetentionYears is the default retention (POSTVAKT_RETENTION_YEARS).
	RetentionYears int
	Now            func() time.Time
	// batch is how many letters one PurgeShipments takes (0: 1000).
	batch int
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
		{"30 2 * * *", "retention", u.Retention},
	} {
		if err := s.Once(j.spec, j.name, j.fn); err != nil {
			return err
		}
	}
	return nil
}

// progressEvery is how often a run going through the letters says how far
// it has come (Purge).
const progressEvery = time.Minute

// Purge counts what one retention run removed.
type Purge struct {
	store.ShipmentPurge
	Evidence   store.Purged // events and audit entries past the longest period
	Orphans    int64        // persons no letter points to (store.PurgeOrphanPersons)
	Caches     int64        // poll errors and register answers
	Contacts   int64        // reminder addresses of organisations with no letter kept
	Alerts     int64        // health alerts resolved long ago, with their notices
	Notices    int64        // notifications settled long ago, listing no letter kept, whose recipients went
	Sessions   int64        // expired sessions
	UserEmails int64        // e-mail addresses of users disabled longer ago than RetentionYears
}

// Retention is the nightly purge that lets personal data go: each letter
// whose last change is older than its policy's retention (default
// RetentionYears) loses its title, recipient, notes, addresses and evidence
// events (store.PurgeShipments); persons no letter points to go
// (store.PurgeOrphanPersons); any other event older than the longest
// retention and audit entries older than RetentionYears go; caches, the
// reminder addresses of organisations with no letter kept and the health
// alerts resolved (both longer ago than RetentionYears) and expired
// sessions go, the notifications settled as long ago that list no letter
// kept lose their recipients (store.PurgeNotices), and users disabled
// longer ago than RetentionYears lose their e-mail address
// (store.PurgeUserEmails). The purge logs its counts and writes them to the
// audit log. Each step commits on its own, and a step that fails holds no
// other back (Purge): the log says what the run purged, beside each
// failing step's error (the next night tries that step again).
func (u *Upkeep) Retention(ctx context.Context) error {
	p, err := u.Purge(ctx, u.now())
	counts := []any{"letters", p.Shipments, "letter_events", p.ShipmentPurge.Events, "persons", p.Persons,
		"orphan_persons", p.Orphans, "notes", p.Notes, "followups_closed", p.FollowUpsClosed, "print_requests", p.PrintRequests, "manual_details", p.Manual, "notifications", p.Notifications,
		"kept_print_not_placed", p.PrintPending, "kept_changed", p.Changed, "kept_polling", p.Polling, "events", p.Evidence.Events, "audit", p.Evidence.Audit, "caches", p.Caches, "contacts", p.Contacts,
		"alerts", p.Alerts, "notices", p.Notices, "sessions", p.Sessions, "user_emails", p.UserEmails}
	if err != nil {
		u.log().Error("retention purge failed in part: the failing steps wait for the next night, the others ran", append(counts, "error", err)...)
		return err
	}
	u.log().Info("retention purge", counts...)
	return nil
}

// Purge is Retention as of now, returning the counts. A step that fails
// (a batch of letters, or one of the deletes after them) is that step's
// failure: the next batch and the other steps go on, as none needs what
// another did (a letter the failing batch kept keeps its organisation's
// addresses and notifications, which the later steps then leave), and the
// error joins each step's. Only a cancelled run (ctx) stops at once. A
// run still going through the letters a minute after it started (by
// u.Now) logs its counts so far, once a minute.
func (u *Upkeep) Purge(ctx context.Context, now time.Time) (Purge, error) {
	var out Purge
	var errs []error
	failed := func(err error) bool {
		if err != nil {
			errs = append(errs, err)
		}
		return ctx.Err() != nil
	}
	def := u.RetentionYears
	if def <= 0 {
		def = 5
	}
	shortest, longest := def, def
	var ps []*policy.Policy
	if u.Policies != nil {
		ps = u.Policies.Policies()
	}
	for _, p := range ps {
		if y := p.Retention.Years; y > 0 {
			shortest, longest = min(shortest, y), max(longest, y)
		}
	}
	after := ""
	listed, start := 0, u.now()
	said := start
	for {
		cands, err := u.Store.RetentionCandidates(ctx, yearsBefore(now, shortest), after, cmp.Or(u.batch, 1000))
		if err != nil {
			// No list, no next batch: the letters wait for the next night.
			if failed(err) {
				return out, errors.Join(errs...)
			}
			break
		}
		if len(cands) == 0 {
			break
		}
		after = cands[len(cands)-1].ID
		var due []store.RetentionDue
		for _, c := range cands {
			// The cut-off goes with the letter: the purge checks it again
			// once the letter is locked, so a change committed meanwhile
			// keeps it.
			if cut := yearsBefore(now, u.years(c, def)); c.LastChange.Before(cut) {
				due = append(due, store.RetentionDue{ID: c.ID, Before: cut})
			}
		}
		got, err := u.Store.PurgeShipments(ctx, due, now, "system:retention")
		if failed(err) {
			return out, errors.Join(errs...)
		}
		if err == nil {
			out.add(got)
		}
		listed += len(cands)
		// A first run after a back-fill of years goes through hundreds of
		// thousands of letters: once a minute it says how far it has come,
		// so that it is not taken for a job hung.
		if t := u.now(); t.Sub(said) >= progressEvery {
			said = t
			u.log().Info("retention purge under way", "letters", out.Shipments, "letter_events", out.ShipmentPurge.Events,
				"listed", listed, "kept_print_not_placed", out.PrintPending, "kept_changed", out.Changed, "kept_polling", out.Polling,
				"elapsed", t.Sub(start).Round(time.Second).String())
		}
	}
	cutoff := yearsBefore(now, longest)
	for _, step := range []func() error{
		func() (err error) {
			out.Orphans, err = u.Store.PurgeOrphanPersons(ctx, now, "system:retention")
			return err
		},
		func() error {
			ev, err := u.Store.PurgeBefore(ctx, cutoff, "system:retention")
			out.Evidence.Events = ev.Events
			out.Evidence.Audit += ev.Audit
			return err
		},
		func() error {
			audit, err := u.Store.PurgeAudit(ctx, yearsBefore(now, def), "system:retention")
			out.Evidence.Audit += audit
			return err
		},
		func() (err error) { out.Caches, err = u.Store.PurgeCaches(ctx, yearsBefore(now, shortest)); return err },
		func() (err error) { out.Contacts, err = u.Store.PurgeContacts(ctx, yearsBefore(now, def)); return err },
		func() (err error) { out.Alerts, err = u.Store.PurgeAlerts(ctx, yearsBefore(now, def)); return err },
		func() (err error) { out.Notices, err = u.Store.PurgeNotices(ctx, yearsBefore(now, def)); return err },
		func() (err error) {
			if out.Sessions, err = u.Store.PurgeSessions(ctx, now); err != nil {
				return fmt.Errorf("purge expired sessions: %w", err)
			}
			return nil
		},
		func() (err error) {
			out.UserEmails, err = u.Store.PurgeUserEmails(ctx, yearsBefore(now, def))
			return err
		},
	} {
		if failed(step()) {
			return out, errors.Join(errs...)
		}
	}
	failed(u.auditData(ctx, out, now))
	return out, errors.Join(errs...)
}

// auditData writes to the audit log what the purge deleted beside the
// letters, persons, events and audit entries (whose steps write their
// own entries): people's addresses and e-mail addresses, which the audit
// log, read by an inspector, shows went on time. A night that deleted
// none writes none.
func (u *Upkeep) auditData(ctx context.Context, p Purge, now time.Time) error {
	if p.Caches+p.Contacts+p.Alerts+p.Notices+p.UserEmails == 0 {
		return nil
	}
	return u.Store.Audit(ctx, store.AuditEntry{At: now, Actor: "system:retention", Action: store.ActRetentionPurgeData, Object: "data",
		Detail: fmt.Sprintf("%d poll errors and register answers, %d reminder addresses, %d resolved alerts, %d notifications' recipients, %d disabled users' e-mail addresses",
			p.Caches, p.Contacts, p.Alerts, p.Notices, p.UserEmails)})
}

// yearsBefore is t less years whole years: the same day and time of day,
// and from a 29 February to the 28th in a year with none (time.AddDate
// makes that 1 March, so a letter changed early that day was purged a day
// before its time).
func yearsBefore(t time.Time, years int) time.Time {
	d := t.AddDate(-years, 0, 0)
	if d.Day() != t.Day() {
		d = d.AddDate(0, 0, -d.Day())
	}
	return d
}

// years is a letter's retention: its policy's, else the default.
func (u *Upkeep) years(c store.RetentionCandidate, def int) int {
	if u.Policies == nil {
		return def
	}
	p, err := u.Policies.Match(policyFacts(c))
	if err != nil || p.Retention.Years <= 0 {
		return def
	}
	return p.Retention.Years
}

// policyFacts is what a letter's policy is matched by: every match field,
// as the escalation, the print drain and the notices match it (a policy
// of one channel keeps that channel's letters its own years).
func policyFacts(c store.RetentionCandidate) policy.Facts {
	return policy.Facts{Channel: c.Channel, Class: c.Class, Confidential: c.Confidential, RecipientKind: c.RecipientKind,
		SenderOrg: c.SenderOrg, SenderUnit: c.SenderUnit}
}

func (p *Purge) add(s store.ShipmentPurge) {
	p.Shipments += s.Shipments
	p.ShipmentPurge.Events += s.Events
	p.Persons += s.Persons
	p.Notes += s.Notes
	p.FollowUpsClosed += s.FollowUpsClosed
	p.PrintRequests += s.PrintRequests
	p.Manual += s.Manual
	p.Notifications += s.Notifications
	p.PrintPending += s.PrintPending
	p.Changed += s.Changed
	p.Polling += s.Polling
}

func (u *Upkeep) log() *slog.Logger {
	if u.Log == nil {
		return slog.Default()
	}
	return u.Log
}
