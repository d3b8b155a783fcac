package poll

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"net/http"
	"slices"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/httpclient"
)

// answer is what asking the channel about one batch came to.
type answer struct {
	obs      map[string]channel.Observation // by channel id as asked
	failed   map[string]bool                // ids no call answered
	callErr  error                          // why, for failed
	answered bool                           // the channel answered a call (or a health check)
}

// ask asks the channel about ids. A call that fails as a whole although
// the channel answered it (an error status, an unreadable answer) may be
// the doing of one or a few ids whose records break the channel: the batch
// is then narrowed down, asking again for its halves (breadth first) until
// the failing ids are isolated, each of which becomes that id's own error
// with its own backoff, and the rest is answered. Narrowing stops early,
// leaving what is not isolated failed as a whole, when no part has been
// answered by the second level and the channel does not answer about a
// letter it answered before either (it is down, not a letter), when
// the error is not one a letter can cause (network, open breaker, token,
// 401, rate limit), or after a bounded number of calls. A 403 is narrowed:
// SvarUt may refuse a whole status-sok for one letter of another account
// or organisation in it, and a refusal of everything (an integration that
// lost the account) ends at the early stop above, as an outage does. A
// channel that asked about each id on its own and failed on every one
// (channel.AllFailedError: Altinn) is not narrowed: it is down, and the
// call failed, unless it answers about a letter it answered before; then
// each letter's failure is its own.
//
// A failed call that held a letter narrowing isolated (its failure that
// letter's own) is no failure of the channel's: it counts among the calls,
// not the failed ones (Summary.Failed, the channel's activity that
// channel_silent reads), and its metric outcome is "letter"; one letter
// broken in SvarUt made a failed call at each level of the narrowing, every
// cycle, and the channel looked down.
func (p *Poller) ask(ctx context.Context, ch channel.Channel, ids []string, sum *Summary) answer {
	a := answer{obs: make(map[string]channel.Observation, len(ids)), failed: map[string]bool{}}
	var failedCalls []failedCall
	blamed := map[string]bool{} // letters whose failure is their own
	defer func() { p.settle(ch.Name(), failedCalls, blamed, sum) }()
	call := func(ctx context.Context, part []string) error {
		sum.Calls++
		started := time.Now()
		obs, err := ch.Status(ctx, part)
		took := time.Since(started)
		var each *channel.AllFailedError
		if errors.As(err, &each) && ctx.Err() == nil && p.healthy(httpclient.Narrowing(ctx), ch, part, sum) {
			// The channel failed on every letter, each asked on its own,
			// and answers about a letter it answered before: the failures
			// are the letters' own, each with its backoff.
			obs, err = each.Obs, nil
		}
		if err != nil {
			failedCalls = append(failedCalls, failedCall{part: part, took: took})
			return err
		}
		p.metrics.called(ch.Name(), callOK, took)
		a.answered = true
		for _, o := range obs {
			a.obs[o.ChannelID] = o
		}
		return nil
	}
	fail := func(parts [][]string, err error) answer {
		for _, part := range parts {
			for _, id := range part {
				a.failed[id] = true
			}
		}
		if a.callErr == nil {
			a.callErr = err
		}
		return a
	}
	err := call(ctx, ids)
	if err == nil {
		return a
	}
	if !narrowable(err) || ctx.Err() != nil {
		return fail([][]string{ids}, err)
	}
	if len(ids) == 1 {
		// A letter due on its own (its backoff after an earlier failure,
		// or the tail of a cycle): its error when the channel answers
		// about another letter and then fails on this one again, as a
		// letter in a batch is isolated only after failing at every
		// level; else the call failed as a whole.
		nctx := httpclient.Narrowing(ctx)
		if !p.healthy(nctx, ch, ids, sum) {
			return fail([][]string{ids}, err)
		}
		a.answered = true
		again := call(nctx, ids)
		switch {
		case again == nil:
			return a
		case ctx.Err() != nil || !narrowable(again):
			return fail([][]string{ids}, again)
		}
		a.obs[ids[0]], blamed[ids[0]] = failing(ids[0], again), true
		return a
	}
	p.log.Info("channel call failed as a whole; narrowing the batch down to the letters that fail it",
		"channel", ch.Name(), "shipments", len(ids), "error", err)
	nctx := httpclient.Narrowing(ctx)
	budget := 4*bits.Len(uint(len(ids))) + 8
	isolated := map[string]error{}
	pending := [][]string{ids}
	probed := false
	for level := 1; len(pending) > 0; level++ {
		var next [][]string
		calls := 0
		for i, part := range pending {
			halves := [][]string{part[:len(part)/2], part[len(part)/2:]}
			// unanswered is every letter not answered when the narrowing
			// stops at halves[j]: the parts still to split, this part's
			// halves from j on, the later parts, and the letters isolated so
			// far (their failure may be the same rate limit or outage).
			unanswered := func(j int) [][]string {
				out := append(append(append([][]string{}, next...), halves[j:]...), pending[i+1:]...)
				for id := range isolated {
					out = append(out, []string{id})
				}
				return out
			}
			for j, half := range halves {
				if budget == 0 {
					return fail(unanswered(j), err)
				}
				budget--
				calls++
				herr := call(nctx, half)
				switch {
				case herr == nil:
				case ctx.Err() != nil || !narrowable(herr):
					return fail(unanswered(j), herr)
				case len(half) == 1:
					isolated[half[0]] = herr
				default:
					next = append(next, half)
				}
			}
		}
		if !a.answered && !probed && (calls >= 4 || len(next) == 0) {
			// Nothing answered at all: the channel is failing, unless it
			// answers about a letter it answered before.
			probed = true
			if !p.healthy(nctx, ch, ids, sum) {
				for id := range isolated {
					next = append(next, []string{id})
				}
				return fail(next, err)
			}
			a.answered = true // the channel was reached
		}
		pending = next
	}
	for id, herr := range isolated {
		a.obs[id], blamed[id] = failing(id, herr), true
	}
	return a
}

