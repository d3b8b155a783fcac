package printing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/store"
)

// OrderLostAfter is how long the provider may answer a placed order's
// status poll (or cancel) with 404 (it does not know the order) before postvakt gives
// the order up: the letter goes to manual handling (store.ReasonPrintLost),
// never to a second order placed automatically, which could print it twice.
// Until then each 404 is the order's error, polled again with its backoff:
// a provider's deploy, a misrouted base URL or an index being rebuilt
// answers 404 as a provider that lost the order would. Any answer that
// knows the order starts the count again. An order to cancel (its letter
// opened or closed after the order) that the provider does not know for
// as long has nothing to cancel: it ends failed, as a lost one, but
// without manual handling, since nobody waits for the paper; the cancel
// is not asked again and again for ever.
//
// Only a 404 the provider can be taken at its word for counts (trust): one
// in a run of PollStatus in which the provider showed that it knows
// postvakt's orders. A provider that answers 404 for every order (a wrong
// base URL after a config change, an outage answering 404, a new account)
// would otherwise send every open order to manual handling at once, for
// letters that may well be printed. The one open order there is, with
// nothing to compare it with, counts as before: at worst one manual case.
const OrderLostAfter = 24 * time.Hour

// PollStatus asks the provider for the state of every order that is not
// final and due at now, and logs every change: printed or posted closes the
// shipment's escalation, failed goes to manual handling. An order whose
// shipment was opened (or printed or closed by its channel) after the order
// was placed is cancelled instead, if the provider still allows it; a 409
// ("too late") is recorded as such, unless it names the order cancelled
// (an earlier cancel took effect). A poll or cancel that fails is asked
// again after a backoff by the order's consecutive failures (pollRetryAt),
// one print_error event each. An order the provider answers 404 for
// (it does not know it) is polled again; after OrderLostAfter of such
// answers, counted as trust says, it goes to manual handling; an order to
// cancel that the provider has answered 404 for as long has nothing to
// cancel: it ends without manual handling (store.CancelGone). It returns
// when nothing is due any more: an error wrapping ErrProviderKnowsNone
// when, in the run, the provider knew none of the orders asked about.
func (s *Service) PollStatus(ctx context.Context, now time.Time) (Summary, error) {
	return s.run(ctx, now, s.pollStatus)
}

// pollStatus is PollStatus counting into sum.
func (s *Service) pollStatus(ctx context.Context, now time.Time, sum *Summary) error {
	before := *sum
	var tr trust
	// After an answer asking postvakt to slow down (a 429), or refusing
	// the request itself (a 401), the provider is not asked again this run
	// (noteStop): each further poll would be one more request it said not
	// to make, or one more refused.
	var stop *httpclient.StatusError
	// A status poll is only a read: the batch in hand finishes.
	err := jobs.EachClaim(ctx, func() ([]store.PrintPoll, error) {
		return s.st.ClaimPrintPolls(ctx, now, s.opt.BatchSize, s.opt.Lease)
	}, func(polls []store.PrintPoll) error {
		// The 404s not judged yet: recorded at the end of the batch, once
		// it is known whether they count.
		var held []answer
		for _, p := range polls {
			a, err := s.ask(ctx, p, now, sum, &stop)
			if err != nil {
				return err
			}
			switch {
			case a.u.NotFound && !tr.known:
				held = append(held, a)
				continue
			case a.err == nil || a.known:
				tr.known = true // the provider knew this order
			}
			if err := s.record(ctx, a, counted, sum); err != nil {
				return err
			}
		}
		if len(held) == 0 {
			return nil
		}
		v, err := s.judge(ctx, &tr, held, &stop)
		if err != nil {
			return err
		}
		for _, a := range held {
			if err := s.record(ctx, a, v, sum); err != nil {
				return err
			}
		}
		switch v {
		case untrusted:
			tr.untrusted += len(held)
		case undecided:
			tr.undecided += len(held)
		}
		return nil
	})
	var knowsNone error
	if tr.untrusted > 0 {
		// Every answer is recorded: the run fails only after, so that the
		// scheduled job counts it (postvakt_job_runs_total{outcome="failed"}).
		// The error is the run's one line: whoever runs it logs or prints
		// it (the job's "scheduled job failed", postvakt print drain),
		// so it is not logged here too, unless another error ends the run.
		knowsNone = fmt.Errorf("poll print order status: %w (404s of %d orders not counted toward any order's loss, none sent to manual handling; provider %s; the other order asked: %s)",
			ErrProviderKnowsNone, tr.untrusted, s.providerHost(), tr.witness)
	}
	if tr.undecided > 0 {
		s.log.Warn("print provider's 404s not judged in this run: asking it about another order failed; they neither count toward nor end their orders' not-found windows",
			"orders", tr.undecided, "provider", s.providerHost(), "witness", tr.witness)
	}
	if err != nil {
		if knowsNone != nil {
			s.log.Error("print provider knows none of postvakt's orders it was asked about", "error", knowsNone)
		}
		return err
	}
	if n := sum.Polled - before.Polled; n > 0 {
		s.log.Info("print orders polled", "polled", n, "changed", sum.Changed-before.Changed, "cancelled", sum.Cancelled-before.Cancelled,
			"retried", sum.Retried-before.Retried, "manual", sum.Manual-before.Manual, "not_found_untrusted", tr.untrusted)
	}
	if err := ctx.Err(); err != nil {
		if knowsNone != nil {
			s.log.Error("print provider knows none of postvakt's orders it was asked about", "error", knowsNone)
		}
		return err
	}
	return knowsNone
}

