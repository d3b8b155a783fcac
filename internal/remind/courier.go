package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/jobs"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// StatusBusy: another transaction held some of the organisation's letters
// (another run's claim, a poll writing them); nothing was claimed, the
// next run tries again.
const StatusBusy Status = "busy"

// Result is what became of one organisation's group in a Courier's batch:
// its outcome, or the store error that stopped it.
type Result struct {
	Outcome Outcome
	Err     error
}

// Courier is one delivery worker: it takes the groups of many
// organisations through the stages a batch at a time, and sends over one
// SMTP session for all its batches (when the Sender has sessions). Close
// it when done. A Courier is not safe for concurrent use.
type Courier struct {
	r    *Reminder
	send Sender
	sess *Session
	// orders places its Altinn Notifications orders (orderer), shared by
	// the run's couriers: Altinn is not asked again after it throttled one.
	orders *throttle
	// Closed, when set, reports whether an organisation's reminder may no
	// longer go out now (its send window closed during the run): checked
	// before its claim and again before its send begins.
	Closed func(Group) bool
	// Now, when set, is the time as the run goes on: a sent reminder is
	// dated when the server accepted it (store.ReminderOutcome.At), not
	// at the run's start. Nil: the run's now.
	Now func() time.Time
}

// at is the time now as the run goes on (Now), for a delivery of a run as
// of now.
func (c *Courier) at(now time.Time) time.Time {
	if c.Now == nil {
		return now
	}
	return c.Now()
}

// closed reports whether g's reminder waits for its next send window.
func (c *Courier) closed(g Group, dryRun bool) bool {
	if dryRun || c.Closed == nil || !c.Closed(g) {
		return false
	}
	// Debug: past the window every organisation still to go says it; the
	// run's summary counts them.
	c.log(g.Org, false).Debug("reminder not sent: its send window closed during the run; it goes in the next window",
		"shipments", len(g.Shipments))
	return true
}

// orderer is what places the courier's orders, through r.Orders.Notifier.
func (c *Courier) orderer() Orderer {
	if c.orders == nil {
		c.orders = &throttle{o: c.r.Orders.Notifier}
	}
	return c.orders
}

// sessions is a Sender that can keep a connection open (*SMTP).
type sessions interface {
	Session() *Session
}

// Courier returns a delivery worker.
func (r *Reminder) Courier() *Courier { return r.Couriers(1)[0] }

// Couriers returns a run's n delivery workers. They share the run's hold
// on Altinn Notifications (throttle): after Altinn throttled or refused
// one worker's order, no worker of the run sends it another.
func (r *Reminder) Couriers(n int) []*Courier {
	t := &throttle{}
	if r.Orders != nil {
		t.o = r.Orders.Notifier
	}
	cs := make([]*Courier, n)
	for i := range cs {
		c := &Courier{r: r, send: r.Sender, orders: t}
		if s, ok := r.Sender.(sessions); ok {
			c.sess = s.Session()
			c.send = c.sess
		}
		cs[i] = c
	}
	return cs
}

// Close ends the courier's SMTP session.
func (c *Courier) Close() {
	if c.sess != nil {
		c.sess.Close()
	}
}

// pendingSend is a claimed message of a batch on its way.
type pendingSend struct {
	i     int // the group's index
	n     *store.Notification
	msg   *Message
	order []byte
	to    int // addresses
	// fallback are the addresses a reminder by order alone goes to by
	// e-mail should Altinn refuse its order (Routing.Fallback).
	fallback []string
}

