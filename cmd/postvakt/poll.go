package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"postvakt/internal/calendar"
	"postvakt/internal/channel"
	"postvakt/internal/config"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/poll"
	"postvakt/internal/store"
)

func runPoll(ctx context.Context, cfg config.Config, args []string) error {
	fs := newOnceFlags("poll", "run one full cycle and exit (serve polls on its schedule)", "poll (the clock for which letters are due and their next poll)")
	name := fs.String("channel", "", "only this channel ("+channel.Usage()+")")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *name != "" {
		if err := channel.Known(*name); err != nil {
			return usageError{"--channel: " + err.Error()}
		}
	}
	clock := fs.clock.Now
	a, err := open(ctx, cfg, withStore)
	if err != nil {
		return err
	}
	defer a.Close()
	all, err := a.channels()
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return errors.New("no channel configured: set a channel's POSTVAKT_<CHANNEL>_URL (see postvakt help)")
	}
	chans, err := channel.Pick(all, *name)
	if err != nil {
		return err
	}
	// The first Ctrl-C or SIGTERM stops asking: the call in flight is
	// answered and written, nothing new is asked, as serve's stop does (a
	// second signal stops at once).
	ctx, cancel := jobs.SoftStop(ctx, stopGrace)
	defer cancel()
	p := poll.New(a.st, a.log, poll.Options{Now: clock, Lease: a.cfg.PollLease, MaxWait: a.cfg.PollMaxWait, Activity: a.st})
	var failed []string
	for _, ch := range chans {
		if jobs.Draining(ctx) {
			break
		}
		start := time.Now()
		sum, err := p.Poll(ctx, ch)
		fmt.Fprintf(stdout, "%s: %s (%s)\n", ch.Name(), sum, time.Since(start).Round(time.Millisecond))
		if sum.Unregistered > 0 {
			fmt.Fprintf(stdout, "%s: %d log entries about letters postvakt does not know (counted, not stored)\n", ch.Name(), sum.Unregistered)
		}
		if sum.Reread > 0 {
			fmt.Fprintf(stdout, "%s: the wide re-read read %d log entries again, %d of them late (not in polled=)\n", ch.Name(), sum.Reread, sum.Late)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", ch.Name(), err)
			failed = append(failed, ch.Name())
		}
	}
	var errs []error
	if len(failed) > 0 {
		errs = append(errs, fmt.Errorf("could not poll %v", failed))
	}
	if jobs.Draining(ctx) {
		// A run from cron must not look complete: the letters not asked
		// wait for the next cycle.
		errs = append(errs, errors.New("stopped before the cycle was done: the letters not asked wait for the next cycle"))
	}
	return errors.Join(errs...)
}

// minWindow is discover's shortest --window: a listing window is never
// needed shorter, as one the channel's limit cuts is split.
const minWindow = time.Hour