// failedCall is a channel call of ask that failed: the letters it asked
// about, and how long it took.
type failedCall struct {
	part []string
	took time.Duration
}

// settle counts ask's failed calls once it is known whose failures they
// were: a call that held a letter whose failure is its own (blamed) is
// callLetter, any other a failed call of the channel's (Summary.Failed).
func (p *Poller) settle(ch string, calls []failedCall, blamed map[string]bool, sum *Summary) {
	for _, c := range calls {
		outcome := callError
		if slices.ContainsFunc(c.part, func(id string) bool { return blamed[id] }) {
			outcome = callLetter
		} else {
			sum.Failed++
		}
		p.metrics.called(ch, outcome, c.took)
	}
}

// failing is the observation of a letter the channel's answer fails on:
// refused (403) or failing.
func failing(id string, err error) channel.Observation {
	var se *httpclient.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusForbidden {
		return channel.Observation{ChannelID: id, Err: fmt.Errorf("%w: the channel answers 403 whenever this letter is asked about (a letter of another account or organisation?): %v", channel.ErrRefused, err)}
	}
	return channel.Observation{ChannelID: id, Err: fmt.Errorf("%w: the channel's answer fails whenever this letter is asked about: %v", channel.ErrFailing, err)}
}

// healthy asks the channel about one letter outside ids that it answered
// at its last poll (store.PollCanary): when that is answered, a batch of
// which no part was answered failed because of its letters, not because
// the channel is down.
func (p *Poller) healthy(ctx context.Context, ch channel.Channel, ids []string, sum *Summary) bool {
	canary, err := p.store.PollCanary(ctx, ch.Name(), ids)
	if err != nil || canary == "" {
		return false
	}
	sum.Calls++
	started := time.Now()
	_, err = ch.Status(ctx, []string{canary})
	p.metrics.call(ch.Name(), err, time.Since(started))
	if err != nil {
		sum.Failed++
		return false
	}
	return true
}

// narrowable reports whether a failed call was answered by the channel in
// a way one letter's record could cause: a server error, an unreadable or
// oversized answer, a client error other than 401 and 429 (never a request
// not sent, for want of a token). A 403 is: the specs leave SvarUt's
// status errors open ("default": ErrorMessage), and a status-sok carrying
// one id of another account or organisation (an import's wrong id, a
// letter moved) may be refused as a whole. A refusal the adapter already
// made the call's (Altinn: every letter refused, each asked on its own) is
// an access problem, not narrowed.
func narrowable(err error) bool {
	if errors.Is(err, httpclient.ErrNotSent) {
		return false // no token (the token service's 5xx too): no letter's doing
	}
	if errors.Is(err, channel.ErrRefused) {
		return false // every letter, each asked on its own, refused: the caller's access
	}
	var each *channel.AllFailedError
	if errors.As(err, &each) {
		return false // every letter, each asked on its own, failed: the channel down (call)
	}
	var bad *channel.BadResponseError
	if errors.As(err, &bad) || errors.Is(err, httpclient.ErrBodyTooLarge) {
		return true
	}
	var se *httpclient.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.StatusCode {
	case http.StatusUnauthorized, http.StatusTooManyRequests:
		return false
	}
	return se.RetryAfter == 0
}
