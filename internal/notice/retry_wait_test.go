package notice

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"postvakt/internal/model"
	"postvakt/internal/remind"
	"postvakt/internal/store"
)

// refusingRelay refuses every address for good (550), counting the
// messages it was asked to take, by first address.
type refusingRelay struct {
	mu    sync.Mutex
	tries map[string]int
}

func (r *refusingRelay) Send(_ context.Context, m *remind.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tries == nil {
		r.tries = map[string]int{}
	}
	r.tries[m.To[0]]++
	return fmt.Errorf("SMTP RCPT TO %s: 550 5.1.1 no such mailbox", m.To[0])
}

func (r *refusingRelay) take() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tries
	r.tries = nil
	return t
}

// TestFailedNoticeWaitsForItsRetry: a notice the mail server refused is
// tried again as a failed reminder is (model.RetryAfter: 10 minutes after
// the first failure, then 20, ...), not at every run (every 5 minutes),
// and at once to other addresses. It was sent again at every run, so a
// unit's shared inbox that was deleted was asked 288 times a day.
func TestFailedNoticeWaitsForItsRetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
	f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
	if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: "nav@bergen.kommune.no"}}); err != nil {
		t.Fatal(err)
	}
	relay := &refusingRelay{}
	f.n.Sender = relay
	const unit = "nav@bergen.kommune.no"
	for _, step := range []struct {
		name  string
		at    time.Duration
		addr  string // the unit's address from this step ("": as before)
		tries int    // messages to the unit's address
	}{
		{"first run", 0, "", 1},
		{"next run, 5 minutes later", 5 * time.Minute, "", 0},
		{"10 minutes after the failure", 10 * time.Minute, "", 1},
		{"10 minutes after the second failure", 20 * time.Minute, "", 0},
		{"20 minutes after it", 30 * time.Minute, "", 1},
		{"address fixed: at once", 35 * time.Minute, "nav.ny@bergen.kommune.no", 1},
	} {
		to := unit
		if step.addr != "" {
			to = step.addr
			if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: to}}); err != nil {
				t.Fatal(err)
			}
		}
		sum := f.run(now.Add(step.at))
		if got := relay.take()[to]; got != step.tries {
			t.Errorf("%s: the unit's address was sent %d message(s), want %d (%s)", step.name, got, step.tries, sum)
		}
	}
}