func runDiscover(ctx context.Context, cfg config.Config, args []string) error {
	fs := newFlags("discover")
	name := fs.String("channel", "altinn", "channel to list shipments on ("+channel.DiscoverUsage()+")")
	since := fs.String("since", "", "first day to look at (YYYY-MM-DD from 00:00 in the channel's country, or RFC 3339), required")
	until := fs.String("until", "", "last moment to look at (YYYY-MM-DD: 00:00 that day in the channel's country, or RFC 3339; default now)")
	org := fs.String("sender-org", "", "the sender organisation number these shipments are registered under (required)")
	unit := fs.String("sender-unit", "", "sending unit to register them under (default Ukjent enhet; Digital Post: Ukendt enhed)")
	class := fs.String("class", "", "class for every shipment (default: taushetsbelagt if confidential, else ordinaer; Digital Post: fortrolig)")
	system := fs.String("system", "", "sender system to register them under (default discover:CHANNEL)")
	window := fs.Duration("window", 30*24*time.Hour, "size of one listing window; windows that hit the channel's limit are split")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *since == "" || *org == "" {
		return usageError{"--since and --sender-org are required\nusage: postvakt discover --channel " + channel.DiscoverUsage() +
			" --since 2018-01-01 [--until T] --sender-org ORGNR|CVR [--sender-unit U] [--class C] [--system S] [--window 720h]"}
	}
	if err := channel.Known(*name); err != nil {
		return usageError{"--channel: " + err.Error()}
	}
	spec, _ := channel.Lookup(*name)
	if !spec.Discovers {
		return usageError{fmt.Sprintf("--channel: %s cannot list shipments (%s can); register its letters with import", *name, channel.DiscoverUsage())}
	}
	switch {
	case *window <= 0:
		return usageError{fmt.Sprintf("--window: %s is not a length of time (e.g. 720h)", *window)}
	case *window < minWindow:
		// --window 1m meant as a month: a year back is half a million
		// listings; a window the channel's limit cuts is split anyway.
		return usageError{fmt.Sprintf("--window: %s is shorter than an hour (m is minutes, h hours: 720h is 30 days); windows that hit the channel's limit are split by themselves", *window)}
	}
	danish := spec.Country == "DK"
	if *system = strings.TrimSpace(*system); *system == "" {
		*system = model.DiscoverSystem(*name)
	}
	if *unit == "" {
		*unit = "Ukjent enhet"
		if danish {
			*unit = "Ukendt enhed"
		}
	}
	checkOrg := model.CheckOrgNumber
	if danish {
		checkOrg = model.CheckCVR
	}
	if err := checkOrg(*org); err != nil {
		return usageError{"--sender-org: " + err.Error()}
	}
	// A date is a day in the channel's country, whatever the process's
	// zone (an unknown channel is refused below).
	loc := time.UTC
	if cal, err := calendar.Get(spec.Country); err == nil {
		loc = cal.Location()
	}
	from, err := parseDay(*since, loc)
	if err != nil {
		return usageError{"--since: " + err.Error()}
	}
	to := time.Now()
	if *until != "" {
		if to, err = parseDay(*until, loc); err != nil {
			return usageError{"--until: " + err.Error()}
		}
	}
	if !from.Before(to) {
		return usageError{fmt.Sprintf("--since %s is not before --until (or today): nothing to list", *since)}
	}
	// The names every letter is registered with are checked once, as a
	// letter would be, before anything is listed: one no letter can take
	// refused every letter one by one, and the run ended 0 having stored
	// nothing.
	for _, fe := range discoverProbe(*name, *org, *unit, *class, *system, danish).Validate(time.Now(), nil) {
		if flag, ok := map[string]string{"sender_unit": "--sender-unit", "class": "--class", "sender_system": "--system"}[fe.Field]; ok {
			return usageError{flag + ": " + fe.Message}
		}
	}
	a, err := open(ctx, cfg, withStore|withSchedule)
	if err != nil {
		return err
	}
	defer a.Close()
	all, err := a.channels()
	if err != nil {
		return err
	}
	chans, err := channel.Pick(all, *name)
	if err != nil {
		return err
	}
	disc, ok := chans[0].(channel.Discoverer)
	if !ok {
		return fmt.Errorf("channel %s cannot list shipments", *name)
	}
	log, st := a.log, a.st
	feed, _ := chans[0].(channel.Feed)
	p := poll.New(st, log, poll.Options{})
	var found, created, skipped, other, taken int
	var incomplete []string
	var kept []channel.Found // registered letters, without their entries (kept already)
	keptIDs := map[string]string{}
	now := time.Now()
	for a := from; a.Before(to); a = a.Add(*window) {
		b := a.Add(*window)
		if b.After(to) {
			b = to
		}
		items, err := disc.Discover(ctx, a, b)
		if errors.Is(err, channel.ErrIncomplete) {
			// What was found is registered; the rest of the run goes on,
			// and the run ends with the gap named.
			log.Warn("listing incomplete; what was found is registered", "channel", *name, "error", err)
			incomplete = append(incomplete, err.Error())
		} else if err != nil {
			return fmt.Errorf("list %s shipments %s–%s: %w (registered so far: %d new)", *name, a.Format("2006-01-02"), b.Format("2006-01-02"), err, created)
		}
		var batch []model.NewShipment
		for _, f := range items {
			if f.SenderOrg != "" && f.SenderOrg != *org {
				other++ // another sender's letter, in a supplier's log
				continue
			}
			if f.SentAt.IsZero() && f.Observation.Err != nil {
				// Listed, but its details not given (Altinn: refused to
				// this caller, purged since the listing): nothing of the
				// letter to check, and the channel's answer is the reason.
				skipped++
				log.Warn("discovered shipment not registered: the channel did not give its details", "channel", *name, "channel_id", model.Shown(f.ChannelID, 80),
					"error", f.Observation.Err)
				continue
			}
			ns := model.NewShipment{Channel: *name, ChannelID: f.ChannelID, SenderOrg: *org, SenderUnit: *unit,
				RecipientKind: model.RecipientOrg, RecipientID: f.Recipient, Title: f.Title,
				Confidential: f.Confidential, Class: *class, SentAt: f.SentAt, SenderSystem: *system}
			if f.Recipient == "" && f.PersonID != "" {
				ns.RecipientKind, ns.RecipientID = model.RecipientPerson, f.PersonID
			}
			if ns.Class == "" {
				ns.Class = defaultClass(danish, f.Confidential)
			}
			// The channel does not show the sender the title (Altinn for
			// letters published since June 2025; Digital Post's is content
			// postvakt does not keep): it stays empty, none is made up.
			ns.TitleWithheld = ns.Title == ""
			if errs := ns.Validate(now, nil); len(errs) > 0 { // the channel is on: Pick refused it otherwise
				skipped++
				log.Warn("discovered shipment not registered", "channel", *name, "channel_id", model.Shown(f.ChannelID, 80), "problem", errs[0].Field+": "+errs[0].Message)
				continue
			}
			batch = append(batch, ns)
		}
		found += len(items)
		if len(batch) > 0 {
			stored, n, err := st.Register(ctx, batch, store.SourceDiscover, "discover:"+*name)
			var fe *store.ForeignError
			if errors.As(err, &fe) {
				// Letters registered before under another unit (or by
				// another organisation's import) stay as they are; the
				// window's others are registered all the same.
				taken += len(fe.Indexes)
				log.Info("discovered letters already registered for another unit or organisation are left as they are",
					"channel", *name, "letters", len(fe.Indexes))
				for i := len(fe.Indexes) - 1; i >= 0; i-- {
					batch = slices.Delete(batch, fe.Indexes[i], fe.Indexes[i]+1)
				}
				stored, n, err = nil, 0, nil
				if len(batch) > 0 {
					stored, n, err = st.Register(ctx, batch, store.SourceDiscover, "discover:"+*name)
				}
			}
			if err != nil {
				return err
			}
			created += n
			if feed != nil {
				// Keep the log entries the discovery read, so the letters
				// need not be looked up again one by one.
				ids := make(map[string]string, len(stored))
				for _, sh := range stored {
					ids[sh.ChannelID] = sh.ID
				}
				// Not yet read whole: the later windows may bring a gap.
				if _, err := p.Discovered(ctx, feed, items, ids, from, false); err != nil {
					return err
				}
				for _, it := range items {
					if id, ok := ids[it.ChannelID]; ok {
						kept = append(kept, channel.Found{ChannelID: it.ChannelID, SentAt: it.SentAt})
						keptIDs[it.ChannelID] = id
					}
				}
			}
		}
		fmt.Fprintf(os.Stderr, "%s … %s: %d found, %d new so far\n", a.Format("2006-01-02"), b.Format("2006-01-02"), found, created)
	}
	if feed != nil && *until == "" && len(incomplete) == 0 && len(kept) > 0 {
		// Every window up to now was read without a gap: the letters sent
		// since --since have had their whole log read, and need no look-up
		// of their own. With --until, or past a gap, their later entries
		// were not read: the poller looks each of them up.
		if _, err := p.Discovered(ctx, feed, kept, keptIDs, from, true); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "discovered %d shipments on %s: %d new, %d already registered, %d not registrable (see log)\n",
		found-other, *name, created, found-other-created-skipped-taken, skipped)
	if taken > 0 {
		fmt.Fprintf(stdout, "%d letters already registered for another unit or organisation were left as they are\n", taken)
	}
	if other > 0 {
		fmt.Fprintf(stdout, "%d letters of other senders in the log were left alone\n", other)
	}
	if len(incomplete) > 0 {
		return fmt.Errorf("%d listing(s) incomplete; what was found is registered, and letters there may be missing (each says why): %s",
			len(incomplete), strings.Join(incomplete, " | "))
	}
	return nil
}

// defaultClass is the class of a discovered shipment when --class is not given.
func defaultClass(danish, confidential bool) string {
	switch {
	case danish && confidential:
		return "fortrolig"
	case danish:
		return "almindelig"
	case confidential:
		return "taushetsbelagt"
	}
	return "ordinaer"
}

// parseDay reads an RFC 3339 time, or a date as 00:00 that day in loc.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil // PostgreSQL takes offsets up to ±15:59 only
	}
	return time.ParseInLocation("2006-01-02", s, loc)
}

// discoverProbe is a letter as discover registers one, with the names the
// flags give and channel facts that pass: its Validate says what of the
// names no letter can take.
func discoverProbe(ch, org, unit, class, system string, danish bool) model.NewShipment {
	if class == "" {
		class = defaultClass(danish, true)
	}
	return model.NewShipment{Channel: ch, ChannelID: "00000000-0000-4000-8000-000000000000", SenderOrg: org, SenderUnit: unit,
		RecipientKind: model.RecipientOrg, RecipientID: org, TitleWithheld: true, Confidential: true, Class: class,
		SentAt: time.Now().Add(-time.Hour), SenderSystem: system}
}
