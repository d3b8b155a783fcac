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
//	        channel this run (Resolver, before delivery)
//	dedupe  the notification log claims the message (store.ClaimNotification):
//	        in one transaction it locks the shipments and the notifications
//	        listing them, keeps what model.Eligible keeps (dropped items get
//	        a typed model.Drop), and commits the rest as pending before
//	        anything is sent
//	send    Compose, then Sender.Send (SMTP); where configured, the same
//	        text is then ordered through Altinn Notifications (Orders)
//	record  sent (the reminder counted on every shipment, with an event),
//	        failed (sent again by the next run) or unknown (never sent
//	        again; listed for the compliance officer)
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
	ContactEmails(ctx context.Context, org string) ([]string, error)
	ClaimNotification(ctx context.Context, c store.Claim) (store.ClaimResult, error)
	PreviewNotification(ctx context.Context, c store.Claim) (store.ClaimResult, error)
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
	StatusSent      Status = "sent"       // delivered to the SMTP server and recorded
	StatusPreview   Status = "preview"    // dry run: would be sent
	StatusNoAddress Status = "no_address" // the organisation has no e-mail address
	StatusNothing   Status = "nothing"    // every shipment was dropped (opened, already sent or in flight)
	StatusFailed    Status = "failed"     // the server refused or was unreachable; the next run retries
	StatusUnknown   Status = "unknown"    // may or may not have been delivered; never re-sent
	// StatusAddressUnknown: no imported address, and the lookup in the
	// channel failed this run; nothing is claimed, the next run tries again.
	StatusAddressUnknown Status = "address_unknown"
)

// Outcome is what Deliver did for one organisation.
type Outcome struct {
	Org            string
	Status         Status
	NotificationID int64
	Shipments      []Shipment      // the shipments listed (or that would be)
	Dropped        []store.Dropped // left out, with why
	Message        *Message        // the message sent or previewed; nil otherwise
	Err            error           // the send error, for failed and unknown
	OrderID        string          // the Altinn Notifications order placed, if any
	OrderErr       error           // why the order was not placed (it is retried)
	// Refused are recipients the SMTP server refused permanently: left
	// out of this reminder (the others got it), reported here and kept
	// with the notification.
	Refused []Refusal
}

// Reminder delivers reminders: one message per organisation.
type Reminder struct {
	Log    Log
	Sender Sender // may be nil for dry runs only
	From   string // the From address of messages
	Logger *slog.Logger
	// Orders, when set, orders every reminder also through Altinn
	// Notifications.
	Orders *Orders
}

