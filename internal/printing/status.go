package printing

import (
	"context"
	"errors"
	"net/http"
	"time"

	"postvakt/internal/httpclient"
	"postvakt/internal/jobs"
	"postvakt/internal/store"
)

// OrderLostAfter is how long the provider may answer a placed order's
// status poll with 404 (it does not know the order) before postvakt gives
// the order up: the letter goes to manual handling (store.ReasonPrintLost),
// never to a second order placed automatically, which could print it twice.
// Until then each 404 is the order's error, polled again with its backoff:
// a provider's deploy, a misrouted base URL or an index being rebuilt
// answers 404 as a provider that lost the order would. Any answer that
// knows the order starts the count again.
const OrderLostAfter = 24 * time.Hour

// PollStatus asks the provider for the state of every order that is not
// final and due at now, and logs every change: printed or posted closes the
// shipment's escalation, failed goes to manual handling. An order whose
// shipment was opened (or printed or closed by its channel) after the order
// was placed is cancelled instead, if the provider still allows it; a 409
// ("too late") is recorded as such. An order the provider answers 404 for
// (it does not know it) is polled again; after OrderLostAfter of such
// answers it goes to manual handling. It returns when nothing is due any
// more.
func (s *Service) PollStatus(ctx context.Context, now time.Time) (Summary, error) {
	return s.run(ctx, now, s.pollStatus)
}

// pollStatus is PollStatus counting into sum.
func (s *Service) pollStatus(ctx context.Context, now time.Time, sum *Summary) error {
	before := *sum
	// A status poll is only a read: the batch in hand finishes.
	err := jobs.EachClaim(ctx, func() ([]store.PrintPoll, error) {
		return s.st.ClaimPrintPolls(ctx, now, s.opt.BatchSize, s.opt.Lease)
	}, func(polls []store.PrintPoll) error {
		for _, p := range polls {
			if err := s.pollOne(ctx, p, now, sum); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n := sum.Polled - before.Polled; n > 0 {
		s.log.Info("print orders polled", "polled", n, "changed", sum.Changed-before.Changed, "cancelled", sum.Cancelled-before.Cancelled,
			"retried", sum.Retried-before.Retried, "manual", sum.Manual-before.Manual)
	}
	return ctx.Err()
}

func (s *Service) pollOne(ctx context.Context, p store.PrintPoll, now time.Time, sum *Summary) error {
	u := store.PrintStatusUpdate{ShipmentID: p.ShipmentID, At: now, NextPollAt: now.Add(s.opt.PollEvery)}
	sum.Polled++
	var (
		o   providerOrder
		err error
	)
	if p.WantsCancel() {
		o, u.Payload, err = s.cancelOrder(ctx, p.OrderID)
		var late *tooLateError
		switch {
		case err == nil:
			u.Cancel = store.CancelDone
			sum.Cancelled++
			s.log.Info("print order cancelled: shipment opened after the order", "shipment", p.ShipmentID, "order", p.OrderID)
		case errors.As(err, &late):
			u.Cancel, o.State, err = store.CancelRefused, late.state, nil
			s.log.Info("print order could not be cancelled: too late", "shipment", p.ShipmentID, "order", p.OrderID, "state", late.state)
		}
	} else {
		o, u.Payload, err = s.getOrder(ctx, p.OrderID)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		u.Error, u.ErrorClass, u.RetryAt = err.Error(), failureClass(err), retryAt(now, 1, err)
		u.NotFound = !p.WantsCancel() && notFound(err)
		if u.NotFound && p.NotFoundSince != nil && now.Sub(*p.NotFoundSince) >= OrderLostAfter {
			u.Lost = true
			sum.Manual++
			s.log.Error("print provider has not known the order since it first answered 404; manual handling, no second order placed",
				"shipment", p.ShipmentID, "order", p.OrderID, "not_found_since", *p.NotFoundSince, "error", err)
			return s.st.ApplyPrintStatus(ctx, u)
		}
		sum.Retried++
		if u.NotFound {
			s.log.Warn("print provider does not know the order; asked again later, manual handling if it keeps saying so",
				"shipment", p.ShipmentID, "order", p.OrderID, "for", OrderLostAfter, "error", err)
		} else {
			s.log.Warn("print order status unknown; asked again later", "shipment", p.ShipmentID, "order", p.OrderID, "error", err)
		}
		return s.st.ApplyPrintStatus(ctx, u)
	}
	u.State, u.FailureReason = o.State, o.FailureReason
	if u.State != p.State {
		sum.Changed++
		s.log.Info("print order state changed", "shipment", p.ShipmentID, "order", p.OrderID, "from", p.State, "to", u.State)
	}
	return s.st.ApplyPrintStatus(ctx, u)
}

// notFound reports whether err is the provider's 404: it does not know
// the order asked about.
func notFound(err error) bool {
	var se *httpclient.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusNotFound
}