// ErrProviderKnowsNone is returned (wrapped) by PollStatus and RunOnce for
// a run in which the print provider knew none of postvakt's orders it was
// asked about (trust's untrusted verdict): every answer of the run is
// recorded and no order goes to manual handling, but the run counts as
// failed, so the scheduled job's metric shows what is otherwise only an
// error line a run; the health rule print_provider_silent alerts once it
// has lasted. A caller that goes on after a print run (escalate's
// notices) tells it from a failure that stopped the run with errors.Is.
var ErrProviderKnowsNone = errors.New("the print provider knows none of postvakt's orders it was asked about; check POSTVAKT_PRINT_URL and the provider account")

// answer is one status poll's (or cancel's) outcome, not recorded yet.
type answer struct {
	p     store.PrintPoll
	u     store.PrintStatusUpdate
	err   error // the provider call's error
	known bool  // a cancel failed, but the provider knows the order (cancelGone)
}

// cancelGone says whether a cancel's 404 means the provider does not know
// the order: only when its status poll answers 404 too (gone). A provider
// whose cancel answers 404 for an order its status poll finds (a cancel
// endpoint missing or misrouted) knows the order (known): the cancel is a
// failed call, asked again with its backoff, and never ends the order; one
// whose status poll fails otherwise cannot tell (neither).
func (s *Service) cancelGone(ctx context.Context, orderID string) (gone, known bool) {
	_, _, err := s.getOrder(ctx, orderID)
	return err != nil && notFound(err), err == nil
}

// ask polls the provider about one order (or cancels it). The error is
// only the context's: the provider's is the answer's. With *stop (an
// answer of this run saying the provider is not to be asked again:
// noteStop) it is not asked: a failed poll that waits its backoff, or the
// Retry-After; a call so answered sets it.
func (s *Service) ask(ctx context.Context, p store.PrintPoll, now time.Time, sum *Summary, stop **httpclient.StatusError) (answer, error) {
	a := answer{p: p, u: store.PrintStatusUpdate{ShipmentID: p.ShipmentID, At: now, NextPollAt: now.Add(s.opt.PollEvery)}}
	if *stop != nil {
		a.err = &notAskedError{*stop}
		a.u.Error, a.u.ErrorClass = a.err.Error(), failureClass(a.err)
		a.u.RetryAt = pollRetryAt(p, now, a.err, false)
		return a, nil
	}
	sum.Polled++
	var o providerOrder
	if p.WantsCancel() {
		o, a.u.Payload, a.err = s.cancelOrder(ctx, p.OrderID)
		a.u.CancelWhy = p.CancelWhy()
		var late *tooLateError
		switch {
		case a.err == nil && (o.State == "printed" || o.State == "posted" || o.State == "failed"):
			// A 200 that answers with the order as it is, already
			// printed (or failed), rather than the documented 409: too
			// late all the same, not cancelled.
			a.u.Cancel = store.CancelRefused
			s.log.Info("print order could not be cancelled: too late", "shipment", p.ShipmentID, "order", p.OrderID, "state", o.State)
		case a.err == nil && o.State != store.PrintStateCancelled:
			// A 200 with the order still received (a provider that
			// queued the cancel, or ignored it) is no cancel: recorded
			// as cancelled, the cancel was never asked again and the
			// letter was printed all the same. A failed cancel of an
			// order the provider knows, asked again with its backoff.
			a.err, a.known = fmt.Errorf("print provider cancel: answered with the order %s, not cancelled", o.State), true
		case a.err == nil, errors.As(a.err, &late) && late.state == store.PrintStateCancelled:
			// A 409 naming the order cancelled: an earlier cancel,
			// whose answer was lost, took effect. Not too late.
			if late != nil {
				o.State, a.err = late.state, nil
			}
			a.u.Cancel = store.CancelDone
			sum.Cancelled++
			s.log.Info("print order cancelled: "+a.u.CancelWhy, "shipment", p.ShipmentID, "order", p.OrderID)
		case late != nil:
			a.u.Cancel, o.State, a.err = store.CancelRefused, late.state, nil
			s.log.Info("print order could not be cancelled: too late", "shipment", p.ShipmentID, "order", p.OrderID, "state", late.state)
		}
	} else {
		o, a.u.Payload, a.err = s.getOrder(ctx, p.OrderID)
	}
	if ctx.Err() != nil {
		return a, ctx.Err()
	}
	if a.err != nil {
		noteStop(a.err, stop)
		a.u.Error, a.u.ErrorClass = a.err.Error(), failureClass(a.err)
		a.u.Named = errors.Is(a.err, errUnknownState) // it knows the order: a run of 404s ends
		a.u.NotFound = notFound(a.err)                // a cancel's too: trust judges it, and after OrderLostAfter there is nothing to cancel
		if a.u.NotFound && p.WantsCancel() {
			a.u.NotFound, a.known = s.cancelGone(ctx, p.OrderID)
			if ctx.Err() != nil {
				return a, ctx.Err()
			}
		}
		a.u.RetryAt = pollRetryAt(p, now, a.err, a.u.NotFound)
		return a, nil
	}
	a.u.State, a.u.FailureReason = o.State, o.FailureReason
	return a, nil
}

