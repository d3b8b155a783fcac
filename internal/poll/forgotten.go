package poll

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/i18n"
	"postvakt/internal/store"
)

// A channel that says it does not know a letter is taken at its word for a
// letter it has never answered about (the Copenhagen case: marked
// unknown_to_channel, after UnknownGrace for a young one). It is not taken
// at its word, on one answer, for a letter it has answered about before
// (store.Due.Heard: a status, a state past registered, an answer in the
// evidence): a retired API version, a misrouted base URL, a proxy's or a
// framework's JSON 404, an account mix-up or a search index being rebuilt
// answer "none of these" just as a channel that lost the letters would, and
// marking every open letter unknown would hold back every reminder.
//
// The rule, for every channel (Cycle and the Digital Post look-ups alike):
//
//   - Such a letter ("forgotten") is that letter's error: a poll_error event,
//     its own backoff, a log line naming the shipment. It is marked only when
//     the channel has kept saying so for UnknownGrace since it first did
//     (poll_queue.not_known_since) and at least ripeAfter polls have failed
//     since: the hour a new letter gets to appear is the hour a known one
//     gets to come back, and with the backoff (1, 2, 4 … minutes) that is
//     six or seven answers, enough to outlast a deploy or a failover.
//   - A batch in which suspectAt or more letters are forgotten, half or more
//     of those it answered about before, or in which a letter's grace is
//     over and the channel knows none of the letters it knew, is checked
//     against a witness: a letter outside the batch that the channel
//     answered usably at its last poll (store.PollWitness). When the
//     channel does not know that one either, cannot be asked, or there is
//     none, the answer is the channel's failure: no letter of the batch is
//     marked or counted unknown, its "not known" answers are a failed call
//     (poll_errors, each letter's backoff), the rest of the cycle takes no
//     "not known" answer (forgetful), and the cycle returns ErrForgetful,
//     which logs it once with the counts and counts as a failed call for the
//     channel_silent rule. When the witness is known, the letters are each
//     their own, as above.

// ErrForgetful is returned by a cycle in which the channel said it does not
// know letters it had answered about before, and did not know a letter it
// answered at its last poll either: its failure or its configuration's, not
// the letters'. Nothing was marked.
var ErrForgetful = errors.New("the channel says it does not know letters it answered about before")

const (
	// suspectAt is how many forgotten letters in one batch, half or more
	// of those the channel answered about before, make the batch suspect.
	suspectAt = 3
	// ripeAfter is how many polls must have failed, besides the grace, for
	// a forgotten letter to be marked.
	ripeAfter = 2
)

// notKnown says whether the channel's answer (o, ok: whether it mentioned
// the letter at all) says it does not know the letter.
func notKnown(o channel.Observation, ok bool) bool {
	return !ok || errors.Is(o.Err, channel.ErrNotKnown)
}

// knew says whether d is a letter the channel has answered about
// before and that is not marked unknown.
func knew(d store.Due) bool { return d.Heard && d.UnknownSince == nil }

// ripe says whether a forgotten letter has been "not known" long enough to
// be marked: for UnknownGrace since the channel first said so, across
// repeated polls.
func ripe(d store.Due, now time.Time) bool {
	return d.NotKnownSince != nil && now.Sub(*d.NotKnownSince) >= UnknownGrace && d.PollFailures >= ripeAfter
}

// forgottenErr is the error of a forgotten letter not marked yet.
func forgottenErr(err error) error {
	return fmt.Errorf("%w; the channel answered about this letter before: it is marked unknown to the channel only if the channel keeps saying so for %s",
		err, i18n.English().Duration(UnknownGrace))
}

