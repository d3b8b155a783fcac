// Package remind composes and sends the reminders to receiving
// organisations, exactly once through the store's notification log.
//
// One item type, model.ReminderItem (Shipment here), travels from the
// escalation decision to the sent message through stages, each testable
// alone (like Alertmanager's notify pipeline):
//
//	group   Grouper: the escalation stream, ordered by recipient, becomes one
//	        Group per organisation
//	address the organisation's addresses: imported, else looked up in the
//	        channel this run (Resolver, before delivery); RouteOf, the one
//	        place for it, decides how its reminder goes: by e-mail, by an
//	        Altinn Notifications order alone, or neither
//	dedupe  the notification log claims the messages (store.ClaimReminders):
//	        in one transaction it locks the shipments and the notifications
//	        listing them, keeps what model.Eligible keeps (dropped items get
//	        a typed model.Drop), records the escalation decisions, and
//	        commits the rest as pending before anything is sent
//	send    Compose, then send (SMTP, over a Session kept open between the
//	        messages); where configured, the same text is then ordered
//	        through Altinn Notifications (Orders) for addresses an operator
//	        gave; an organisation without an e-mail address, or whose only
//	        ones are Altinn Profile's (those Notifications sends to), gets
//	        that order alone (e-mail preferred, else a short SMS), and an
//	        order Altinn refuses goes by e-mail to the Profile addresses
//	record  sent (the reminder counted on every shipment, with an event),
//	        failed (sent again by the next run) or unknown (never sent
//	        again; listed for the compliance officer)
//
// A Courier (one per delivery worker) takes a batch of organisations
// through the stages together: one address query, one claim transaction,
// then each message in turn over its SMTP session: marked begun (Begin),
// sent, recorded. Each message keeps the exactly-once protocol of a message
// alone: pending is committed before it is sent, its outcome recorded
// after. A crash leaves the message on the wire unknown (after the lease;
// never re-sent) and the batch's messages not yet begun failed, sent by a
// later run; a connection that dies leaves only the message in flight
// unknown, the rest go over a new one.
//
// Nothing here reads a shipment's title: a reminder shows channel
// references, senders and dates only. Logs carry organisation numbers,
// shipment ids and counts.
package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"postvakt/internal/store"
)

// Log is what the pipeline needs of the store.
type Log interface {
	ReminderAddressesOf(ctx context.Context, orgs []string) (map[string]store.Addresses, error)
	ClaimReminders(ctx context.Context, cs []store.Claim) ([]store.ClaimResult, error)
	PreviewReminders(ctx context.Context, cs []store.Claim) ([]store.ClaimResult, error)
	RecordReminders(ctx context.Context, outs []store.ReminderOutcome, now time.Time) (notPending []int64, err error)
	RecordLog
}

// Sender hands a message to a mail server.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// Status is what became of one organisation's group.
type Status string

// Statuses of an Outcome.
const (
	StatusSent      Status = "sent"       // delivered to the SMTP server (or, without an address, ordered through Altinn Notifications) and recorded
	StatusPreview   Status = "preview"    // dry run: would be sent
	StatusNoAddress Status = "no_address" // the organisation has no e-mail address (and no Altinn Notifications order can reach it)
	StatusNothing   Status = "nothing"    // every shipment was dropped (opened, already sent or in flight)
	StatusFailed    Status = "failed"     // the server refused or was unreachable; the next run retries
	StatusUnknown   Status = "unknown"    // may or may not have been delivered; never re-sent
	// StatusAddressUnknown: no imported address, and the lookup in the
	// channel failed this run; nothing is claimed, the next run tries again.
	StatusAddressUnknown Status = "address_unknown"
	// StatusGivenBack: claimed, and not begun because the run was asked
	// to stop (jobs.Draining); given back, the next run sends it.
	StatusGivenBack Status = "given_back"
	// StatusWindowClosed: the send window of the reminder's letters closed
	// before its send began (Courier.Closed); not sent (given back when
	// claimed), it stays due for the next window.
	StatusWindowClosed Status = "window_closed"
)

