package escalate

import (
	"testing"
	"time"

	"postvakt/internal/channel"
)

// A letter the channel holds for a later delivery is looked at again daily;
// at channel.HeldAtMost (90 days after sending) it is taken as waiting and its steps
// count from its sending. The daily look-again time stops at that moment: a
// look 1 hour before it must not store next_step_at 23 hours after it (the
// long overdue step would come 23 hours late).
func TestHeldLetterNextStepNotPastHoldLimit(t *testing.T) {
	t.Parallel()
	p, _ := shipped(t).Get("dk-digital-post")
	sent := time.Date(2026, 8, 3, 10, 0, 0, 0, oslo)
	f := Facts{Since: sent, Scheduled: true, Decided: true}
	look := sent.Add(channel.HeldAtMost - time.Hour)
	d, err := Decide(f, p, look)
	if err != nil {
		t.Fatal(err)
	}
	limit := sent.Add(channel.HeldAtMost)
	if d.Next.After(limit) {
		late, _ := Decide(f, p, limit)
		t.Errorf("held letter looked at %s: next step stored for %s, but at %s the run decides %q (%s)",
			look.Format(time.DateTime), d.Next.Format(time.DateTime), limit.Format(time.DateTime), late.Label(), late.Reason)
	}
}
