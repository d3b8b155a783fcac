package poll

import (
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
)

// NextPoll says when to ask about a shipment again: often while it is young,
// rarely when it is old, never once its state is final or the channel has
// closed it (printed it itself, or closed by hand). maxWait, when positive,
// caps the wait whatever the letter's age (POSTVAKT_POLL_MAX_WAIT: the demo
// asks its days-old letters at every poll, so that what its simulator does
// at 2304× shows at once).
func NextPoll(s model.State, d channel.Disposition, sentAt, now time.Time, maxWait time.Duration) *time.Time {
	if s.Final() || d == channel.DispositionClosed || s == model.StateExpired {
		return nil
	}
	age := now.Sub(sentAt)
	var every time.Duration
	switch {
	case age < 24*time.Hour:
		every = 5 * time.Minute
	case age < 7*24*time.Hour:
		every = 30 * time.Minute
	case age < 30*24*time.Hour:
		every = 2 * time.Hour
	default:
		every = 12 * time.Hour
	}
	if maxWait > 0 {
		every = min(every, maxWait)
	}
	next := now.Add(every)
	return &next
}

// Backoff is the wait before polling a shipment again after its n-th
// consecutive failure: 1, 2, 4 … minutes, at most 6 hours.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
}