// Deliver takes groups (one organisation each) through the address,
// dedupe, send and record stages as of now: the addresses in one query,
// one claim transaction for all, then the messages one after the other,
// each recorded when sent. With dryRun it only previews and changes
// nothing. The results are in the order of gs; a failed send is an
// Outcome, Err is for the store.
func (c *Courier) Deliver(ctx context.Context, gs []Group, now time.Time, dryRun bool) []Result {
	res := make([]Result, len(gs))
	orgs := make([]string, len(gs))
	for i, g := range gs {
		res[i].Outcome.Org, res[i].Outcome.OrgName, orgs[i] = g.Org, g.OrgName, g.Org
	}
	book, err := c.r.Log.ReminderAddressesOf(ctx, orgs)
	if err != nil {
		for i := range res {
			res[i].Err = err
		}
		return res
	}
	var claims []store.Claim
	var which []int
	routes := make([]Routing, len(gs))
	for i, g := range gs {
		rt := RouteOf(book[g.Org], g.LookedUp, g.AddressUnknown, c.r.ordersTo(g.Org))
		routes[i], res[i].Outcome.Route = rt, rt.Route
		if c.closed(g, dryRun) {
			res[i].Outcome.Status = StatusWindowClosed
			continue
		}
		if rt.Route == RouteAddressUnknown {
			res[i].Outcome.Status = StatusAddressUnknown
			c.log(g.Org, dryRun).Warn("no address known for the organisation and the lookup failed; the next run tries again",
				"shipments", len(g.Shipments))
			continue
		}
		claims = append(claims, store.Claim{Org: g.Org, Items: g.Shipments, Recipients: rt.To, Now: now,
			ByOrder: rt.Route == RouteOrder})
		which = append(which, i)
	}
	claimed, errs := c.claim(ctx, claims, dryRun)
	var sends []pendingSend
	for k, cr := range claimed {
		i := which[k]
		if errs[k] != nil {
			res[i].Err = errs[k]
			continue
		}
		ps, err := c.prepare(ctx, &res[i].Outcome, cr, routes[i], now, dryRun)
		if err != nil {
			res[i].Err = err
			continue
		}
		if ps != nil {
			ps.i = i
			sends = append(sends, *ps)
		}
	}
	if len(sends) == 0 {
		return res
	}
	// Each message is marked begun, sent and recorded before the next: a
	// crash leaves only the message on the wire unknown, and the batch's
	// messages not yet begun are sent by a later run.
	for _, ps := range sends {
		out := &res[ps.i].Outcome
		if closed := c.closed(gs[ps.i], false); closed || jobs.Draining(ctx) {
			// A stop: no new send begins; what this run claimed goes back
			// for the next run (not after the lease), counted by the run's
			// summary. So does a reminder whose send window closed.
			why := store.GivenBackStop
			out.Status = StatusGivenBack
			if closed {
				out.Status, why = StatusWindowClosed, store.GivenBackWindowClosed
			}
			if err := c.r.Log.GiveBackNotification(context.WithoutCancel(ctx), ps.n.ID, ps.n.ClaimedAt, now, why); err != nil {
				res[ps.i].Err = err
			}
			continue
		}
		ours, err := Begin(ctx, c.r.Log, ps.n)
		if errors.Is(err, store.ErrListedLetterChanged) {
			// A letter it lists was opened while the batch's earlier
			// messages went out: not sent; the next run sends the
			// organisation's message without it.
			out.Status = StatusNothing
			c.log(out.Org, false).Info("reminder not sent: a letter it lists was opened after the claim; the next run sends it without that letter",
				"notification", ps.n.ID)
			continue
		}
		if err != nil {
			res[ps.i].Err = err
			continue
		}
		if !ours {
			out.Status = StatusNothing
			c.log(out.Org, false).Warn("reminder taken over by another run (the lease ran out); not sent by this one",
				"notification", ps.n.ID)
			continue
		}
		if ps.to == 0 {
			// RouteOrder: the reminder is the order alone.
			if err := c.sendByOrder(ctx, out, ps, now); err != nil {
				res[ps.i].Err = err
			}
			continue
		}
		// Begun, the send is not cut by a stop: the SMTP client's own
		// timeout bounds it (a cut one would be unknown). Dated as it
		// goes, as its evidence is (not at the run's start).
		ps.msg.Date = c.at(now)
		out.Status, out.Err = Send(context.WithoutCancel(ctx), c.send, ps.msg)
		out.Refused = ps.msg.Refused
		rec := outcomeOf(ps.n, ps.msg, out.Status, out.Err)
		rec.At = c.at(now)
		if err := c.record(ctx, rec, now); err != nil {
			res[ps.i].Err = fmt.Errorf("record reminder %d to %s as %s: %w", ps.n.ID, out.Org, out.Status, err)
			continue
		}
		if out.Status == StatusSent && ps.order != nil {
			out.OrderID, out.OrderErr = c.r.placeWith(ctx, c.orderer(), ps.n.ID, out.Org, ps.order, 0, now)
		}
		c.logSent(*out, ps)
	}
	return res
}

