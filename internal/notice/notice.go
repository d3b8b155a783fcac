// Package notice tells the people inside the sending organisation what
// needs them, through the same notification log (and so exactly once per
// step) as the reminders to receiving organisations:
//
//   - follow-ups (the Copenhagen practice): when a sending unit's follow-up
//     is due, and again when it is overdue, the unit (its contact address)
//     and its manager (in copy) get the list of letters and the deadline,
//     with what to decide: resend, write anew, assess the consequences,
//     watch statutory deadlines;
//   - the compliance digest: once a day, the compliance officers of a
//     sending organisation get its overdue follow-ups;
//   - escalation.to: a print held in an approval batch, a manual-handling
//     case, a confidential letter that failed or was rejected notify the
//     roles and addresses the letter's policy lists, one message per
//     address and run, each case once.
//
// Each notice goes through the stages of a reminder: the notification log
// claims it (store.ClaimNotice: what was told before is left out), then it
// is composed, sent (remind.Send) and recorded (remind.Record). Notices
// carry references, units, dates and masked recipients, never a title.
package notice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/policy"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// Store is what the notices need of the store.
type Store interface {
	OpenFollowUps(ctx context.Context, unreadBefore, deadline time.Time) (int64, error)
	CountFollowUpsDue(ctx context.Context, unreadBefore time.Time) (int64, error)
	SettleUnreadFollowUps(ctx context.Context, now time.Time, actor string) (int64, error)
	OpenFollowUpsByUnit(ctx context.Context) ([]store.UnitFollowUps, error)
	PreviewFollowUpsByUnit(ctx context.Context, unreadBefore, deadline time.Time) ([]store.UnitFollowUps, error)
	EscalationCases(ctx context.Context, failedSince time.Time) ([]store.EscalationCase, error)
	UserEmails(ctx context.Context, role, senderOrg, unit string) ([]string, error)
	ClaimNotice(ctx context.Context, c store.NoticeClaim) (store.NoticeResult, error)
	PreviewNotice(ctx context.Context, c store.NoticeClaim) (store.NoticeResult, error)
	SupersedeUntoldNotices(ctx context.Context, told []store.NoticeTold, now time.Time) (int64, error)
	remind.RecordLog
}

// Notifier sends the notices; Run is one pass, Job the scheduled one.
type Notifier struct {
	Store    Store
	Policies *policy.Set
	Sender   remind.Sender // nil: notices are recorded as failed and go out once one is set
	From     string
	Logger   *slog.Logger
	// BaseURL is the UI's address, for the links in the messages ("":
	// no links).
	BaseURL string
	// FollowUpDays is a new follow-up's deadline in days (default 10);
	// FollowUpUnread the days unread after which a confidential letter
	// needs a follow-up (default 30).
	FollowUpDays, FollowUpUnread int
	// FailedWindow is how far back a failed or rejected confidential
	// letter is told about (default 14 days).
	FailedWindow time.Duration
	// DigestHour is the hour (Europe/Oslo) from which the day's compliance
	// digest goes out (default 7).
	DigestHour int
	// Now is the clock of Job (default time.Now).
	Now func() time.Time
	// OnNotice, when set, is called with each notice a run sends or, dry,
	// would send.
	OnNotice func(Outcome)
}

// Outcome is what became of one notice.
type Outcome struct {
	Kind   string
	Group  string
	Status remind.Status
	Refs   int
	// Notification is the notice's id in the notification log (0 when
	// nothing was claimed).
	Notification int64
	Message      *remind.Message // composed (sent, previewed); nil otherwise
	Err          error
}

// Summary counts what one run did.
type Summary struct {
	Opened    int64 // follow-ups opened (or, dry, to be opened)
	Sent      int   // notices sent (or, dry, to be sent)
	Failed    int   // notices the SMTP server refused or could not take; the next run tries again
	Unknown   int   // notices whose outcome is unknown; never sent again
	NoAddress int   // notices without any address (a unit without contact and manager, a role without e-mail)
	Refused   int   // addresses refused permanently (left out; the others got the notice)
	// Undelivered names the failed notices by kind and notification id
	// ("followup_due notice 34"): references only, no address or unit.
	Undelivered []string
	// Unresolved names the same way the notices whose outcome is unknown
	// (never sent again by themselves), Unaddressed those without any
	// address (they wait until one is set).
	Unresolved, Unaddressed []string
	// DryRun: nothing was opened nor sent; the counts are what the run
	// would do.
	DryRun bool
}

// NotSent names, by reference only (kind and notification id; never an
// address, unit or title), what this run left unsent or does not know to
// have sent: the failed notices (the next run tries again), those whose
// outcome is unknown and those without any address. A run from cron with
// any of them must not look fine.
func (s Summary) NotSent() []string {
	refs := append([]string(nil), s.Undelivered...)
	for _, ref := range s.Unresolved {
		refs = append(refs, ref+" (outcome unknown)")
	}
	for _, ref := range s.Unaddressed {
		refs = append(refs, ref+" (no e-mail address)")
	}
	return refs
}