// Outcome is what Deliver did for one organisation.
type Outcome struct {
	Org            string
	OrgName        string // the organisation's name, "" unknown (Group.OrgName)
	Status         Status
	NotificationID int64
	Shipments      []Shipment      // the shipments listed (or that would be)
	Dropped        []store.Dropped // left out, with why
	Message        *Message        // the message sent or previewed; nil otherwise
	Err            error           // the send error, for failed and unknown
	OrderID        string          // the Altinn Notifications order placed, if any
	// Route is how the reminder went (RouteOf decides it): by e-mail (an
	// order refused before its fallback e-mail leaves OrderErr), by an
	// Altinn Notifications order alone, or neither.
	Route Route
	// SMS is the text of a reminder sent through Altinn Notifications
	// alone (no e-mail address), for when Altinn reaches the organisation
	// by SMS only; "" for an e-mail.
	SMS      string
	OrderErr error // why the order was not placed (it is retried, unless OrderGivenUp)
	// OrderGivenUp: Altinn refused the order and the reminder went by
	// e-mail to the Profile addresses instead (sendFallback); the order is
	// never placed, so it is not one the next run tries again.
	OrderGivenUp bool
	// Refused are recipients the SMTP server refused permanently: left
	// out of this reminder (the others got it), reported here and kept
	// with the notification.
	Refused []Refusal
	// Recorded is how many escalation decisions the claim recorded.
	Recorded int
}

// Text is the reminder's text as the organisation reads it: the Altinn
// Notifications order's (its e-mail from Altinn's no-reply address, which
// says not to reply) for a reminder by order alone, else the e-mail's;
// "" without a message.
func (o Outcome) Text() string {
	switch {
	case o.Message == nil:
		return ""
	case o.Route == RouteOrder:
		return o.Message.orderBody()
	}
	return o.Message.Body
}

// Reminder delivers reminders: one message per organisation.
type Reminder struct {
	Log    Log
	Sender Sender // may be nil for dry runs only
	From   string // the From address of messages
	Logger *slog.Logger
	// Orders, when set, orders every reminder to a Norwegian organisation
	// through Altinn Notifications too: beside its e-mail to addresses an
	// operator gave, or alone when it has no e-mail address or only Altinn
	// Profile's (RouteOf).
	Orders *Orders
}

// Deliver takes one organisation's group through the address, dedupe,
// send and record stages, as of now, over a connection of its own (a
// Courier with one group). With dryRun it only previews: it composes the
// message the run would send and changes nothing. The error return is for
// the store; a failed send is an Outcome, not an error.
func (r *Reminder) Deliver(ctx context.Context, g Group, now time.Time, dryRun bool) (Outcome, error) {
	c := r.Courier()
	defer c.Close()
	res := c.Deliver(ctx, []Group{g}, now, dryRun)
	return res[0].Outcome, res[0].Err
}

// prepareOrder builds the notification's Altinn Notifications order (with
// sms, the order alone: see OrderRequest) and keeps it with the
// notification, before the e-mail (or the order) is sent. When that
// fails nothing is sent: the notification is marked failed (the next run
// tries again) and the store error returned.
func (r *Reminder) prepareOrder(ctx context.Context, n *store.Notification, org string, msg *Message, sms string, now time.Time) ([]byte, error) {
	order, err := OrderRequest(n.ID, n.Key, org, r.Orders.ResourceID, msg, sms)
	if err == nil {
		err = r.Orders.Log.PrepareNotificationOrder(ctx, n.ID, order)
	}
	if err == nil {
		return order, nil
	}
	if merr := r.Log.MarkNotificationFailed(context.WithoutCancel(ctx), n.ID, err.Error(), now); merr != nil {
		err = errors.Join(err, merr)
	}
	return nil, fmt.Errorf("reminder %d to %s: keep its notification order: %w", n.ID, org, err)
}

func (r *Reminder) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

// maxLoggedIDs bounds how many shipment ids one log line carries.
const maxLoggedIDs = 100

// shipmentIDs returns the shipments' ids for a log line: at most
// maxLoggedIDs, then how many more there are.
func shipmentIDs(ss []Shipment) []string {
	n := min(len(ss), maxLoggedIDs)
	ids := make([]string, 0, n+1)
	for _, s := range ss[:n] {
		ids = append(ids, s.ShipmentID)
	}
	if len(ss) > n {
		ids = append(ids, fmt.Sprintf("... and %d more", len(ss)-n))
	}
	return ids
}
