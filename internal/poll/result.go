package poll

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// result turns an observation into a row to write, fetching the channel's
// history when the status changed (or an earlier change's is still due);
// hctx bounds that request (the batch's HistoryTime). A history that cannot
// be had (one that does not reach the change yet: HistoryAsOfFetcher)
// leaves the change in place, noted, and is asked for at the next
// poll, which a final letter gets too (at an open letter's pace, for
// HistoryGiveUp after it was sent). Whatever is wrong with the observation
// (an error from the adapter, a state that is not one, a timestamp out of
// bounds) makes it this shipment's error with its own backoff; an id the
// channel does not know marks the shipment unknown_to_channel, unless the
// channel answered about it before (forgotten.go).
func (p *Poller) result(ctx context.Context, ch channel.Channel, hist func(context.Context, string, time.Time) (json.RawMessage, error),
	d store.Due, o channel.Observation, now time.Time) store.PollResult {
	// The status is the channel's free text wherever the adapter could not
	// read it by its table (an unknown value, masked by
	// channel.StatusTable.Apply; a record that did not decode whole, left
	// as sent): kept and logged with its national ids masked, whichever.
	r := store.PollResult{Due: d, Source: ch.Name(), ObservedAt: now, Status: string(model.MaskNationalIDsIn([]byte(o.Status))), State: o.State,
		Closed: string(o.Disposition), ChangedAt: o.ChangedAt, EnteredAt: o.EnteredAt, AvailableAt: o.AvailableAt, Payload: o.Payload, History: o.History,
		RetryAt: now.Add(Backoff(d.PollFailures + 1))}
	if o.KeepState && o.Err == nil {
		r.State = d.State // the disposition stands: SvarUt's SLETTET keeps the state and ends escalation
	}
	err := o.Err
	if err == nil && !r.State.Valid() {
		err = fmt.Errorf("no usable state for status %s", model.Quote(o.Status))
	}
	if err == nil {
		r.ChangedAt, r.Note = atSent(o.ChangedAt, d.SentAt)
	}
	if err == nil {
		err = checkTime(r.ChangedAt, d.SentAt, now)
		if err != nil && o.Disposition != channel.DispositionNone {
			// The channel printed or closed the letter, whenever that
			// was: refused at every poll, postvakt reminded and printed a
			// letter the channel had printed. Taken at the poll's time,
			// the event says so; a reading so dated stays refused (its
			// time is what it proves).
			r.ChangedAt, r.Note, err = time.Time{}, err.Error()+"; the status ends escalation: taken at its poll's time", nil
		}
	}
	if err == nil && checkTime(o.EnteredAt, d.SentAt, now) != nil {
		// Only the history entry the channel dates the state from is
		// not plausible (Altinn's Read of 1970, an epoch placeholder,
		// beside the real one): the state stands, entered at its
		// status's own time, not refused at every poll.
		r.EnteredAt = time.Time{}
	}
	if err == nil && checkTime(o.AvailableAt, d.SentAt, now) != nil {
		// The status and its time are plausible; only the entry the
		// channel dates availability from is not (Altinn's Published a day
		// and more before the sent time a sender system registered): the
		// state stands, available from its change, not from that entry.
		r.AvailableAt = time.Time{}
	}
	if err == nil && o.HeldUntil.After(now) {
		// Held for a publication the sender asked for: the letter waits
		// for its recipient from then (store.OpenShipment.Since), three
		// months after its sending at the latest.
		r.HeldUntil = o.HeldUntil
		if limit := d.SentAt.Add(channel.HeldAtMost); r.HeldUntil.After(limit) {
			r.HeldUntil = limit
		}
	}
	if err != nil {
		r.State = d.State
		r.NextPollAt = &r.RetryAt
		if errors.Is(err, channel.ErrNotAsked) {
			// Not the letter's failure: asked again soon, without an event.
			soon := now.Add(time.Minute)
			r.Status, r.Payload, r.History, r.NextPollAt, r.Skipped = d.ChannelStatus, nil, nil, &soon, true
			return r
		}
		if d.State.Final() && (errors.Is(err, channel.ErrNotKnown) || now.Sub(d.SentAt) >= HistoryGiveUp) {
			// Polled only for a history still due: a channel that no
			// longer knows the letter, or a history given up, ends it.
			r.Status, r.Payload, r.History, r.NextPollAt, r.Skipped = d.ChannelStatus, nil, nil, nil, true
			return r
		}
		if errors.Is(err, channel.ErrNotKnown) {
			if knew(d) && !ripe(d, now) {
				// Known before: this letter's error until its grace is
				// over (forgotten.go).
				r.Err, r.NotKnown = forgottenErr(err).Error(), true
				return r
			}
			if now.Sub(d.SentAt) < UnknownGrace {
				// Just sent: the channel may not show it yet. Ask again
				// soon, without a mark or an event.
				r.Status, r.Payload, r.History = d.ChannelStatus, nil, nil
				return r
			}
			r.Unknown = true
			return r
		}
		r.Err = err.Error()
		return r
	}
	if (r.State != d.State && !store.RefusedAgain(d, r.Status, r.State) || r.Status != d.ChannelStatus || d.HistoryDue) && len(r.History) == 0 {
		if hist != nil {
			// The change's time as the channel gave it, to judge whether
			// the history reaches it: none when postvakt took another
			// (the note says which), nor for a status that says nothing
			// of the letter (SvarUt's SLETTET: its metadata deleted, the
			// history may end before it and not grow; judged, it was
			// never kept, readings in it lost to the evidence).
			changedAt := r.ChangedAt
			if r.Note != "" || o.KeepState {
				changedAt = time.Time{}
			}
			raw, err := hist(ctx, d.ChannelID, changedAt)
			switch {
			case err == nil:
				r.History = raw
			case ctx.Err() != nil && jobs.Draining(ctx):
				r.HistoryErr = "not asked: the poller is stopping"
			case ctx.Err() != nil:
				r.HistoryErr = "no answer within the batch's time for histories"
			default:
				r.HistoryErr = err.Error()
			}
			if err != nil {
				p.log.Debug("could not fetch history", "channel", ch.Name(), "shipment", d.ID, "error", r.HistoryErr)
			}
		}
	}
	// The pace is the state the letter keeps: a move back the store
	// refuses (an opened letter the channel calls notified again) leaves
	// it final, not polled at an open letter's pace for ever.
	kept := r.State
	if kept != d.State && model.CheckTransition(d.State, kept) != nil {
		kept = d.State
	}
	r.NextPollAt = NextPoll(kept, o.Disposition, d.SentAt, now, p.maxWait)
	if r.HistoryErr != "" && r.NextPollAt == nil && now.Sub(d.SentAt) < HistoryGiveUp {
		r.NextPollAt = NextPoll(model.StateAvailable, channel.DispositionNone, d.SentAt, now, p.maxWait) // an open letter's pace
	}
	return r
}

