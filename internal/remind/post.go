package remind

import (
	"context"
	"errors"
	"time"

	"postvakt/internal/store"
)

// RecordLog is what the record stage needs of the notification log: every
// message of the log (reminders and notices) ends there.
type RecordLog interface {
	BeginSend(ctx context.Context, id int64, claimedAt time.Time) error
	GiveBackNotification(ctx context.Context, id int64, claimedAt, now time.Time, why string) error
	MarkNotificationSent(ctx context.Context, id int64, messageID string, now time.Time) error
	MarkNotificationFailed(ctx context.Context, id int64, cause string, now time.Time) error
	MarkNotificationUnknown(ctx context.Context, id int64, cause string, now time.Time) error
	NoteRefusedRecipients(ctx context.Context, id int64, accepted []string, note string) error
}

// Begin is the step between the claim and the send of any claimed message
// (store.BeginSend): from it on, a crash leaves the outcome unknown. It
// answers false when the message is no longer this run's to send (its
// lease ran out and another run took it over); an error leaves it pending,
// to be sent again after its lease.
func Begin(ctx context.Context, log RecordLog, n *store.Notification) (bool, error) {
	err := log.BeginSend(ctx, n.ID, n.ClaimedAt)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Send is the send stage of any claimed message: sent, failed (the server
// refused or was unreachable; the next run tries again) or unknown (it may
// have been delivered; never sent again by itself). Recipients the server
// refused permanently are in m.Refused; the others got it.
func Send(ctx context.Context, s Sender, m *Message) (Status, error) {
	if s == nil {
		return StatusFailed, errors.New("no SMTP server configured")
	}
	err := s.Send(ctx, m)
	switch {
	case err == nil:
		return StatusSent, nil
	case errors.Is(err, ErrOutcomeUnknown):
		return StatusUnknown, err
	default:
		return StatusFailed, err
	}
}

// Record is the record stage of a claimed notification id: it writes what
// Send answered. It runs even when ctx was cancelled during the send: what
// happened must be written down.
func Record(ctx context.Context, log RecordLog, id int64, m *Message, status Status, sendErr error, now time.Time) error {
	ctx = context.WithoutCancel(ctx)
	switch status {
	case StatusSent:
		if len(m.Refused) > 0 {
			if err := log.NoteRefusedRecipients(ctx, id, accepted(m), "refused permanently: "+describeRefused(m.Refused)); err != nil {
				return err
			}
		}
		return log.MarkNotificationSent(ctx, id, m.MessageID, now)
	case StatusFailed:
		return log.MarkNotificationFailed(ctx, id, sendErr.Error(), now)
	case StatusUnknown:
		return log.MarkNotificationUnknown(ctx, id, sendErr.Error(), now)
	}
	return nil
}

// accepted returns the recipients of a sent message that the server did
// not refuse.
func accepted(m *Message) []string {
	refused := map[string]bool{}
	for _, r := range m.Refused {
		refused[r.Address] = true
	}
	var out []string
	for _, a := range append(append([]string(nil), m.To...), m.Cc...) {
		if !refused[a] {
			out = append(out, a)
		}
	}
	return out
}