// distrust judges the "not known" answers of one batch (obs by channel id;
// due: the letters the channel answered about; an answer that failed counts
// neither way) by the rule above. It returns the letters whose "not known"
// is not taken, and why, when the answer is the channel's failure
// (forgetful is then set for the rest of the cycle); nil when each answer
// stands for its letter.
func (p *Poller) distrust(ctx context.Context, ch channel.Channel, due []store.Due, obs map[string]channel.Observation, now time.Time,
	forgetful *atomic.Bool, sum *Summary) ([]store.Due, error) {
	var not []store.Due
	heard, forgot, ripened := 0, 0, 0
	for _, d := range due {
		o, ok := obs[d.ChannelID]
		if ok && o.Err != nil && !errors.Is(o.Err, channel.ErrNotKnown) {
			continue // an answer that failed (or was not asked) says neither
		}
		known := !notKnown(o, ok)
		if knew(d) {
			heard++
		}
		if known {
			continue
		}
		not = append(not, d)
		if knew(d) {
			forgot++
			if ripe(d, now) {
				ripened++
			}
		}
	}
	if len(not) == 0 {
		return nil, nil
	}
	suspect := forgot >= suspectAt && 2*forgot >= heard
	if !forgetful.Load() {
		if !suspect && (ripened == 0 || heard > forgot) {
			// A few letters, none to be marked yet or beside letters it
			// knew and still knows: each answer is its letter's.
			return nil, nil
		}
		ids := make([]string, len(due))
		for i, d := range due {
			ids[i] = d.ChannelID
		}
		if p.stillKnows(ctx, ch, ids, sum) {
			return nil, nil
		}
		forgetful.Store(true)
	}
	sum.Failed++
	sum.Forgetful++
	sum.Untrusted += len(not)
	p.metrics.untrusted(ch.Name(), len(not))
	return not, fmt.Errorf("%w: %d of the %d letters of a batch it answered about before (%d letters not known in all), nor a letter it answered at its last poll; nothing is marked",
		ErrForgetful, forgot, heard, len(not))
}

// stillKnows asks the channel about a witness, a letter outside not that it
// answered usably at its last poll (store.PollWitness), and says whether
// the channel still knows it. No witness, or a call that fails: no.
func (p *Poller) stillKnows(ctx context.Context, ch channel.Channel, not []string, sum *Summary) bool {
	w, err := p.store.PollWitness(ctx, ch.Name(), not)
	if err != nil {
		p.log.Warn("could not find a letter to check the channel still knows its letters", "channel", ch.Name(), "error", err)
		return false
	}
	if w == "" {
		return false
	}
	sum.Calls++
	started := time.Now()
	obs, err := ch.Status(ctx, []string{w})
	p.metrics.call(ch.Name(), err, time.Since(started))
	if err != nil {
		sum.Failed++
		return false
	}
	for _, o := range obs {
		if strings.EqualFold(o.ChannelID, w) {
			return !errors.Is(o.Err, channel.ErrNotKnown)
		}
	}
	return false
}

// forgetfulErr is a cycle's error when batches' answers were the channel's
// failure (distrust).
func forgetfulErr(name string, sum Summary) error {
	return fmt.Errorf("%s: %w: %d answers \"not known\" in %d batches were not taken, nothing was marked; check the channel's base URL, API version and account",
		name, ErrForgetful, sum.Untrusted, sum.Forgetful)
}

// distrustLookUps is distrust for a feed's look-ups (ask: the channel ids
// looked up; obs: the answer): the look-ups whose "not known" is the log's
// failure are recorded as a failed call (poll_errors, each letter's
// backoff) and returned by shipment id, not to be marked or read.
func (p *Poller) distrustLookUps(ctx context.Context, f channel.Feed, ask []string, byChannelID map[string]store.Due,
	obs []channel.Observation, now time.Time, forgetful *atomic.Bool, sum *Summary) (map[string]bool, error) {
	answered := make(map[string]channel.Observation, len(obs))
	for _, o := range obs {
		answered[o.ChannelID] = o
	}
	due := make([]store.Due, len(ask))
	for i, id := range ask {
		due[i] = byChannelID[id]
	}
	untrusted, why := p.distrust(ctx, f, due, answered, now, forgetful, sum)
	if untrusted == nil {
		return nil, nil
	}
	sum.Errors += len(untrusted)
	if err := p.store.RecordPollError(ctx, f.Name(), now, dueIDs(untrusted), retries(untrusted, why, now), why, ""); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(untrusted))
	for _, d := range untrusted {
		out[d.ID] = true
	}
	return out, nil
}