// claim claims (or previews) the batch in one transaction; when that
// fails, one organisation at a time, so that one organisation's problem is
// its own.
func (c *Courier) claim(ctx context.Context, cs []store.Claim, dryRun bool) ([]store.ClaimResult, []error) {
	errs := make([]error, len(cs))
	if len(cs) == 0 {
		return nil, errs
	}
	do := c.r.Log.ClaimReminders
	if dryRun {
		do = c.r.Log.PreviewReminders
	}
	res, err := do(ctx, cs)
	if err == nil {
		return res, errs
	}
	if len(cs) == 1 {
		errs[0] = err
		return make([]store.ClaimResult, 1), errs
	}
	res = make([]store.ClaimResult, len(cs))
	for i := range cs {
		one, err := do(ctx, cs[i:i+1])
		if err != nil {
			errs[i] = err
			continue
		}
		res[i] = one[0]
	}
	return res, errs
}

// logDropped writes one line per reason for an organisation's letters left
// out of its reminder, not one a letter: a failed message waiting for its
// retry leaves every letter out at every run (at Debug: the run's summary
// counts them).
func logDropped(log *slog.Logger, dropped []store.Dropped) {
	byReason := map[model.Drop][]Shipment{}
	var order []model.Drop
	detail := map[model.Drop]string{}
	for _, d := range dropped {
		if _, seen := byReason[d.Reason]; !seen {
			order, detail[d.Reason] = append(order, d.Reason), d.Detail
		}
		byReason[d.Reason] = append(byReason[d.Reason], Shipment{ShipmentID: d.ShipmentID})
	}
	for _, r := range order {
		level := slog.LevelInfo
		if r == model.DropRetryLater {
			level = slog.LevelDebug
		}
		log.Log(context.Background(), level, "shipments left out of reminder", "reason", r.String(),
			"shipments", len(byReason[r]), "shipment_ids", shipmentIDs(byReason[r]), "detail", detail[r])
	}
}