// String is the one-line summary; a dry run's says what the run would do.
func (s Summary) String() string {
	if s.DryRun {
		return fmt.Sprintf("notices (dry run, nothing changed): %d follow-ups to open, %d to send, %d without address",
			s.Opened, s.Sent, s.NoAddress)
	}
	return fmt.Sprintf("notices: %d follow-ups opened, %d sent, %d failed, %d unknown outcomes, %d without address, %d addresses refused",
		s.Opened, s.Sent, s.Failed, s.Unknown, s.NoAddress, s.Refused)
}

// Job is the scheduled run: Run now, logged.
func (n *Notifier) Job(ctx context.Context) error {
	now := time.Now()
	if n.Now != nil {
		now = n.Now()
	}
	sum, err := n.Run(ctx, now, false)
	if err != nil {
		return fmt.Errorf("notices (%s): %w", sum, err)
	}
	if sum.Opened+int64(sum.Sent+sum.Failed+sum.Unknown+sum.NoAddress+sum.Refused) > 0 {
		n.logger().Info("notices run", "summary", sum.String())
	}
	return nil
}

// Run does one pass as of now: it opens the follow-ups that became due
// and closes the unread ones whose letter went on paper or was closed
// since (store.SettleUnreadFollowUps), then tells the compliance officers (once a day) about the overdue ones,
// escalation.to about held prints, manual handling and failed or rejected
// letters, and the units about their due and overdue follow-ups. With
// dry it changes nothing and sends nothing (it reads the follow-ups the
// run would open with the open ones, store.PreviewFollowUpsByUnit, and
// leaves out those it would close); OnNotice sees what would go out. A
// failed or address-less notice of which it tells nothing any more ends
// (store.SupersedeUntoldNotices). The error is for the store; a failed
// send is counted.
func (n *Notifier) Run(ctx context.Context, now time.Time, dry bool) (Summary, error) {
	sum := Summary{DryRun: dry}
	unreadBefore, deadline := store.MinAgeBound(now, n.unread()), store.FollowUpDeadline(now, n.days())
	if !dry {
		opened, err := n.Store.OpenFollowUps(ctx, unreadBefore, deadline)
		if err != nil {
			return sum, err
		}
		sum.Opened = opened
		// An unread letter that went on paper or was closed since its
		// follow-up opened is not told overdue.
		if _, err := n.Store.SettleUnreadFollowUps(ctx, now, "system:followups"); err != nil {
			return sum, err
		}
	}
	var units []store.UnitFollowUps
	var err error
	if dry {
		// Those the run would open too: it tells of them at once, and
		// counts them.
		if sum.Opened, err = n.Store.CountFollowUpsDue(ctx, unreadBefore); err != nil {
			return sum, err
		}
		units, err = n.Store.PreviewFollowUpsByUnit(ctx, unreadBefore, deadline)
	} else {
		units, err = n.Store.OpenFollowUpsByUnit(ctx)
	}
	if err != nil {
		return sum, err
	}
	// The digest and the escalation.to notices first: they are written
	// from this read, and the units' mails after them may take a while (a
	// slow relay); a follow-up decided meanwhile is left out of its unit's
	// mail when that is claimed (store.ClaimNotice), but the digest would
	// list it still, and the escalation.to notices a case resolved
	// meanwhile (a batch approved, a manual case settled).
	notices, err := n.digests(ctx, units, now)
	if err != nil {
		return sum, err
	}
	esc, err := n.escalations(ctx, now)
	if err != nil {
		return sum, err
	}
	notices = append(notices, esc...)
	notices = append(notices, followUpNotices(units, now, n.BaseURL)...)
	if !dry {
		// A failed or address-less notice whose cases this run does not
		// tell (a follow-up decided, a case settled, a digest of a day
		// past) is sent by no run: it ends, and leaves the list of those
		// needing a look.
		var told []store.NoticeTold
		for _, nt := range notices {
			for _, r := range nt.claim.Refs {
				told = append(told, store.NoticeTold{Group: nt.claim.Group, Ref: r.Ref})
			}
		}
		if _, err := n.Store.SupersedeUntoldNotices(ctx, told, now); err != nil {
			return sum, err
		}
	}
	var errs []error
	for _, nt := range notices {
		if jobs.Draining(ctx) {
			break // a stop: nothing new is claimed; the next run sends the rest
		}
		out, err := n.deliver(ctx, nt, now, dry)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sum.count(out)
		if n.OnNotice != nil && out.Status != remind.StatusNothing {
			n.OnNotice(out)
		}
	}
	return sum, errors.Join(errs...)
}

