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

// envelope is a relay that keeps each message's recipients, as RCPT TO
// would name them.
type envelope struct {
	mu    sync.Mutex
	rcpts [][]string
}

func (e *envelope) Send(_ context.Context, m *remind.Message) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rcpts = append(e.rcpts, append(append([]string(nil), m.To...), m.Cc...))
	return nil
}

// TestFollowUpMailToAUnitWhoseManagerIsItsContact: a small unit whose
// manager reads the unit's own inbox gives the same address twice (the
// import allows it): its follow-up mail goes to that address once. It was
// sent to it and to it in copy, two RCPT TO for one mailbox: two copies
// where the server does not merge them, and one refusal counted twice.
func TestFollowUpMailToAUnitWhoseManagerIsItsContact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, contact, manager string
		want                   string
	}{
		{"same address", "nav@bergen.kommune.no", "nav@bergen.kommune.no", "[nav@bergen.kommune.no]"},
		{"same address in other case", "nav@bergen.kommune.no", "NAV@Bergen.Kommune.no", "[nav@bergen.kommune.no]"},
		{"manager apart", "nav@bergen.kommune.no", "leder.nav@bergen.kommune.no", "[nav@bergen.kommune.no leder.nav@bergen.kommune.no]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 16, 9, 0, 0, 0, oslo)
			f.register("NAV", "taushetsbelagt", model.StateFailed, now.AddDate(0, 0, -2), 1)
			if _, err := f.st.SaveUnits(ctx, []store.Unit{{SenderOrg: bergen, Name: "NAV", ContactEmail: tc.contact,
				ManagerEmail: tc.manager}}); err != nil {
				t.Fatal(err)
			}
			env := &envelope{}
			f.n.Sender = env
			var ids []int64
			f.n.OnNotice = func(o Outcome) {
				if o.Kind == store.KindFollowUpDue {
					ids = append(ids, o.Notification)
				}
			}
			f.run(now)
			if len(ids) != 1 {
				t.Fatalf("%d follow-up mails, want 1", len(ids))
			}
			var got []string
			for _, r := range env.rcpts {
				if r[0] == tc.contact {
					got = r
				}
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("the unit's mail went to %v, want %s", got, tc.want)
			}
		})
	}
}