// pollRetryAt is when to poll (or cancel) an order again after a failed
// call: with the backoff of its consecutive failed polls, this one
// included (1 minute doubling to an hour, or later when the provider asked
// for it), as a create is sent again by its attempts. A 404 within a
// running OrderLostAfter window is asked again at the window's end at the
// latest (unless the provider asked for later), so a lost order goes to
// manual handling when the window is over, not up to a backoff later.
func pollRetryAt(p store.PrintPoll, now time.Time, err error, notFound bool) time.Time {
	at := retryAt(now, p.PollFailures+1, err)
	if !notFound || p.NotFoundSince == nil {
		return at
	}
	end := p.NotFoundSince.Add(OrderLostAfter)
	if !end.After(now) || !end.Before(at) {
		return at
	}
	if asked := now.Add(retryAfter(err)); asked.After(end) {
		return asked
	}
	return end
}

// record stores an answer. v says whether a 404 in it counts toward the
// order's loss (trust).
func (s *Service) record(ctx context.Context, a answer, v trustVerdict, sum *Summary) error {
	p, u := a.p, a.u
	if a.err == nil {
		if u.State != p.State {
			sum.Changed++
			s.log.Info("print order state changed", "shipment", p.ShipmentID, "order", p.OrderID, "from", p.State, "to", u.State)
		}
		return s.st.ApplyPrintStatus(ctx, u)
	}
	if u.NotFound && v == counted && p.NotFoundSince != nil && u.At.Sub(*p.NotFoundSince) >= OrderLostAfter {
		u.Lost, u.LostSince = true, *p.NotFoundSince
		if p.WantsCancel() {
			// The letter was opened (or printed or closed by its channel)
			// after the order: nobody waits for the paper, and an order
			// the provider does not know has nothing left to cancel. It
			// ends as a lost one, without manual handling.
			u.Cancel = store.CancelGone
			s.log.Warn("print provider has not known the order to cancel since it first answered 404: nothing to cancel; the order ends, no manual handling",
				"shipment", p.ShipmentID, "order", p.OrderID, "not_found_since", *p.NotFoundSince, "error", a.err)
			return s.st.ApplyPrintStatus(ctx, u)
		}
		sum.Manual++
		s.log.Error("print provider has not known the order since it first answered 404; manual handling, no second order placed",
			"shipment", p.ShipmentID, "order", p.OrderID, "not_found_since", *p.NotFoundSince, "error", a.err)
		return s.st.ApplyPrintStatus(ctx, u)
	}
	sum.Retried++
	switch {
	case u.NotFound && v == untrusted:
		// Logged once for the run, by pollStatus.
		u.NotFound, u.NotFoundUntrusted = false, true
		u.Error += "; not counted toward the order's loss: the provider knew none of the orders asked about in this run"
	case u.NotFound && v == undecided:
		// Logged once for the run, by pollStatus.
		u.NotFound = false
		u.Error += "; not judged in this run: asking the provider about another order failed"
	case u.NotFound && p.WantsCancel():
		s.log.Warn("print provider does not know the order to cancel; asked again later, ended if it keeps saying so",
			"shipment", p.ShipmentID, "order", p.OrderID, "for", OrderLostAfter, "error", a.err)
	case u.NotFound:
		s.log.Warn("print provider does not know the order; asked again later, manual handling if it keeps saying so",
			"shipment", p.ShipmentID, "order", p.OrderID, "for", OrderLostAfter, "error", a.err)
	default:
		s.log.Warn("print order status unknown; asked again later", "shipment", p.ShipmentID, "order", p.OrderID, "error", a.err)
	}
	return s.st.ApplyPrintStatus(ctx, u)
}