func (s *Summary) count(o Outcome) {
	switch o.Status {
	case remind.StatusSent, remind.StatusPreview:
		s.Sent++
	case remind.StatusFailed:
		s.Failed++
		s.Undelivered = append(s.Undelivered, o.reference())
	case remind.StatusUnknown:
		s.Unknown++
		s.Unresolved = append(s.Unresolved, o.reference())
	case remind.StatusNoAddress:
		s.NoAddress++
		s.Unaddressed = append(s.Unaddressed, o.reference())
	}
	if o.Message != nil {
		s.Refused += len(o.Message.Refused)
	}
}

// reference names a notice by its kind and notification id
// ("followup_due notice 34"), not by its group (a unit).
func (o Outcome) reference() string {
	return fmt.Sprintf("%s notice %d", o.Kind, o.Notification)
}

// notice is one notice to claim and send: its claim (kind, group, refs,
// recipients) and how to write it for the refs that remain.
type notice struct {
	claim   store.NoticeClaim
	to, cc  []string
	compose func(kept map[string]bool) text
}

// text is a composed notice: its subject, body and languages.
type text struct {
	subject, body string
	langs         []string
}

// deliver takes one notice through dedupe, send and record.
func (n *Notifier) deliver(ctx context.Context, nt notice, now time.Time, dry bool) (Outcome, error) {
	c := nt.claim
	c.Now = now
	c.Recipients = append(append([]string(nil), nt.to...), nt.cc...)
	out := Outcome{Kind: c.Kind, Group: c.Group}
	log := n.logger().With("kind", c.Kind, "group", c.Group)
	claim := n.Store.ClaimNotice
	if dry {
		claim = n.Store.PreviewNotice
	}
	res, err := claim(ctx, c)
	if err != nil {
		return out, err
	}
	nf := res.Notification
	out.Refs = len(res.Refs)
	if nf != nil {
		out.Notification = nf.ID
	}
	switch {
	case nf == nil:
		out.Status = remind.StatusNothing
		return out, nil
	case nf.Status == store.NotifyNoAddress:
		out.Status = remind.StatusNoAddress
		if !dry {
			log.Warn("notice without any address: set the unit's contact and manager (admin UI, postvakt units import) "+
				"or the users' e-mail addresses", "notification", nf.ID, "refs", len(res.Refs))
		}
		return out, nil
	case !res.Send:
		out.Status = remind.StatusNothing
		return out, nil
	}
	kept := map[string]bool{}
	for _, r := range res.Refs {
		kept[r.Ref] = true
	}
	tx := nt.compose(kept)
	msg := &remind.Message{From: n.From, To: nt.to, Cc: nt.cc, Subject: tx.subject, Body: tx.body, Langs: tx.langs, Date: now,
		MessageID: strings.Replace(remind.MessageID(nf.Key, n.From), "<reminder.", "<notice.", 1)}
	if len(msg.To) == 0 {
		msg.To, msg.Cc = msg.Cc, nil
	}
	out.Message = msg
	if dry {
		out.Status = remind.StatusPreview
		return out, nil
	}
	if ours, err := remind.Begin(ctx, n.Store, nf); err != nil || !ours {
		if err == nil {
			out.Status = remind.StatusNothing
			log.Warn("notice taken over by another run (the lease ran out); not sent by this one", "notification", nf.ID)
		}
		return out, err
	}
	out.Status, out.Err = remind.Send(context.WithoutCancel(ctx), n.Sender, msg) // begun: bounded by the SMTP timeout, not cut by a stop
	if err := remind.Record(ctx, n.Store, nf.ID, msg, out.Status, out.Err, now); err != nil {
		return out, fmt.Errorf("record %s notice %d to %s as %s: %w", c.Kind, nf.ID, c.Group, out.Status, err)
	}
	switch out.Status {
	case remind.StatusSent:
		log.Info("notice sent", "notification", nf.ID, "refs", len(res.Refs), "addresses", len(c.Recipients),
			"refused", len(msg.Refused), "message_id", msg.MessageID)
	case remind.StatusFailed:
		log.Warn("notice not delivered; the next run tries again", "notification", nf.ID, "error", out.Err)
	case remind.StatusUnknown:
		log.Error("notice outcome unknown; it is not sent again", "notification", nf.ID, "error", out.Err)
	}
	return out, nil
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger == nil {
		return slog.Default()
	}
	return n.Logger
}

func (n *Notifier) days() int {
	if n.FollowUpDays <= 0 {
		return 10
	}
	return n.FollowUpDays
}

func (n *Notifier) unread() int {
	if n.FollowUpUnread <= 0 {
		return 30
	}
	return n.FollowUpUnread
}
