package remind

import (
	"context"
	"errors"
	"fmt"
	"time"

	"postvakt/internal/i18n"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// ordersTo reports whether reminders to org go through Altinn
// Notifications: Notifications is configured and org is Norwegian (Altinn
// knows no Danish CVR number). One with e-mail addresses gets its e-mail
// and, beside it, the order; one without gets the order alone (by
// organisation number: Altinn finds its notification addresses, an SMS
// number too).
func (r *Reminder) ordersTo(org string) bool {
	return r.Orders != nil && model.OrgCountry(org) == "NO"
}

// SMS is the short text of a reminder sent as an SMS (an Altinn
// Notifications order to an organisation Altinn reaches by SMS only), in
// the language of the letters' country: who sent them (the sending
// organisation by name and number, or how many senders), how many letters
// wait for org unopened, and where to read them. Never a title, nor a unit.
func SMS(org string, shipments []Shipment) string {
	l := i18n.For(i18n.CountryLanguage(recipientCountry(shipments)), nil)
	senders := senderOrgs(shipments)
	from := l.T("sms.reminder.senders", "Count", len(senders))
	if len(senders) == 1 {
		from = OrgName(l, senders[0].name, senders[0].org)
	}
	return l.T("sms.reminder.altinn", "Count", len(shipments), "Sender", from, "Org", org)
}

// sendByOrder is the send and record stages of a reminder to an
// organisation without an e-mail address postvakt can use: begun (Begin
// marked it), its kept order is placed, and the reminder recorded sent with
// the order's id, or failed (placed again by a later run under the same
// idempotencyId, after model.RetryAfter: Altinn answers the same order, so
// no order is placed twice). A refusal for good (no contact information in
// Altinn either) is failed too, with Altinn's words: the organisation may
// get an address before the next try. An order cut off by a crash after
// Begin leaves the reminder unknown (after its lease), as an e-mail does;
// released, it is ordered again under the same idempotencyId.
func (c *Courier) sendByOrder(ctx context.Context, out *Outcome, ps pendingSend, now time.Time) error {
	orderID, err := "", errors.New("no Altinn Notifications order kept (POSTVAKT_NOTIFICATIONS_URL unset since the claim)")
	if ps.order != nil {
		orderID, err = c.r.Orders.Notifier.Order(context.WithoutCancel(ctx), ps.order)
	}
	rec := store.ReminderOutcome{ID: ps.n.ID, Items: ps.n.Items, Status: model.NotifySent, OrderID: orderID}
	out.Status, out.OrderID, out.Err = StatusSent, orderID, nil
	if err != nil {
		rec.Status, rec.Cause, rec.OrderID = model.NotifyFailed, err.Error(), ""
		out.Status, out.OrderID, out.Err = StatusFailed, "", err
	}
	if rerr := c.record(ctx, rec, now); rerr != nil {
		return fmt.Errorf("record reminder %d to %s through Altinn Notifications as %s: %w", ps.n.ID, out.Org, out.Status, rerr)
	}
	log := c.log(out.Org, false).With("notification", ps.n.ID, "shipments", len(out.Shipments))
	switch {
	case err == nil:
		log.Info("reminder sent through Altinn Notifications (no e-mail address; ordered by organisation number)",
			"order_id", orderID, "shipment_ids", shipmentIDs(out.Shipments))
	case errors.Is(err, ErrOrderRefused):
		log.Warn("reminder not sent: Altinn has no contact information for the organisation either; tried again later", "error", err)
	default:
		log.Warn("reminder not sent through Altinn Notifications; the next run tries again", "error", err)
	}
	return nil
}
