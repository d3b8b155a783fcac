package poll_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"postvakt/internal/channel"
	"postvakt/internal/model"
	"postvakt/internal/store"
)

// TestStatusDatedBeforeTheSentTime: letters registered with a sent time
// later than their real sending (a CSV import or a sender system giving
// the time it registered them), and the channel dates their reading or
// availability days before it. The status is the channel's word: the
// letter is opened (available), taken at its sent time, the state's
// evidence naming the channel's own time. Refused as "before the letter
// was sent" at every poll, the read letter stayed unread and went on to
// reminders and print.
func TestStatusDatedBeforeTheSentTime(t *testing.T) {
	ctx := context.Background()
	st, ships := registered(t, 3)
	sent := t0.Add(-time.Hour)
	answers := map[string]channel.Observation{
		"id-0": {Status: "LEST", State: model.StateOpened, ChangedAt: sent.Add(-10 * 24 * time.Hour)},
		"id-1": {Status: "VARSLET", State: model.StateAvailable, ChangedAt: sent.Add(-3 * 24 * time.Hour)},
		"id-2": {Status: "LEST", State: model.StateOpened, ChangedAt: time.UnixMilli(1738578835).UTC()}, // seconds read as ms: 1970
	}
	ch := &batchy{answer: func(id string) channel.Observation { return answers[id] }}
	var log bytes.Buffer
	sum, err := newPoller(st, func() time.Time { return t0 }, &log).Cycle(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || sum.Changed != 3 {
		t.Errorf("summary %+v, want 3 changes and no error\n%s", sum, log.String())
	}
	want := []model.State{model.StateOpened, model.StateAvailable, model.StateOpened}
	for i, w := range want {
		sh, err := st.Shipment(ctx, ships[i].ID, store.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != w {
			t.Errorf("id-%d: %s, want %s", i, sh.State, w)
			continue
		}
		if !sh.StateChangedAt.Equal(sent) {
			t.Errorf("id-%d: state changed at %v, want the sent time %v", i, sh.StateChangedAt, sent)
		}
		if sh.AvailableAt == nil || !sh.AvailableAt.Equal(sent) {
			t.Errorf("id-%d: available at %v, want the sent time %v", i, sh.AvailableAt, sent)
		}
		var state *store.Event
		for j := range sh.Events {
			if e := &sh.Events[j]; e.Kind == store.EventPollError {
				t.Errorf("id-%d: a poll error %q", i, e.Message)
			} else if e.Kind == store.EventState {
				state = e
			}
		}
		chTime := answers[ships[i].ChannelID].ChangedAt.UTC().Format(time.RFC3339)
		if state == nil || !strings.Contains(state.Message, chTime) || !strings.Contains(state.Message, "sent time") {
			t.Errorf("id-%d: the state's evidence %+v does not name the channel's time %s", i, state, chTime)
		}
	}
}