// Deliver takes one organisation's group through the address, dedupe,
// send and record stages, as of now. With dryRun it only previews: it
// composes the message the run would send and changes nothing. The error
// return is for the store; a failed send is an Outcome, not an error.
func (r *Reminder) Deliver(ctx context.Context, g Group, now time.Time, dryRun bool) (Outcome, error) {
	out := Outcome{Org: g.Org}
	log := r.logger().With("org", g.Org)
	to, err := r.addresses(ctx, g)
	if err != nil {
		return out, err
	}
	if len(to) == 0 && g.AddressUnknown {
		out.Status = StatusAddressUnknown
		log.Warn("no address known for the organisation and the lookup failed; the next run tries again",
			"shipments", len(g.Shipments))
		return out, nil
	}
	res, err := r.dedupe(ctx, g, to, now, dryRun)
	if err != nil {
		return out, err
	}
	out.Dropped = res.Dropped
	for _, d := range res.Dropped {
		log.Info("shipment left out of reminder", "shipment", d.ShipmentID, "reminder", d.Reminder,
			"reason", d.Reason.String(), "detail", d.Detail)
	}
	if res.Notification == nil {
		out.Status = StatusNothing
		return out, nil
	}
	n := res.Notification
	out.NotificationID = n.ID
	out.Shipments = n.Items
	ids, count := shipmentIDs(out.Shipments), len(out.Shipments)
	switch {
	case n.Status == store.NotifyNoAddress:
		out.Status = StatusNoAddress
		if !dryRun {
			log.Warn("organisation has no e-mail address for reminders; listed for the compliance officer",
				"notification", n.ID, "shipments", count, "shipment_ids", ids)
		}
		return out, nil
	case !res.Send:
		// The same message was sent, is in flight, or has an unknown outcome.
		out.Status = StatusNothing
		log.Info("reminder already handled", "notification", n.ID, "status", n.Status)
		return out, nil
	}
	msg := Compose(g.Org, out.Shipments, to, r.From, n.Key, now)
	out.Message = msg
	if dryRun {
		out.Status = StatusPreview
		return out, nil
	}
	var order []byte
	if r.Orders != nil {
		if order, err = r.prepareOrder(ctx, n, g.Org, msg, now); err != nil {
			return out, err
		}
	}
	out.Status, out.Err = r.send(ctx, msg)
	out.Refused = msg.Refused
	if len(msg.Refused) > 0 && out.Status == StatusSent {
		log.Warn("recipients refused permanently by the SMTP server: left out of this reminder, the others got it",
			"notification", n.ID, "refused", describeRefused(msg.Refused))
	}
	if err := r.record(ctx, n.ID, msg, out, now); err != nil {
		return out, err
	}
	if out.Status == StatusSent && order != nil {
		out.OrderID, out.OrderErr = r.place(ctx, n.ID, g.Org, order, now)
	}
	switch out.Status {
	case StatusSent:
		log.Info("reminder sent", "notification", n.ID, "shipments", count, "shipment_ids", ids,
			"addresses", len(to), "message_id", msg.MessageID)
	case StatusFailed:
		log.Warn("reminder not delivered; the next run tries again", "notification", n.ID,
			"shipments", count, "error", out.Err)
	case StatusUnknown:
		log.Error("reminder outcome unknown; it is not sent again, check with the mail server",
			"notification", n.ID, "shipments", count, "shipment_ids", ids, "error", out.Err)
	}
	return out, nil
}

// addresses is the address stage: the imported addresses, else those
// looked up this run (a dry run's lookups are not cached).
func (r *Reminder) addresses(ctx context.Context, g Group) ([]string, error) {
	to, err := r.Log.ContactEmails(ctx, g.Org)
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		to = g.LookedUp
	}
	return to, nil
}

// dedupe is the dedupe stage: the notification log claims the message, or
// in a dry run says what it would claim.
func (r *Reminder) dedupe(ctx context.Context, g Group, to []string, now time.Time, dryRun bool) (store.ClaimResult, error) {
	c := store.Claim{Org: g.Org, Items: g.Shipments, Recipients: to, Now: now}
	if dryRun {
		return r.Log.PreviewNotification(ctx, c)
	}
	return r.Log.ClaimNotification(ctx, c)
}

// prepareOrder builds the notification's Altinn Notifications order and
// keeps it with the notification, before the e-mail is sent. When that
// fails nothing is sent: the notification is marked failed (the next run
// tries again) and the store error returned.
func (r *Reminder) prepareOrder(ctx context.Context, n *store.Notification, org string, msg *Message, now time.Time) ([]byte, error) {
	order, err := OrderRequest(n.ID, n.Key, org, r.Orders.ResourceID, msg)
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

// send is the send stage.
func (r *Reminder) send(ctx context.Context, m *Message) (Status, error) {
	return Send(ctx, r.Sender, m)
}

// record is the record stage.
func (r *Reminder) record(ctx context.Context, id int64, m *Message, out Outcome, now time.Time) error {
	if err := Record(ctx, r.Log, id, m, out.Status, out.Err, now); err != nil {
		return fmt.Errorf("record reminder %d to %s as %s: %w", id, out.Org, out.Status, err)
	}
	return nil
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