// trust is what one run of PollStatus has learnt about whether the
// provider's 404s can be taken at their word. The rule, in this one place:
//
//   - A 404 counts toward its order's loss when, in the same run, the
//     provider showed that it knows postvakt's orders: a status poll or a
//     cancel that found its order, or else a witness, one other open
//     order (store.PrintWitness, preferably one its last poll knew), asked
//     once per run and found.
//   - When the run's polls found no order and the witness is not found
//     either (404), or there is no witness and several orders answered
//     404, the provider knows none of the orders: no 404
//     of the run counts, and each ends its order's run of 404s
//     (store.PrintStatusUpdate.NotFoundUntrusted), so no order's
//     OrderLostAfter starts or runs on while the provider forgets
//     everything, and once it comes back an order it still does not know
//     has the whole window again. The run logs one error with the count
//     and the provider's host.
//   - When asking the witness fails (a timeout, a 5xx), the run cannot
//     tell: its 404s neither count nor end their orders' runs of 404s
//     (not_found_since stays), so a flaky provider neither hides a lost
//     order for good nor loses one on a failed call. One warning a run.
//   - The only open order there is (no witness, one 404) has nothing to
//     compare with: its 404 counts, as before. The cost of being wrong
//     is one manual case, not one per open order.
//
// A create's answer does not count (a new account takes new orders and
// knows none of the old); an order placed under a new account and found by
// its poll does, so a new account is covered only until then.
type trust struct {
	known     bool         // the provider found an order this run
	judged    bool         // the witness was asked (or there was none)
	verdict   trustVerdict // once judged: untrusted or undecided
	untrusted int          // 404s not counted this run, their runs ended
	undecided int          // 404s not judged this run
	witness   string       // what showed the provider knows none or could not tell: the witness's failure, or "none"
}

// trustVerdict is whether a run's 404s count toward their orders' loss.
type trustVerdict int

const (
	counted   trustVerdict = iota // the provider showed it knows postvakt's orders
	untrusted                     // it knows none of them: the 404s end their orders' runs
	undecided                     // the witness could not be asked: the 404s neither count nor end a run
)

// judge says whether the held 404s (at least one, no order found so far in
// this run) count, asking a witness the first time in a run, unless the
// provider is not to be asked again in the run (*stop, as ask): then the
// witness is a failed call.
func (s *Service) judge(ctx context.Context, tr *trust, held []answer, stop **httpclient.StatusError) (trustVerdict, error) {
	if tr.known {
		return counted, nil
	}
	if tr.judged {
		return tr.verdict, nil
	}
	ids := make([]string, len(held))
	for i, a := range held {
		ids[i] = a.p.ShipmentID
	}
	w, err := s.st.PrintWitness(ctx, ids)
	if err != nil {
		return counted, err
	}
	if w == "" {
		if len(held) == 1 {
			return counted, nil // the only open order: nothing to compare with
		}
		tr.judged, tr.verdict, tr.witness = true, untrusted, "none"
		return untrusted, nil
	}
	if *stop != nil {
		err = &notAskedError{*stop}
	} else {
		_, _, err = s.getOrder(ctx, w)
		if ctx.Err() != nil {
			return counted, ctx.Err()
		}
		noteStop(err, stop)
	}
	if err == nil {
		tr.known = true
		return counted, nil
	}
	tr.judged, tr.verdict, tr.witness = true, undecided, failureClass(err)
	if notFound(err) {
		tr.verdict = untrusted
	}
	return tr.verdict, nil
}

// providerHost is the print provider's host for logs (never its path,
// query or key); "" when its client does not say.
func (s *Service) providerHost() string {
	if h, ok := s.opt.Provider.(interface{ Host() string }); ok {
		return h.Host()
	}
	return ""
}

// notFound reports whether err is the provider's 404: it does not know
// the order asked about.
func notFound(err error) bool {
	var se *httpclient.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusNotFound
}