// prepare turns one organisation's claim into its outcome so far, and the
// message to send now, if any.
func (c *Courier) prepare(ctx context.Context, out *Outcome, res store.ClaimResult, rt Routing, now time.Time, dryRun bool) (*pendingSend, error) {
	log := c.log(out.Org, dryRun)
	out.Dropped = res.Dropped
	out.Recorded = res.Recorded
	logDropped(log, res.Dropped)
	if res.Busy {
		out.Status = StatusBusy
		log.Info("the organisation's letters are held by another transaction (another run, a poll writing them); the next run tries again")
		return nil, nil
	}
	if res.Notification == nil {
		out.Status = StatusNothing
		return nil, nil
	}
	n := res.Notification
	out.NotificationID = n.ID
	out.Shipments = n.Items
	switch {
	case n.Status == store.NotifyNoAddress:
		out.Status = StatusNoAddress
		if !dryRun {
			// A warning when the reminder is first listed; each later run
			// finds it listed still (the summary counts it) and says so
			// quietly: hundreds of organisations without an address would
			// otherwise fill the log at every run.
			level := slog.LevelWarn
			if n.CreatedAt.Before(n.ClaimedAt) {
				level = slog.LevelInfo
			}
			log.Log(ctx, level, "organisation has no e-mail address for reminders; listed for the compliance officer",
				"notification", n.ID, "shipments", len(out.Shipments), "shipment_ids", shipmentIDs(out.Shipments))
		}
		return nil, nil
	case !res.Send:
		// The same message was sent, is in flight, or has an unknown outcome.
		out.Status = StatusNothing
		log.Info("reminder already handled", "notification", n.ID, "status", n.Status)
		return nil, nil
	}
	msg := Compose(out.Org, out.OrgName, out.Shipments, rt.To, c.r.From, n.Key, now)
	out.Message = msg
	sms := ""
	if rt.Route == RouteOrder {
		// Claimed to go by order (store.Claim.ByOrder): sent as an
		// Altinn Notifications order alone, e-mail preferred, else SMS.
		sms = SMS(out.Org, out.Shipments)
		out.SMS = sms
	}
	if dryRun {
		out.Status = StatusPreview
		return nil, nil
	}
	ps := &pendingSend{n: n, msg: msg, to: len(rt.To), fallback: rt.Fallback}
	if rt.Route == RouteOrder || rt.OrderBeside {
		order, err := c.r.prepareOrder(ctx, n, out.Org, msg, sms, now)
		if err != nil {
			return nil, err
		}
		ps.order = order
	}
	return ps, nil
}

// outcomeOf is what the record stage writes for one sent (or not) message.
func outcomeOf(n *store.Notification, m *Message, status Status, sendErr error) store.ReminderOutcome {
	o := store.ReminderOutcome{ID: n.ID, Items: n.Items}
	switch status {
	case StatusSent:
		o.Status, o.MessageID = model.NotifySent, m.MessageID
		if len(m.Refused) > 0 {
			o.Accepted, o.Note = accepted(m), "refused permanently: "+describeRefused(m.Refused)
		}
	case StatusUnknown:
		o.Status, o.Cause = model.NotifyUnknown, sendErr.Error()
	default:
		o.Status, o.Cause = model.NotifyFailed, sendErr.Error()
	}
	return o
}

// record records one message's outcome. It runs even when ctx was
// cancelled during the send: what happened must be written down.
func (c *Courier) record(ctx context.Context, rec store.ReminderOutcome, now time.Time) error {
	notPending, err := c.r.Log.RecordReminders(context.WithoutCancel(ctx), []store.ReminderOutcome{rec}, now)
	if err != nil {
		return err
	}
	if len(notPending) > 0 {
		return fmt.Errorf("notification %d is no longer pending: %w", rec.ID, store.ErrNotFound)
	}
	return nil
}

// logSent logs what became of one message that was sent (or tried).
func (c *Courier) logSent(out Outcome, ps pendingSend) {
	log := c.log(out.Org, false)
	ids, count := shipmentIDs(out.Shipments), len(out.Shipments)
	if len(out.Refused) > 0 && out.Status == StatusSent {
		log.Warn("recipients refused permanently by the SMTP server: left out of this reminder, the others got it",
			"notification", ps.n.ID, "refused", describeRefused(out.Refused))
	}
	switch out.Status {
	case StatusSent:
		log.Info("reminder sent", "notification", ps.n.ID, "shipments", count, "shipment_ids", ids,
			"addresses", ps.to, "message_id", ps.msg.MessageID)
	case StatusFailed:
		log.Warn("reminder not delivered; the next run tries again", "notification", ps.n.ID,
			"shipments", count, "error", out.Err)
	case StatusUnknown:
		log.Error("reminder outcome unknown; it is not sent again, check with the mail server",
			"notification", ps.n.ID, "shipments", count, "shipment_ids", ids, "error", out.Err)
	}
}

// log is the logger for one organisation's reminder; a dry run's lines
// say dry_run=true: what they tell did not happen.
func (c *Courier) log(org string, dryRun bool) *slog.Logger {
	l := c.r.logger().With("org", org)
	if dryRun {
		l = l.With("dry_run", true)
	}
	return l
}