// HistoryGiveUp is how long after a letter was sent a history still due is
// asked for when its state is final.
const HistoryGiveUp = 30 * 24 * time.Hour

// checkTime refuses a status time that cannot be right: more than a day
// before the letter was sent (beforeSent: an epoch-seconds value read as
// milliseconds lands in 1970 and would send the letter to print at once),
// or further in the future than clocks drift (a date in 2090 would never
// escalate). Zero (the channel gave no time) is fine. A polled status's
// own time before the sent time is taken at the sent time instead (result).
func checkTime(at, sentAt, now time.Time) error {
	switch {
	case at.IsZero():
		return nil
	case beforeSent(at, sentAt):
		return fmt.Errorf("%w: the channel dates the status %s, before the letter was sent (%s)",
			channel.ErrBadTimestamp, at.UTC().Format(time.RFC3339), sentAt.UTC().Format(time.RFC3339))
	case at.After(now.Add(model.MaxFutureSkew)):
		return fmt.Errorf("%w: the channel dates the status %s, in the future", channel.ErrBadTimestamp, at.UTC().Format(time.RFC3339))
	}
	return nil
}

// atSent is a channel's time for a letter, and "", or, when it lies more
// than a day before the letter's sent time (beforeSent), the sent time and
// the note saying so. The status is the channel's word; its time or the
// letter's sent time is wrong (a sent time an import or a sender system
// gave later than the real sending, epoch seconds read as milliseconds in
// 1970). Refused, a letter read stayed unread and went on to reminders and
// print.
func atSent(at, sentAt time.Time) (time.Time, string) {
	if !beforeSent(at, sentAt) {
		return at, ""
	}
	return sentAt, fmt.Sprintf("the channel dates the status %s, more than a day before the letter's sent time (%s): taken at the sent time",
		at.UTC().Format(time.RFC3339), sentAt.UTC().Format(time.RFC3339))
}

// beforeSent says whether a channel's time lies more than a day (clocks,
// a sent time given as a date) before the letter's sent time.
func beforeSent(at, sentAt time.Time) bool {
	return !at.IsZero() && at.Before(sentAt.Add(-24*time.Hour))
}

// rawOf digs the channel's raw answer out of an error, when the adapter kept
// it (an error with a Raw() string method).
func rawOf(err error) string {
	var r interface{ Raw() string }
	if errors.As(err, &r) {
		return r.Raw()
	}
	return ""
}
